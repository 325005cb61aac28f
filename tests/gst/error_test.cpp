// The GStreamer-side exceptions: no secret (an SRT passphrase, a password in a URI) reaches an
// exception text or a log line.
#include "framepipe/gst/error.hpp"

#include <doctest/doctest.h>

#include <string>

#include "framepipe/gst/parse.hpp"

using namespace framepipe;

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
