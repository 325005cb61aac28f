// framepipe's guesses at a failure's cause: the elements that may hold frames, the advice of a
// Timeout, the odd-size hint for encoders, the location a sink could not open.
#include "framepipe/gst/diagnostics.hpp"

#include <doctest/doctest.h>

#include <string>

#include "framepipe/gst/runtime.hpp"

using namespace framepipe;

namespace {

detail::ElementPtr parse(const char* description) {
  ensure_gstreamer_initialized();
  GError* error = nullptr;
  GstElement* p = gst_parse_launch(description, &error);
  if (error != nullptr) g_error_free(error);
  REQUIRE(p != nullptr);
  gst_object_ref_sink(p);
  return detail::ElementPtr(p);
}

detail::MessagePtr error_from(GstElement* element, GQuark domain, int code, const char* text) {
  GError* error = g_error_new_literal(domain, code, text);
  GstMessage* m = gst_message_new_error(GST_OBJECT(element), error, "");
  g_error_free(error);
  return detail::MessagePtr(m);
}

}  // namespace

TEST_CASE("find_frame_holders: encoders, queues and sinks, in nested bins too") {
  const detail::ElementPtr p = parse(
      "appsrc ! queue name=q ! vp8enc name=e ! bin. ( name=bin fakesink name=s ) appsrc ! "
      "identity name=i ! fakesink name=t");
  const detail::FrameHolders h = detail::find_frame_holders(p.get());
  REQUIRE(h.encoders.size() == 1);
  CHECK(h.encoders[0] == "\"e\" (vp8enc)");
  REQUIRE(h.queues.size() == 1);
  CHECK(h.queues[0] == "\"q\" (queue)");
  CHECK(h.sinks.size() == 2);  // s inside the bin, and t; not identity, not the appsrcs
  const std::string advice = detail::stuck_pool_advice(p.get(), 4, 4 * 1024 * 1024);
  CHECK(advice.find("all 4 frames of the pool (4 MiB)") != std::string::npos);
  CHECK(advice.find("encoder \"e\" (vp8enc)") != std::string::npos);
  CHECK(advice.find("lag-in-frames=0") != std::string::npos);
  CHECK(advice.find("\"s\" (fakesink)") != std::string::npos);
  CHECK(advice.find("max_pool_bytes") != std::string::npos);
}

TEST_CASE("odd_size_hint: only for an odd size, from an encoder or a refused caps") {
  const detail::ElementPtr p = parse("appsrc ! vp8enc name=e ! fakesink name=s");
  GstElement* encoder = gst_bin_get_by_name(GST_BIN(p.get()), "e");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(p.get()), "s");
  const detail::MessagePtr from_encoder =
      error_from(encoder, GST_STREAM_ERROR, GST_STREAM_ERROR_ENCODE, "Can not initialize");
  const detail::BusReport r = detail::parse_bus_report(from_encoder.get());
  const std::string hint = detail::odd_size_hint(r, from_encoder.get(), {321, 241});
  CHECK(hint.find("321x241 is odd") != std::string::npos);
  CHECK(hint.find("320x240 or 322x242") != std::string::npos);
  CHECK(detail::odd_size_hint(r, from_encoder.get(), {320, 240}).empty());
  const detail::MessagePtr from_sink =
      error_from(sink, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, "failed");
  detail::BusReport sink_report = detail::parse_bus_report(from_sink.get());
  CHECK(detail::odd_size_hint(sink_report, from_sink.get(), {321, 240}).empty());
  sink_report.not_negotiated = true;
  CHECK(!detail::odd_size_hint(sink_report, from_sink.get(), {321, 240}).empty());
  gst_object_unref(encoder);
  gst_object_unref(sink);
}

TEST_CASE("location_hint: a resource error that does not name the sink's location") {
  const detail::ElementPtr p = parse("appsrc ! filesink name=f location=/no/such/dir/out.raw");
  GstElement* filesink = gst_bin_get_by_name(GST_BIN(p.get()), "f");
  const detail::MessagePtr vague =
      error_from(filesink, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE, "cannot open");
  CHECK(detail::location_hint(detail::parse_bus_report(vague.get()), vague.get()) ==
        "location \"/no/such/dir/out.raw\"");
  const detail::MessagePtr named =
      error_from(filesink, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
                 "Could not open \"/no/such/dir/out.raw\"");
  CHECK(detail::location_hint(detail::parse_bus_report(named.get()), named.get()).empty());
  const detail::MessagePtr stream =
      error_from(filesink, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, "failed");
  CHECK(detail::location_hint(detail::parse_bus_report(stream.get()), stream.get()).empty());
  gst_object_unref(filesink);
}
