// WhepSink with audio (Opus beside the video) over plain HTTP on loopback: the answer to an offer
// with an audio m-line sends Opus at the offer's payload type, an offer without one gets the
// video only, the audio counters add up, and every viewer's elements are freed. (A browser
// playing the audio: browser/whep_audio_browser_test.)
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "framepipe/core/writer.hpp"
#include "framepipe/web/whep_server.hpp"
#include "framepipe/web/whep_sink.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "web/http_client.hpp"
#include "web/whep_test_support.hpp"

using namespace framepipe;
using namespace std::chrono_literals;
using test::http_request;

namespace {

constexpr Size kSize{160, 120};

bool have_webrtc_audio() {
  for (const char* e : {"webrtcbin", "nicesrc", "vp8enc", "rtpvp8pay", "opusenc", "rtpopuspay",
                        "audioconvert", "audioresample"}) {
    if (!test::have_element(e)) return false;
  }
  return true;
}

/// Waits (bounded, 20 s) until `done()` holds; the server's teardown and GLib's finalisation run
/// on other threads.
template <class Done>
bool eventually(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

/// The text of the answer's m-line section of `kind` ("audio"/"video"), empty when none.
std::string section(const std::string& sdp, const std::string& kind) {
  const std::size_t begin = sdp.find("m=" + kind + " ");
  if (begin == std::string::npos) return {};
  const std::size_t end = sdp.find("\r\nm=", begin);
  return sdp.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("WhepSink's audio: the Opus encode into its own tee, and the audio formats it takes") {
  static_assert(WhepSink::accepts_audio<AudioFormat::S16LE> &&
                WhepSink::accepts_audio<AudioFormat::F32LE>);
  const std::string audio = WhepSink::audio_description();
  CHECK(audio.rfind("appsrc name=audio ", 0) == 0);
  CHECK(contains(audio, "audioresample ! audio/x-raw,rate=48000 ! opusenc ! tee name="));
  CHECK(contains(audio, kWhepAudioTee));
  CHECK(contains(audio, "queue leaky=downstream"));
  if (!have_webrtc_audio()) FRAMEPIPE_SKIP_CASE("webrtcbin, opusenc or rtpopuspay missing");
  WhepServer server;
  WhepSink sink = server.sink();
  CHECK_THROWS_AS(sink.start(AudioSpec{AudioFormat::S16LE, 48000, 2}), Error);  // before start()
  sink.start(StreamSpec{.format = PixelFormat::I420, .size = {64, 48}, .fps = {30, 1}});
  CHECK_THROWS_AS(sink.acquire_audio<AudioFormat::S16LE>(10), Error);  // before start(AudioSpec)
  sink.start(AudioSpec{AudioFormat::S16LE, 44100, 1});
  CHECK(sink.audio_buffer_frames() == WhepSink::kAudioBufferFrames);
  CHECK(sink.encoded_tee());
  CHECK_THROWS_AS(sink.acquire_audio<AudioFormat::F32LE>(10), InvalidArgument);
  CHECK_THROWS_AS(sink.acquire_audio<AudioFormat::S16LE>(0), InvalidArgument);
  CHECK_THROWS_AS(sink.acquire_audio<AudioFormat::S16LE>(WhepSink::kAudioBufferFrames + 1),
                  InvalidArgument);
  // No viewer: dropped and counted.
  for (int i = 0; i < 5; ++i) {
    (void)sink.acquire_audio<AudioFormat::S16LE>(441);
    sink.submit_audio({.offset = static_cast<std::uint64_t>(i) * 441,
                       .frames = 441,
                       .pts = static_cast<std::uint64_t>(i) * 10'000'000,
                       .duration = 10'000'000});
  }
  sink.finish();
  CHECK(sink.audio_made() == 5);
  CHECK(sink.audio_dropped() == 5);
  CHECK(sink.audio_sent() == 0);
  CHECK(sink.counters().audio_buffers == 5);
  CHECK(sink.counters().audio_dropped == 5);
}

TEST_CASE("WhepServer with audio answers an offer with audio with Opus, sendonly, and frees it") {
  if (!have_webrtc_audio()) FRAMEPIPE_SKIP_CASE("webrtcbin, opusenc or rtpopuspay missing");
  WhepServer server;
  test::WhepAvProducer producer(server, kSize);

  const auto answer = http_request("POST", server.endpoint_url(), "application/sdp",
                                   test::browser_offer_with_audio("recvonly", 109));
  REQUIRE_MESSAGE(answer.status == 201, answer.body);
  const std::string video = section(answer.body, "video");
  const std::string audio = section(answer.body, "audio");
  CHECK(contains(video, "a=sendonly"));
  CHECK(contains(video, "VP8/90000"));
  REQUIRE_MESSAGE(!audio.empty(), answer.body);
  CHECK(audio.rfind("m=audio 9 UDP/TLS/RTP/SAVPF 109", 0) == 0);
  CHECK(contains(audio, "a=sendonly"));
  CHECK((contains(audio, "a=rtpmap:109 OPUS/48000/2") ||
         contains(audio, "a=rtpmap:109 opus/48000/2")));
  CHECK(server.viewers() == 1);

  // While the viewer is there, its audio goes into the encode.
  CHECK(eventually([&] { return producer.sink().audio_sent() > 0; }));
  const std::string resource =
      "http://127.0.0.1:" + std::to_string(server.port()) + answer.header("location");
  CHECK(http_request("DELETE", resource).status == 200);
  CHECK(server.viewers() == 0);
  CHECK(eventually([&] { return server.viewers_freed() == 1; }));

  producer.stop();
  const WhepSink& sink = producer.sink();
  CHECK(sink.made() == producer.made());
  CHECK(sink.made() == sink.sent() + sink.dropped());
  CHECK(sink.audio_made() >= producer.made());  // at least a buffer per frame
  CHECK(sink.audio_made() == sink.audio_sent() + sink.audio_dropped());
  CHECK(sink.audio_sent() > 0);
  CHECK(sink.audio_dropped() > 0);  // before the viewer came
}

TEST_CASE("WhepServer with audio gives an offer without audio the video only") {
  if (!have_webrtc_audio()) FRAMEPIPE_SKIP_CASE("webrtcbin, opusenc or rtpopuspay missing");
  std::uint64_t freed = 0;
  {
    WhepServer server;
    test::WhepAvProducer producer(server, kSize);
    const auto answer =
        http_request("POST", server.endpoint_url(), "application/sdp", test::browser_offer());
    REQUIRE_MESSAGE(answer.status == 201, answer.body);
    CHECK(contains(section(answer.body, "video"), "a=sendonly"));
    CHECK(section(answer.body, "audio").empty());
    // An offer whose audio m-line only sends: video only too (the audio m-line is not ours).
    const auto sending = http_request("POST", server.endpoint_url(), "application/sdp",
                                      test::browser_offer_with_audio("sendonly"));
    REQUIRE_MESSAGE(sending.status == 201, sending.body);
    CHECK(contains(section(sending.body, "video"), "a=sendonly"));
    CHECK_FALSE(contains(section(sending.body, "audio"), "a=sendonly"));
    CHECK(server.viewers() == 2);
    producer.stop();  // the stream ends: its viewers go with it
    CHECK(server.viewers() == 0);
    CHECK(eventually([&] { return server.viewers_freed() == 2; }));
    freed = server.viewers_freed();
  }
  CHECK(freed == 2);
}

TEST_CASE("WhepServer: an offer webrtcbin rejects gets 400, and the stream still ends") {
  if (!have_webrtc_audio()) FRAMEPIPE_SKIP_CASE("webrtcbin, opusenc or rtpopuspay missing");
  WhepServer server;
  test::WhepAvProducer producer(server, kSize);
  // check_sdp_offer passes it; webrtcbin refuses it (no fingerprint for the audio m-line).
  std::string offer = test::browser_offer_with_audio();
  const std::size_t fp = offer.rfind("a=fingerprint:");
  offer.erase(fp, offer.find("\r\n", fp) + 2 - fp);
  const auto answer = http_request("POST", server.endpoint_url(), "application/sdp", offer);
  CHECK(answer.status == 400);
  CHECK(contains(answer.body, "fingerprint"));
  CHECK(eventually([&] { return server.viewers() == 0 && server.viewers_freed() == 1; }));
  producer.stop();  // hung before the viewer was removed from the server thread
  CHECK(producer.sink().made() == producer.made());
}
