// WhepSink without viewers: every frame is dropped before the encoder and counted, the encode
// description, and the formats it takes. (Viewers: whep_server_test, browser/whep_browser_test.)
#include "framepipe/web/whep_sink.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "framepipe/core/writer.hpp"
#include "framepipe/web/detail/sdp_offer.hpp"
#include "framepipe/web/whep_server.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"
#include "web/whep_test_support.hpp"

using namespace framepipe;

TEST_CASE("WhepSink drops and counts every frame while no viewer watches") {
  if (!test::have_element("webrtcbin") || !test::have_element("vp8enc")) {
    FRAMEPIPE_SKIP_CASE("webrtcbin or vp8enc missing");
  }
  WhepServer server;
  Writer<PixelFormat::I420, WhepSink> writer({.size = {64, 48}}, server.sink());
  CHECK(writer.sink().encoded_tee());
  CHECK(writer.sink().encoded_tee().name() == kWhepEncodedTee);
  Frame<PixelFormat::I420> frame({64, 48});
  for (int i = 0; i < 10; ++i) writer.write(frame.view());
  writer.close();
  const WhepSink& sink = writer.sink();
  CHECK(sink.made() == 10);
  CHECK(sink.dropped() == 10);
  CHECK(sink.sent() == 0);
  CHECK_FALSE(sink.encoded_tee());
}

TEST_CASE("WhepSink's encode: the preset per codec, or the caller's encoder, then the tee") {
  const std::string vp8 = WhepSink::description({}, {30, 1});
  CHECK(vp8.rfind("vp8enc deadline=1 lag-in-frames=0", 0) == 0);
  CHECK(vp8.find("keyframe-max-dist=30") != std::string::npos);
  CHECK(vp8.find("tee name=framepipe_encoded") != std::string::npos);
  const std::string h264 = WhepSink::description({.codec = VideoCodec::H264}, {25, 1});
  CHECK(h264.rfind("x264enc", 0) == 0);
  CHECK(h264.find("profile=constrained-baseline") != std::string::npos);
  CHECK(WhepSink::description({.encoder = "vp8enc"}, {30, 1}).rfind("vp8enc ! tee", 0) == 0);
}

TEST_CASE("WhepSink takes I420 and NV12 only") {
  static_assert(WhepSink::accepts<PixelFormat::I420> && WhepSink::accepts<PixelFormat::NV12>);
  static_assert(!WhepSink::accepts<PixelFormat::BGR24>);
  if (!test::have_element("webrtcbin")) FRAMEPIPE_SKIP_CASE("webrtcbin missing");
  WhepServer server;
  WhepSink sink = server.sink();
  StreamSpec spec;
  spec.format = PixelFormat::BGR24;
  spec.size = {64, 48};
  CHECK_THROWS_AS(sink.start(spec), InvalidArgument);
}

TEST_CASE("check_sdp_offer finds the codec's payload type in the first video m-line") {
  auto vp8 = detail::check_sdp_offer(test::browser_offer(), VideoCodec::VP8);
  CHECK(vp8.error.empty());
  CHECK(vp8.payload_type == 96);
  CHECK(vp8.mline == 0);
  auto h264 = detail::check_sdp_offer(test::browser_offer(), VideoCodec::H264);
  CHECK(h264.error.empty());
  CHECK(h264.payload_type == 102);
  // 42001f (baseline, not constrained) is not what the server sends.
  std::string offer = test::browser_offer();
  offer.replace(offer.find("42e01f"), 6, "42001f");
  CHECK(detail::check_sdp_offer(offer, VideoCodec::H264).error.find("42e01f") != std::string::npos);
  CHECK_FALSE(detail::check_sdp_offer("", VideoCodec::VP8).error.empty());
  CHECK_FALSE(
      detail::check_sdp_offer(test::browser_offer("inactive"), VideoCodec::VP8).error.empty());
}

TEST_CASE("check_sdp_offer finds Opus in the first receiving audio m-line, when there is one") {
  const auto video_only = detail::check_sdp_offer(test::browser_offer(), VideoCodec::VP8);
  CHECK_FALSE(video_only.audio_mline.has_value());
  const auto both = detail::check_sdp_offer(test::browser_offer_with_audio(), VideoCodec::VP8);
  CHECK(both.error.empty());
  CHECK(both.payload_type == 96);
  CHECK(both.mline == 0);
  REQUIRE(both.audio_mline.has_value());
  CHECK(*both.audio_mline == 1);
  CHECK(both.audio_payload_type == 111);
  const auto other_pt =
      detail::check_sdp_offer(test::browser_offer_with_audio("sendrecv", 109), VideoCodec::H264);
  CHECK(other_pt.error.empty());
  CHECK(other_pt.audio_payload_type == 109);
  // An audio section that does not receive is no audio for the viewer; the video still is.
  const auto inactive =
      detail::check_sdp_offer(test::browser_offer_with_audio("inactive"), VideoCodec::VP8);
  CHECK(inactive.error.empty());
  CHECK_FALSE(inactive.audio_mline.has_value());
}

TEST_CASE("WhepSink feeds encoded_branches with every frame, viewers or not") {
  if (!test::have_element("webrtcbin") || !test::have_element("vp8enc") ||
      !test::have_element("webmmux")) {
    FRAMEPIPE_SKIP_CASE("webrtcbin, vp8enc or webmmux missing");
  }
  const char* tmp = std::getenv("FRAMEPIPE_TEST_TMPDIR");
  const std::string file = std::string(tmp != nullptr ? tmp : "/tmp") + "/whep_branch.webm";
  std::remove(file.c_str());
  const WhepServerOptions options{.encoded_branches = {"webmmux ! filesink location=" + file}};
  CHECK(WhepSink::description(options, {30, 1}).find("framepipe_encoded. ! queue ! webmmux") !=
        std::string::npos);
  WhepServer server(options);
  Writer<PixelFormat::I420, WhepSink> writer({.size = {64, 48}}, server.sink());
  Frame<PixelFormat::I420> frame({64, 48});
  for (int i = 0; i < 10; ++i) {
    writer.write(frame.view());
    std::this_thread::sleep_for(std::chrono::milliseconds(33));  // a live source's pace
  }
  writer.close();
  const WhepSink& sink = writer.sink();
  CHECK(sink.made() == 10);
  CHECK(sink.made() == sink.sent() + sink.dropped());
  CHECK(sink.sent() >= 8);  // no viewer, yet encoded: only the live queue may have dropped
  if (std::system("ffprobe -version > /dev/null 2>&1") != 0) return;
  const std::string frames = test::output_of(
      "ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames "
      "-of csv=p=0 " +
      file);
  CHECK(frames == std::to_string(sink.sent()) + "\n");  // each frame sent is in the file
}
