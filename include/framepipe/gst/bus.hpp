// Reading a pipeline's bus: what an ERROR, WARNING or INFO message says, the typed exception an
// ERROR becomes (network failures of SRT elements included, recognised with gst/srt.hpp), the
// text a WARNING or INFO becomes for a log callback, and read_bus(), the loop every stage uses.
#pragma once

#include <gst/gst.h>

#include <cstdio>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "framepipe/gst/error.hpp"
#include "framepipe/gst/runtime.hpp"
#include "framepipe/gst/srt.hpp"

namespace framepipe::detail {

/// What an ERROR, WARNING or INFO bus message says (`gst_message_parse_error()` and friends).
struct BusReport {
  std::string element;  ///< name of the object that posted it
  std::string factory;  ///< its element factory, e.g. "srtsink" ("" when not an element)
  std::string uri;      ///< its "uri" property, for srtsink and srtsrc ("" otherwise)
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
  GstObject* source = GST_MESSAGE_SRC(message);
  report.element = object_name(source);
  if (source != nullptr && GST_IS_ELEMENT(source)) {
    if (GstElementFactory* factory = gst_element_get_factory(GST_ELEMENT(source))) {
      report.factory = gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory));
    }
    // Only what srt_exception() reads: no other element's getter runs on an error path.
    GParamSpec* spec = report.factory == "srtsink" || report.factory == "srtsrc"
                           ? g_object_class_find_property(G_OBJECT_GET_CLASS(source), "uri")
                           : nullptr;
    if (spec != nullptr && spec->value_type == G_TYPE_STRING &&
        (spec->flags & G_PARAM_READABLE) != 0) {
      gchar* uri = nullptr;
      g_object_get(source, "uri", &uri, nullptr);
      report.uri = take_gchar(uri);
    }
  }
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

/// The typed network error an srtsink or srtsrc ERROR is, if it is one: AddressInUse when a
/// listener cannot bind its port because another socket holds it or another SRT listener of this
/// process listens there, PeerUnreachable when a
/// caller's peer never answered. Null otherwise.
inline std::exception_ptr srt_exception(const BusReport& r, const std::string& message) {
  if (r.factory != "srtsink" && r.factory != "srtsrc") return nullptr;
  const std::optional<SrtUri> uri = parse_srt_uri(r.uri);
  if (!uri) return nullptr;
  const std::string text = r.message + " " + r.debug;
  // Another process's socket on the port: libsrt's bind fails with a text it also gives for other
  // bind failures, so the port is probed. Another SRT listener of this process on the port: libsrt
  // shares the bound UDP socket, and srt_listen() refuses ("Another socket is already listening on
  // the same port").
  if ((text.find("Cannot bind to") != std::string::npos && udp_port_in_use(uri->host, uri->port)) ||
      text.find("already listening on the same port") != std::string::npos) {
    return std::make_exception_ptr(
        AddressInUse(uri->host, uri->port, r.element, message, r.debug, r.domain, r.code));
  }
  const bool caller = uri->mode == "caller" || uri->mode == "client";
  if (caller && (text.find("Connection does not exist") != std::string::npos ||
                 text.find("Connection was broken") != std::string::npos ||
                 text.find("Connection setup failure") != std::string::npos ||
                 text.find("Connection timeout") != std::string::npos)) {
    return std::make_exception_ptr(PeerUnreachable(uri->host, uri->port, uri->connect_timeout,
                                                   r.element, message, r.debug, r.domain, r.code));
  }
  return nullptr;
}

/// The exception an ERROR report becomes: NotNegotiated (with `offered_caps`) when downstream
/// refused the caps; AddressInUse or PeerUnreachable for the network failures srt_exception()
/// knows; StreamError otherwise. `hint` (framepipe's guess at the cause, may be empty) is
/// appended to GStreamer's message.
inline std::exception_ptr to_exception(const BusReport& r, const std::string& offered_caps,
                                       const std::string& hint = {}) {
  const std::string message = hint.empty() ? r.message : r.message + " (" + hint + ")";
  if (std::exception_ptr network = srt_exception(r, message)) return network;
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
  return redact_secrets(std::move(text));
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

/// Reads every ERROR, WARNING and INFO message `bus` holds, without waiting
/// (`gst_bus_pop_filtered`): an ERROR goes to `on_error(GstMessage*)`, which must throw (a stage
/// turns it into its exception, stops and rethrows), a WARNING or INFO to `on_note(GstMessage*)`
/// (e.g. log_bus_message()). Returns when the bus is empty; does nothing for a null bus.
template <class OnError, class OnNote>
void read_bus(GstBus* bus, OnError&& on_error, OnNote&& on_note) {
  if (bus == nullptr) return;
  for (;;) {
    const MessagePtr message(gst_bus_pop_filtered(
        bus,
        static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_INFO)));
    if (!message) return;
    if (GST_MESSAGE_TYPE(message.get()) == GST_MESSAGE_ERROR) {
      on_error(message.get());
      throw StreamError(object_name(GST_MESSAGE_SRC(message.get())),
                        "read_bus(): the error handler returned", "");
    }
    on_note(message.get());
  }
}

}  // namespace framepipe::detail
