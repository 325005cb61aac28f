// The network recipes as text: the descriptions, the SDP files and the checks of every value
// spliced into a description. No network and no encoder needed; the recipes on loopback are in
// network_rtp_test.cpp and network_srt_test.cpp.
#include "framepipe/gst/network.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace framepipe;
using namespace std::chrono_literals;

TEST_CASE("descriptions and SDP text") {
  CHECK(encoder_description(VideoCodec::H264, {30, 1}) ==
        "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30");
  CHECK(encoder_description(VideoCodec::VP8, {30000, 1001}) ==
        "vp8enc deadline=1 keyframe-max-dist=30");
  CHECK(rtp_udp_description(VideoCodec::H264, "127.0.0.1", 5004) ==
        "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! rtph264pay "
        "config-interval=0 pt=96 ! udpsink host=127.0.0.1 port=5004 sync=false async=false");
  CHECK(srt_listener_description(7001).find("srtsink uri=srt://127.0.0.1:7001?mode=listener ") !=
        std::string::npos);
  CHECK(srt_caller_description("::1", 7001).find("srt://[::1]:7001?mode=caller&conntimeo=3000 ") !=
        std::string::npos);
  CHECK(srt_caller_description("127.0.0.1", 7001, VideoCodec::H264, {30, 1}, 1500ms)
            .find("srtsink uri=srt://127.0.0.1:7001?mode=caller&conntimeo=1500 ") !=
        std::string::npos);
  CHECK(rtp_raw_udp_description("127.0.0.1", 5004) ==
        "videoconvert ! video/x-raw,format=UYVY ! rtpvrawpay pt=96 mtu=1400 ! udpsink "
        "host=127.0.0.1 port=5004 sync=false async=false");
  const std::string raw = raw_sdp_text("127.0.0.1", 5004, {160, 120});
  CHECK(raw.find("m=video 5004 RTP/AVP 96\r\n") != std::string::npos);
  CHECK(raw.find("a=rtpmap:96 raw/90000\r\n") != std::string::npos);
  CHECK(raw.find("a=fmtp:96 sampling=YCbCr-4:2:2; width=160; height=120; depth=8; "
                 "colorimetry=BT601-5\r\n") != std::string::npos);
  CHECK(raw.find("a=framerate:30\r\n") != std::string::npos);
  CHECK(raw_sdp_text("::1", 5004, {1280, 720}, {30, 1}, ColorSpec{Matrix::BT709, Range::Limited})
            .find("colorimetry=BT709-2\r\n") != std::string::npos);
  const std::string sdp = sdp_text("127.0.0.1", 5004, VideoCodec::H264);
  CHECK(sdp.find("m=video 5004 RTP/AVP 96\r\n") != std::string::npos);
  CHECK(sdp.find("a=rtpmap:96 H264/90000\r\n") != std::string::npos);
  CHECK(sdp.find("a=fmtp:96 packetization-mode=1\r\n") != std::string::npos);
  CHECK(sdp.find("c=IN IP4 127.0.0.1\r\n") != std::string::npos);
  CHECK(sdp_text("::1", 5004, VideoCodec::VP8).find("c=IN IP6 ::1\r\n") != std::string::npos);
  CHECK(parse_codec("vp8") == VideoCodec::VP8);
  CHECK_FALSE(parse_codec("av1").has_value());
  CHECK_THROWS_AS(write_sdp("/nonexistent-dir/x.sdp", "127.0.0.1", 5004, VideoCodec::H264), Error);
}

