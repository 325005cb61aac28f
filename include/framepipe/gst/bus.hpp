// Reading a pipeline's bus: what an ERROR, WARNING or INFO message says, the typed exception an
// ERROR becomes, and the text a WARNING or INFO becomes for a log callback.
#pragma once

#include <gst/gst.h>

#include <cstdio>
#include <exception>
#include <functional>
#include <string>

#include "framepipe/gst/error.hpp"
#include "framepipe/gst/runtime.hpp"

namespace framepipe::detail {

/// What an ERROR, WARNING or INFO bus message says (`gst_message_parse_error()` and friends).
struct BusReport {
  std::string element;  ///< name of the object that posted it
  std::string message;
  std::string debug;
  std::string domain;
  int code = 0;
  bool not_negotiated = false;
};

inline BusReport parse_bus_report(GstMessage* message) {
  GError* raw_error = nullptr;
  gchar* raw_debug = nullptr;
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error(message, &raw_error, &raw_debug);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning(message, &raw_error, &raw_debug);
      break;
    case GST_MESSAGE_INFO:
      gst_message_parse_info(message, &raw_error, &raw_debug);
      break;
    default:
      break;
  }
  const GErrorPtr error(raw_error);
  BusReport report;
  report.element = object_name(GST_MESSAGE_SRC(message));
  report.debug = take_gchar(raw_debug);
  if (error) {
    report.message = error->message != nullptr ? error->message : "";
    report.domain = g_quark_to_string(error->domain);
    report.code = error->code;
    report.not_negotiated =
        error->domain == GST_CORE_ERROR && error->code == GST_CORE_ERROR_NEGOTIATION;
  }
  // A source whose streaming thread stops posts GST_ELEMENT_FLOW_ERROR: STREAM/FAILED with the
  // flow return in the details ("flow-return") and in the debug text.
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    const GstStructure* details = nullptr;
    gst_message_parse_error_details(message, &details);
    gint flow = 0;
    if (details != nullptr && gst_structure_get_int(details, "flow-return", &flow) &&
        flow == GST_FLOW_NOT_NEGOTIATED) {
      report.not_negotiated = true;
    }
  }
  if (report.debug.find("not-negotiated") != std::string::npos) report.not_negotiated = true;
  return report;
}

/// The exception an ERROR report becomes: NotNegotiated (with `offered_caps`) when downstream
/// refused the caps, StreamError otherwise. `hint` (framepipe's guess at the cause, may be empty)
/// is appended to GStreamer's message.
inline std::exception_ptr to_exception(const BusReport& r, const std::string& offered_caps,
                                       const std::string& hint = {}) {
  const std::string message = hint.empty() ? r.message : r.message + " (" + hint + ")";
  if (r.not_negotiated) {
    return std::make_exception_ptr(
        NotNegotiated(r.element, message, r.debug, offered_caps, r.domain, r.code));
  }
  return std::make_exception_ptr(StreamError(r.element, message, r.debug, r.domain, r.code));
}

/// "GStreamer warning from element "x": message (debug: ...)" for a WARNING or INFO report.
inline std::string log_text(const BusReport& r, LogLevel level) {
  std::string text = std::string("GStreamer ") + (level == LogLevel::Warning ? "warning" : "info");
  if (!r.element.empty()) text += " from element \"" + r.element + "\"";
  text += ": " + r.message;
  if (!r.debug.empty()) text += " (debug: " + r.debug + ")";
  return text;
}

/// Hands a WARNING or INFO message to `on_log`; unset, warnings go to stderr and infos nowhere.
/// Never throws: an exception from the callback is dropped (the bus is read on paths that must
/// not fail, such as a destructor's).
inline void log_bus_message(
    GstMessage* message, const std::function<void(LogLevel, const std::string&)>& on_log) noexcept {
  try {
    const LogLevel level =
        GST_MESSAGE_TYPE(message) == GST_MESSAGE_WARNING ? LogLevel::Warning : LogLevel::Info;
    const std::string text = log_text(parse_bus_report(message), level);
    if (on_log) {
      on_log(level, text);
    } else if (level == LogLevel::Warning) {
      std::fprintf(stderr, "framepipe: %s\n", text.c_str());
    }
  } catch (...) {  // a log line is not worth an exception on an error path
  }
}

}  // namespace framepipe::detail
