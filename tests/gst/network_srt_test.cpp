// The SRT recipes with real GStreamer on loopback: listener and caller into a receiver in the
// same test, and the typed errors (a caller nobody answers: PeerUnreachable; a listener on a port
// in use: AddressInUse). A case whose tool is missing is skipped alone (support/case_skip.hpp).
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "framepipe/core/writer.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/gst/network.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/index_receiver.hpp"
#include "support/index_sender.hpp"
#include "support/run_program.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

TEST_CASE("SRT listener and caller on loopback") {
  if (!test::have_element("srtsink") || !test::have_element("srtsrc") ||
      !test::have_element("x264enc") || !test::have_element("avdec_h264")) {
    FRAMEPIPE_SKIP_CASE("srtsink/srtsrc (gstreamer1.0-plugins-bad), x264enc or avdec_h264");
  }
  const std::uint16_t port = test::free_udp_port();
  // The sender listens; the receiver calls.
  std::vector<std::uint32_t> got;
  std::string error;
  Stats stats;
  {
    std::thread sender([&] {
      stats =
          test::send_indexed(AppSrcSink(srt_listener_description(port), live_sink_options()), 90);
    });
    // The listener binds when its pipeline starts.
    REQUIRE(test::wait_udp_bound(port, 10s));
    test::IndexReceiver receiver("srtsrc uri=srt://127.0.0.1:" + std::to_string(port) +
                                 "?mode=caller latency=20 ! tsdemux ! h264parse ! avdec_h264");
    got = receiver.collect(20, 15s);
    error = receiver.error();
    sender.join();
  }
  INFO("receiver error: " << error);
  REQUIRE(got.size() == 20);
  for (std::size_t i = 1; i < got.size(); ++i) {
    REQUIRE(got[i] != UINT32_MAX);
    CHECK(got[i] > got[i - 1]);
  }
  CHECK(stats.frames == 90);
}

TEST_CASE("SRT caller into a listening receiver on loopback") {
  if (!test::have_element("srtsink") || !test::have_element("srtsrc") ||
      !test::have_element("x264enc") || !test::have_element("avdec_h264")) {
    FRAMEPIPE_SKIP_CASE("srtsink/srtsrc (gstreamer1.0-plugins-bad), x264enc or avdec_h264");
  }
  const std::uint16_t port = test::free_udp_port();
  test::IndexReceiver receiver("srtsrc uri=srt://127.0.0.1:" + std::to_string(port) +
                               "?mode=listener latency=20 ! tsdemux ! h264parse ! avdec_h264");
  Stats stats;
  std::thread sender([&] {
    stats = test::send_indexed(
        AppSrcSink(srt_caller_description("127.0.0.1", port), live_sink_options()), 90);
  });
  const auto got = receiver.collect(20, 15s);
  const std::string error = receiver.error();
  sender.join();
  INFO("receiver error: " << error);
  REQUIRE(got.size() == 20);
  for (std::size_t i = 1; i < got.size(); ++i) {
    REQUIRE(got[i] != UINT32_MAX);
    CHECK(got[i] > got[i - 1]);
  }
  CHECK(stats.frames == 90);
}

namespace {

// Writes up to 10 s of frames through an SRT caller to a loopback port nobody listens on, with a
// 1 s connect timeout; returns the PeerUnreachable it ended with (nullopt when none).
std::optional<PeerUnreachable> call_nobody(VideoCodec codec, std::uint16_t port,
                                           std::uint32_t& written) {
  std::optional<PeerUnreachable> caught;
  test::within(30s, [&] {
    try {
      Writer<PixelFormat::I420, AppSrcSink> writer(
          {.size = test::kNetworkSize, .fps = {30, 1}, .pacing = Pacing::RealTime},
          AppSrcSink(srt_caller_description("127.0.0.1", port, codec, {30, 1}, 1000ms),
                     live_sink_options()));
      Frame<PixelFormat::I420> frame(test::kNetworkSize);
      // 10 s of frames at most: the error comes about 1 s (the connect timeout) in.
      for (; written < 300; ++written) {
        test::draw_index(frame.view(), written);
        writer.write(frame.view());
        std::this_thread::sleep_for(33ms);
      }
      writer.close();
    } catch (const PeerUnreachable& e) {
      caught = e;
    }
  });
  return caught;
}

}  // namespace