TEST_CASE("hosts spliced into a description are IP literals or host names, or InvalidArgument") {
  for (const char* bad : {"", "999.1.1.1", "256.256.256.256", "127.0.0.1 port=9", "a!b", "h=1",
                          "\"quoted\"", "'x'", "-lead", "trail-", "a..b", "1.2.3"}) {
    CAPTURE(bad);
    const std::string value = bad;
    try {
      (void)rtp_udp_description(VideoCodec::H264, value, 5004);
      FAIL("rtp_udp_description accepted a bad host");
    } catch (const InvalidArgument& e) {
      CHECK(std::string(e.what()).find("\"" + value + "\"") != std::string::npos);
    }
    CHECK_THROWS_AS(rtp_raw_udp_description(value, 5004), InvalidArgument);
    CHECK_THROWS_AS(srt_listener_description(5004, VideoCodec::H264, value), InvalidArgument);
    CHECK_THROWS_AS(srt_caller_description(value, 5004), InvalidArgument);
    CHECK_THROWS_AS(sdp_text(value, 5004, VideoCodec::H264), InvalidArgument);
    CHECK_THROWS_AS(raw_sdp_text(value, 5004, {160, 120}), InvalidArgument);
  }
  for (const char* good :
       {"127.0.0.1", "::1", "localhost", "0.0.0.0", "fe80::1", "cam-1.lan", "example.org."}) {
    CAPTURE(good);
    CHECK_NOTHROW((void)rtp_udp_description(VideoCodec::VP8, good, 5004));
    CHECK_NOTHROW((void)rtp_raw_udp_description(good, 5004));
    CHECK_NOTHROW((void)srt_listener_description(5004, VideoCodec::H264, good));
    CHECK_NOTHROW((void)srt_caller_description(good, 5004));
  }
  CHECK(rtp_udp_description(VideoCodec::VP8, "localhost", 5004).find("host=localhost port=5004") !=
        std::string::npos);
  CHECK_THROWS_AS(sdp_text("127.0.0.1", 5004, VideoCodec::H264, "two\r\nlines"), InvalidArgument);
}

TEST_CASE("SRT encryption options: validated, spliced as properties, never printed") {
  const SrtEncryption good{.passphrase = "0123456789", .pbkeylen = 24};
  CHECK(srt_listener_description(7001, VideoCodec::H264, "127.0.0.1", {30, 1}, good)
            .find("?mode=listener wait-for-connection=false passphrase=0123456789 pbkeylen=24 ") !=
        std::string::npos);
  CHECK(srt_caller_description("127.0.0.1", 7001, VideoCodec::VP8, {30, 1}, 1000ms, good)
            .find(" passphrase=0123456789 pbkeylen=24 ") != std::string::npos);
  CHECK(srt_caller_description("127.0.0.1", 7001).find("passphrase") == std::string::npos);
  CHECK(srt_caller_description("127.0.0.1", 7001).find(" auto-reconnect=false ") !=
        std::string::npos);
  CHECK_NOTHROW(
      (void)srt_listener_description(7001, VideoCodec::H264, "127.0.0.1", {30, 1},
                                     {.passphrase = std::string(79, 'x'), .pbkeylen = 32}));
  CHECK_NOTHROW((void)srt_listener_description(7001, VideoCodec::H264, "127.0.0.1", {30, 1},
                                               {.passphrase = "a-b.c_d~e0Z", .pbkeylen = 16}));
  for (const SrtEncryption& bad :
       {SrtEncryption{.passphrase = "short9chr", .pbkeylen = 16},
        SrtEncryption{.passphrase = std::string(80, 's'), .pbkeylen = 16},
        SrtEncryption{.passphrase = "secretsecret", .pbkeylen = 20},
        SrtEncryption{.passphrase = "secretsecret", .pbkeylen = 0},
        SrtEncryption{.passphrase = "secret secret", .pbkeylen = 16},
        SrtEncryption{.passphrase = "secret!secret", .pbkeylen = 16},
        SrtEncryption{.passphrase = "secret&mode=x", .pbkeylen = 16}}) {
    CAPTURE(bad.pbkeylen);
    for (int recipe = 0; recipe < 2; ++recipe) {
      try {
        (void)(recipe == 0
                   ? srt_listener_description(7001, VideoCodec::H264, "127.0.0.1", {30, 1}, bad)
                   : srt_caller_description("127.0.0.1", 7001, VideoCodec::H264, {30, 1}, 1000ms,
                                            bad));
        FAIL("an invalid SRT encryption was accepted");
      } catch (const InvalidArgument& e) {
        const std::string what = e.what();
        CHECK(what.find("secret") == std::string::npos);  // the passphrase is never printed
        CHECK(what.find(std::string(80, 's')) == std::string::npos);
        CHECK(what.find(recipe == 0 ? "srt_listener_description()" : "srt_caller_description()") !=
              std::string::npos);
      }
    }
  }
}
