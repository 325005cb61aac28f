// Reading bus messages: the report of an ERROR/WARNING/INFO, the typed exception an ERROR
// becomes (with framepipe's hint), the log text, and a log callback that throws.
#include "framepipe/gst/bus.hpp"

#include <doctest/doctest.h>

#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "framepipe/gst/runtime.hpp"

using namespace framepipe;

namespace {

/// A message of `type` posted by an identity named "poster", with `domain`/`code`.
detail::MessagePtr make_message(GstMessageType type, GQuark domain, int code, const char* text,
                                const char* debug) {
  ensure_gstreamer_initialized();
  GstElement* poster = gst_element_factory_make("identity", "poster");
  REQUIRE(poster != nullptr);
  gst_object_ref_sink(poster);
  GError* error = g_error_new_literal(domain, code, text);
  GstMessage* message = nullptr;
  if (type == GST_MESSAGE_ERROR) message = gst_message_new_error(GST_OBJECT(poster), error, debug);
  if (type == GST_MESSAGE_WARNING)
    message = gst_message_new_warning(GST_OBJECT(poster), error, debug);
  if (type == GST_MESSAGE_INFO) message = gst_message_new_info(GST_OBJECT(poster), error, debug);
  g_error_free(error);
  gst_object_unref(poster);
  return detail::MessagePtr(message);
}

}  // namespace

TEST_CASE("parse_bus_report reads element, message, debug, domain and code") {
  const detail::MessagePtr m = make_message(GST_MESSAGE_ERROR, GST_RESOURCE_ERROR,
                                            GST_RESOURCE_ERROR_OPEN_WRITE, "cannot open", "dbg");
  const detail::BusReport r = detail::parse_bus_report(m.get());
  CHECK(r.element == "poster");
  CHECK(r.message == "cannot open");
  CHECK(r.debug == "dbg");
  CHECK(r.domain == "gst-resource-error-quark");
  CHECK(r.code == GST_RESOURCE_ERROR_OPEN_WRITE);
  CHECK(!r.not_negotiated);
}

TEST_CASE("a negotiation error, or not-negotiated in the debug text, is recognised") {
  const detail::MessagePtr core =
      make_message(GST_MESSAGE_ERROR, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION, "no caps", "");
  CHECK(detail::parse_bus_report(core.get()).not_negotiated);
  const detail::MessagePtr flow =
      make_message(GST_MESSAGE_ERROR, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
                   "Internal data stream error.", "streaming stopped, reason not-negotiated (-4)");
  CHECK(detail::parse_bus_report(flow.get()).not_negotiated);
}

TEST_CASE("to_exception: NotNegotiated with the offered caps, else StreamError; hint appended") {
  detail::BusReport r;
  r.element = "enc";
  r.message = "Can not initialize";
  r.domain = "gst-stream-error-quark";
  try {
    std::rethrow_exception(detail::to_exception(r, "video/x-raw", "framepipe: odd size"));
  } catch (const NotNegotiated&) {
    FAIL("not a negotiation error");
  } catch (const StreamError& e) {
    CHECK(e.element() == "enc");
    CHECK(e.message() == "Can not initialize (framepipe: odd size)");
  }
  r.not_negotiated = true;
  try {
    std::rethrow_exception(detail::to_exception(r, "video/x-raw,width=3"));
  } catch (const NotNegotiated& e) {
    CHECK(e.offered_caps() == "video/x-raw,width=3");
    CHECK(e.message() == "Can not initialize");
  }
}

TEST_CASE("log_text and log_bus_message; a throwing callback cannot escape") {
  const detail::MessagePtr warning =
      make_message(GST_MESSAGE_WARNING, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, "hm", "why");
  CHECK(detail::log_text(detail::parse_bus_report(warning.get()), LogLevel::Warning) ==
        "GStreamer warning from element \"poster\": hm (debug: why)");
  std::vector<std::pair<LogLevel, std::string>> logged;
  detail::log_bus_message(warning.get(), [&](LogLevel level, const std::string& text) {
    logged.emplace_back(level, text);
  });
  const detail::MessagePtr info =
      make_message(GST_MESSAGE_INFO, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, "fyi", "");
  detail::log_bus_message(info.get(), [&](LogLevel level, const std::string& text) {
    logged.emplace_back(level, text);
  });
  REQUIRE(logged.size() == 2);
  CHECK(logged[0].first == LogLevel::Warning);
  CHECK(logged[1].first == LogLevel::Info);
  CHECK(logged[1].second == "GStreamer info from element \"poster\": fyi");
  bool called = false;
  detail::log_bus_message(warning.get(), [&](LogLevel, const std::string&) {
    called = true;
    throw std::runtime_error("callback failure");
  });
  CHECK(called);  // and nothing escaped (log_bus_message is noexcept)
}

TEST_CASE("read_bus hands warnings to on_note and an error to on_error, and stops there") {
  ensure_gstreamer_initialized();
  const detail::BusPtr bus(gst_bus_new());
  for (GstMessageType type :
       {GST_MESSAGE_WARNING, GST_MESSAGE_INFO, GST_MESSAGE_ERROR, GST_MESSAGE_WARNING}) {
    gst_bus_post(bus.get(),
                 make_message(type, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, "m", "").release());
  }
  struct Handled {};
  int notes = 0;
  int errors = 0;
  CHECK_THROWS_AS(detail::read_bus(
                      bus.get(),
                      [&](GstMessage*) {
                        ++errors;
                        throw Handled{};
                      },
                      [&](GstMessage*) { ++notes; }),
                  Handled);
  CHECK(notes == 2);
  CHECK(errors == 1);
  // The warning after the error is still there for the next read; then the bus is empty.
  detail::read_bus(
      bus.get(), [&](GstMessage*) { ++errors; }, [&](GstMessage*) { ++notes; });
  CHECK(notes == 3);
  CHECK(errors == 1);
  detail::read_bus(
      nullptr, [&](GstMessage*) { ++errors; }, [&](GstMessage*) { ++notes; });
}