TEST_CASE(
    "an SRT caller that nobody answers ends with PeerUnreachable within its connect timeout") {
  // VP8 ran on for ever before: srtsink's auto-reconnect (default true) turned the connect timeout
  // into a warning ("Connection timeout. Trying to reconnect") and a new attempt, every second.
  for (const VideoCodec codec : {VideoCodec::H264, VideoCodec::VP8}) {
    const std::string encoder = codec == VideoCodec::H264 ? "x264enc" : "vp8enc";
    CAPTURE(encoder);
    if (!test::have_element("srtsink") || !test::have_element(encoder.c_str())) {
      FRAMEPIPE_SKIP_CASE("srtsink (gstreamer1.0-plugins-bad) or the encoder missing");
    }
    // A loopback port nobody listens on (bound and released).
    const std::uint16_t port = test::free_udp_port();
    std::uint32_t written = 0;
    const std::optional<PeerUnreachable> caught = call_nobody(codec, port, written);
    REQUIRE_MESSAGE(caught.has_value(), "no PeerUnreachable after " << written << " frames");
    MESSAGE(encoder << ": after " << written << " frames: " << std::string(caught->what()));
    CHECK(caught->host() == "127.0.0.1");
    CHECK(caught->port() == port);
    CHECK(caught->connect_timeout() == 1000ms);
    CHECK(caught->element().find("srtsink") == 0);
    CHECK(written < 300);
    const StreamError& as_stream_error = *caught;  // still a StreamError for generic handlers
    CHECK(std::string(as_stream_error.what()).find("no peer answered at 127.0.0.1:") !=
          std::string::npos);
  }
}

TEST_CASE("an SRT listener on a port another socket holds ends with AddressInUse") {
  if (!test::have_element("srtsink") || !test::have_element("x264enc")) {
    FRAMEPIPE_SKIP_CASE("srtsink (gstreamer1.0-plugins-bad) or x264enc missing");
  }
  // Another program's UDP socket on the port (SRT runs over UDP).
  const test::HeldPort holder(SOCK_DGRAM);
  const std::uint16_t port = holder.port();
  std::optional<AddressInUse> caught;
  test::within(30s, [&] {
    try {
      test::send_indexed(AppSrcSink(srt_listener_description(port), live_sink_options()), 30);
    } catch (const AddressInUse& e) {
      caught = e;
    }
  });
  REQUIRE_MESSAGE(caught.has_value(), "the listener did not fail with AddressInUse");
  MESSAGE(std::string(caught->what()));
  CHECK(caught->address() == "127.0.0.1");
  CHECK(caught->port() == port);
  CHECK(caught->element().find("srtsink") == 0);
  CHECK(std::string(caught->what()).find("is already in use") != std::string::npos);
  // The same listener on a free port starts: the error was the port, nothing else.
  CHECK(test::send_indexed(
            AppSrcSink(srt_listener_description(test::free_udp_port()), live_sink_options()), 10)
            .frames == 10);
}

// Before, with srtsink's auto-reconnect, the caller went on "sending" into nothing and counted
// every frame delivered; a lost peer is now a StreamError from the next write.
TEST_CASE("an SRT caller whose listener goes away ends with a StreamError, not silent loss") {
  if (!test::have_element("srtsink") || !test::have_element("srtsrc") ||
      !test::have_element("x264enc") || !test::have_element("avdec_h264")) {
    FRAMEPIPE_SKIP_CASE("srtsink/srtsrc (gstreamer1.0-plugins-bad), x264enc or avdec_h264");
  }
  const std::uint16_t port = test::free_udp_port();
  std::optional<test::IndexReceiver> receiver;
  receiver.emplace("srtsrc uri=srt://127.0.0.1:" + std::to_string(port) +
                   "?mode=listener latency=20 ! tsdemux ! h264parse ! avdec_h264");
  std::optional<StreamError> caught;
  test::within(60s, [&] {
    std::thread sender([&] {
      try {
        test::send_indexed(
            AppSrcSink(srt_caller_description("127.0.0.1", port, VideoCodec::H264, {30, 1}, 1000ms),
                       live_sink_options()),
            300);
      } catch (const StreamError& e) {
        caught = e;
      }
    });
    const auto got = receiver->collect(10, 15s);
    receiver.reset();  // the listener goes away about a second into the 10 s stream
    sender.join();
    CHECK(got.size() == 10);
  });
  REQUIRE(caught.has_value());
  MESSAGE(std::string(caught->what()));
  CHECK(caught->element().find("srtsink") == 0);
  CHECK(caught->message().find("Failed to write to SRT socket") != std::string::npos);
}

TEST_CASE("a second SRT listener on a port the first one holds ends with AddressInUse") {
  if (!test::have_element("srtsink") || !test::have_element("x264enc")) {
    FRAMEPIPE_SKIP_CASE("srtsink (gstreamer1.0-plugins-bad) or x264enc missing");
  }
  const std::uint16_t port = test::free_udp_port();
  Writer<PixelFormat::I420, AppSrcSink> first(
      {.size = test::kNetworkSize, .fps = {30, 1}, .pacing = Pacing::RealTime},
      AppSrcSink(srt_listener_description(port), live_sink_options()));
  Frame<PixelFormat::I420> frame(test::kNetworkSize);
  test::draw_index(frame.view(), 0);
  first.write(frame.view());
  REQUIRE(test::wait_udp_bound(port, 10s));
  std::optional<AddressInUse> caught;
  std::string other;
  test::within(30s, [&] {
    try {
      test::send_indexed(AppSrcSink(srt_listener_description(port), live_sink_options()), 30);
    } catch (const AddressInUse& e) {
      caught = e;
    } catch (const std::exception& e) {
      other = e.what();
    }
  });
  INFO("other exception: " << other);
  REQUIRE_MESSAGE(caught.has_value(), "the second listener did not fail with AddressInUse");
  MESSAGE(std::string(caught->what()));
  CHECK(caught->address() == "127.0.0.1");
  CHECK(caught->port() == port);
  CHECK(caught->element().find("srtsink") == 0);
  CHECK(std::string(caught->what()).find("is already in use") != std::string::npos);
  // The first listener is unharmed.
  first.write(frame.view());
  CHECK(first.close().frames == 2);
}

