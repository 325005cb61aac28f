// The GStreamer-side exceptions: no secret (an SRT passphrase, a password in a URI) reaches an
// exception text or a log line.
#include "framepipe/gst/error.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "framepipe/core/writer.hpp"
#include "framepipe/gst/app_sink_source.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/gst/network.hpp"
#include "framepipe/gst/parse.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

/// The lines a stage hands its on_log callback (from whichever thread reads its bus).
class LogLines {
 public:
  std::function<void(LogLevel, const std::string&)> callback() {
    return [this](LogLevel, const std::string& line) {
      const std::lock_guard lock(mutex_);
      lines_.push_back(line);
    };
  }
  std::vector<std::string> lines() const {
    const std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

/// Checks that no text `error` carries, nor any logged line, holds `secret`.
void check_no_secret(const StreamError& error, const LogLines& log, const std::string& secret) {
  INFO("what(): " << error.what());
  INFO("message(): " << error.message());
  INFO("debug(): " << error.debug());
  CHECK(std::string(error.what()).find(secret) == std::string::npos);
  CHECK(error.message().find(secret) == std::string::npos);
  CHECK(error.debug().find(secret) == std::string::npos);
  CHECK(error.element().find(secret) == std::string::npos);
  for (const std::string& line : log.lines()) {
    INFO("logged: " << line);
    CHECK(line.find(secret) == std::string::npos);
  }
}

/// The StreamError AppSinkSource's start() ends with on `upstream` (the case fails without one).
StreamError start_error(const std::string& upstream, LogLines& log) {
  AppSinkSource<PixelFormat::I420> source(upstream, {.on_log = log.callback()});
  try {
    (void)source.start();
  } catch (const StreamError& e) {
    return e;
  }
  FAIL("start() did not fail on " << upstream);
  return StreamError("", "", "");
}

}  // namespace

TEST_CASE("redact_secrets hides passphrases, passwords and URI user secrets") {
  CHECK(detail::redact_secrets("srtsink passphrase=hunter2secret pbkeylen=16") ==
        "srtsink passphrase=*** pbkeylen=16");
  CHECK(detail::redact_secrets("srt://h:1?mode=caller&passphrase=abcdefghijk&latency=20") ==
        "srt://h:1?mode=caller&passphrase=***&latency=20");
  CHECK(detail::redact_secrets("rtspsrc location=rtsp://user:s3cret@cam/x ! fakesink") ==
        "rtspsrc location=rtsp://user:***@cam/x ! fakesink");
  CHECK(detail::redact_secrets("x password=abc!y") == "x password=***!y");
  CHECK(detail::redact_secrets("udpsink host=127.0.0.1 port=5004") ==
        "udpsink host=127.0.0.1 port=5004");
  CHECK(detail::redact_secrets("srt://[::1]:9?mode=listener") == "srt://[::1]:9?mode=listener");
}

TEST_CASE("a ParseError and a StreamError quoting a description show no passphrase") {
  const std::string description =
      "videotestsrc ! srtsink uri=srt://127.0.0.1:9?passphrase=topsecret123 ! ! fakesink";
  try {
    (void)detail::parse_launch(description);
    FAIL("bad syntax parsed");
  } catch (const ParseError& e) {
    CHECK(std::string(e.what()).find("topsecret123") == std::string::npos);
    CHECK(e.description().find("topsecret123") == std::string::npos);
    CHECK(std::string(e.what()).find("passphrase=***") != std::string::npos);
  }
  const StreamError error("srtsink0", "failed for srt://u:pw123456@h:1",
                          "uri=srt://h:1?passphrase=topsecret123");
  CHECK(std::string(error.what()).find("topsecret123") == std::string::npos);
  CHECK(std::string(error.what()).find("pw123456") == std::string::npos);
}

TEST_CASE("a StreamError redacts message() and debug(), not only what()") {
  const StreamError error("poster", "cannot open rtsp://viewer:pw-Accessor1@cam/x",
                          "srtsrc uri=srt://h:1?passphrase=pw-Accessor2 failed");
  for (const std::string& text : {std::string(error.what()), error.message(), error.debug()}) {
    INFO(text);
    CHECK(text.find("pw-Accessor") == std::string::npos);
  }
  CHECK(error.message() == "cannot open rtsp://viewer:***@cam/x");
  CHECK(error.debug() == "srtsrc uri=srt://h:1?passphrase=*** failed");
  const AddressInUse in_use("127.0.0.1", 9, "bind rtsp://viewer:pw-Accessor3@127.0.0.1:9 failed");
  CHECK(std::string(in_use.what()).find("pw-Accessor3") == std::string::npos);
  CHECK(in_use.message().find("pw-Accessor3") == std::string::npos);
}

// rtspsrc's error ("Could not open resource for reading and writing.") does not name its location,
// so framepipe appends it to message() as a hint: the credentials of the URL came with it.
TEST_CASE("rtspsrc with user:password@ to a closed loopback port: the password is in no text") {
  if (!test::have_element("rtspsrc") || !test::have_element("rtph264depay") ||
      !test::have_element("avdec_h264")) {
    FRAMEPIPE_SKIP_CASE("rtspsrc, rtph264depay or avdec_h264 missing");
  }
  const std::string secret = "pw-Rtsp-5e1f";
  const std::string port = std::to_string(test::free_tcp_port());
  LogLines log;
  test::within(60s, [&] {
    const StreamError error =
        start_error("rtspsrc location=rtsp://viewer:" + secret + "@127.0.0.1:" + port +
                        "/x ! rtph264depay ! avdec_h264",
                    log);
    check_no_secret(error, log, secret);
    // The location was there, redacted: the check above had something to find.
    CHECK(error.message().find("rtsp://viewer:***@127.0.0.1:" + port + "/x") != std::string::npos);
  });
}

// giosrc's debug text quotes its location: "Could not open location ftp://… for reading".
TEST_CASE("giosrc with user:password@ in an ftp:// location: the password is in no text") {
  if (!test::have_element("giosrc")) FRAMEPIPE_SKIP_CASE("giosrc (gstreamer1.0-plugins-base)");
  const std::string secret = "pw-Gio-77ab";
  const std::string port = std::to_string(test::free_tcp_port());
  LogLines log;
  test::within(60s, [&] {
    const StreamError error = start_error(
        "giosrc location=ftp://viewer:" + secret + "@127.0.0.1:" + port + "/x ! decodebin", log);
    check_no_secret(error, log, secret);
    CHECK(error.debug().find("ftp://viewer:***@127.0.0.1:" + port) != std::string::npos);
  });
}

// GStreamer 1.22's srtsink texts never quote the passphrase ("Connection does not exist"); this
// guards framepipe's own texts around them (PeerUnreachable names host and port; descriptions and
// URIs are quoted in hints and ParseError).
TEST_CASE("an encrypted SRT caller nobody answers: the passphrase is in no text") {
  if (!test::have_element("srtsink") || !test::have_element("x264enc")) {
    FRAMEPIPE_SKIP_CASE("srtsink (gstreamer1.0-plugins-bad) or x264enc missing");
  }
  const std::string secret = "pw-Srt-Passphrase-31c";
  const std::uint16_t port = test::free_udp_port();
  LogLines log;
  AppSrcSinkOptions options = live_sink_options();
  options.on_log = log.callback();
  const std::string description = srt_caller_description("127.0.0.1", port, VideoCodec::H264,
                                                         {30, 1}, 1000ms, {.passphrase = secret});
  REQUIRE(description.find(secret) != std::string::npos);  // it is in the description
  bool caught = false;
  test::within(30s, [&] {
    try {
      Writer<PixelFormat::I420, AppSrcSink> writer(
          {.size = {160, 120}, .fps = {30, 1}, .pacing = Pacing::RealTime},
          AppSrcSink(description, options));
      Frame<PixelFormat::I420> frame({160, 120});
      // 10 s of frames at most: the error comes about 1 s (the connect timeout) in.
      for (int i = 0; i < 300; ++i) {
        writer.write(frame.view());
        std::this_thread::sleep_for(33ms);
      }
      writer.close();
    } catch (const StreamError& e) {
      caught = true;
      check_no_secret(e, log, secret);
    }
  });
  CHECK(caught);
}