namespace {

/// Sends `frames` indexed frames from an encrypted H.264 SRT listener on loopback `port`, on a
/// thread of its own, and runs `receive()` once the listener's socket is bound (not at all when it
/// never binds); returns what the sender counted. The sender is joined on every way out.
template <class Receive>
Stats serve_encrypted_srt(std::uint16_t port, const SrtEncryption& encryption, std::uint32_t frames,
                          Receive&& receive) {
  Stats stats;
  std::thread sender([&] {
    stats = test::send_indexed(
        AppSrcSink(
            srt_listener_description(port, VideoCodec::H264, "127.0.0.1", {30, 1}, encryption),
            live_sink_options()),
        frames);
  });
  try {
    if (test::wait_udp_bound(port, 10s)) receive();
  } catch (...) {
    sender.join();
    throw;
  }
  sender.join();
  return stats;
}

}  // namespace

TEST_CASE("an encrypted SRT listener: no frames without the passphrase, frames with it") {
  if (!test::have_element("srtsink") || !test::have_element("srtsrc") ||
      !test::have_element("x264enc") || !test::have_element("avdec_h264")) {
    FRAMEPIPE_SKIP_CASE("srtsink/srtsrc (gstreamer1.0-plugins-bad), x264enc or avdec_h264");
  }
  const SrtEncryption encryption{.passphrase = "correct-horse.battery_staple~1", .pbkeylen = 32};
  const std::uint16_t port = test::free_udp_port();
  const std::string uri = "srtsrc uri=srt://127.0.0.1:" + std::to_string(port) + "?mode=caller";
  const std::string decode = " latency=20 ! tsdemux ! h264parse ! avdec_h264";
  std::vector<std::uint32_t> without;
  std::vector<std::uint32_t> with;
  std::string error;
  Stats stats;
  test::within(60s, [&] {
    stats = serve_encrypted_srt(port, encryption, 240, [&] {
      {
        // No passphrase: libsrt refuses the connection (or nothing decrypts); no frame arrives
        // in 2 s, 60 frames of the stream.
        test::IndexReceiver receiver(uri + decode);
        without = receiver.collect(1, 2s);
      }
      test::IndexReceiver receiver(uri + " passphrase=" + encryption.passphrase + " pbkeylen=32" +
                                   decode);
      with = receiver.collect(10, 15s);
      error = receiver.error();
    });
  });
  CHECK(without.empty());
  INFO("receiver error: " << error);
  REQUIRE(with.size() == 10);
  for (std::size_t i = 1; i < with.size(); ++i) {
    REQUIRE(with[i] != UINT32_MAX);
    CHECK(with[i] > with[i - 1]);
  }
  CHECK(stats.frames == 240);
}

TEST_CASE("ffmpeg decodes the pictures of an encrypted SRT listener with the passphrase") {
  const char* ffmpeg = "/usr/bin/ffmpeg";
  if (!std::ifstream(ffmpeg) || !test::have_element("srtsink") || !test::have_element("x264enc")) {
    FRAMEPIPE_SKIP_CASE("ffmpeg (Debian ffmpeg), srtsink or x264enc missing");
  }
  if (test::run_program(ffmpeg, "-hide_banner -protocols").output.find("srt") ==
      std::string::npos) {
    FRAMEPIPE_SKIP_CASE("this ffmpeg has no srt protocol (ffmpeg -protocols)");
  }
  const SrtEncryption encryption{.passphrase = "0123456789abcdef", .pbkeylen = 16};
  const std::uint16_t port = test::free_udp_port();
  test::TempDir dir("framepipe-srt-crypto");
  const std::string yuv = (dir / "frames.yuv").string();
  test::FfmpegPictures pictures;
  Stats stats;
  test::within(60s, [&] {
    stats = serve_encrypted_srt(port, encryption, 180, [&] {
      pictures = test::ffmpeg_pictures("-i \"srt://127.0.0.1:" + std::to_string(port) +
                                           "?passphrase=" + encryption.passphrase + "\"",
                                       test::kNetworkSize, 20, 20, yuv);
    });
  });
  INFO("ffmpeg said: " << pictures.run.output);
  REQUIRE(pictures.indices.size() == 20);
  CHECK(pictures.worst() < 40);
  CHECK(stats.frames == 180);
}
