// What the WHEP tests share: a real-time producer feeding a WhepServer's sink, and browser-like
// SDP offers.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "framepipe/audio/tone_generator.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/writer.hpp"
#include "framepipe/web/whep_server.hpp"
#include "framepipe/web/whep_sink.hpp"

namespace framepipe::test {

/// Writes I420 frames into the server's sink at `fps` on its own thread until stopped; `draw`
/// fills frame i.
class WhepProducer {
 public:
  template <class Draw>
  WhepProducer(WhepServer& server, Size size, Draw draw, FrameRate fps = {30, 1})
      : writer_({.size = size, .fps = fps, .pacing = Pacing::RealTime}, server.sink()) {
    thread_ = std::thread([this, size, draw, fps] {
      Frame<PixelFormat::I420> frame(size);
      const auto period = std::chrono::nanoseconds(std::int64_t{1000000000} * fps.den / fps.num);
      const auto start = std::chrono::steady_clock::now();
      for (std::uint32_t i = 0; !stop_.load(); ++i) {
        draw(frame.view(), i);
        writer_.write(frame.view());
        made_.store(i + 1);
        std::this_thread::sleep_until(start + (i + 1) * period);  // pacing, not synchronisation
      }
      writer_.close();
    });
  }
  ~WhepProducer() { stop(); }
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  WhepSink& sink() { return writer_.sink(); }
  std::uint32_t made() const { return made_.load(); }

 private:
  Writer<PixelFormat::I420, WhepSink> writer_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint32_t> made_{0};
  std::thread thread_;
};

/// Writes grey I420 frames and a 440 Hz tone (48 kHz stereo S16LE), the audio up to each frame's
/// end before it, into the server's sink at 30 fps on its own thread until stopped.
class WhepAvProducer {
 public:
  WhepAvProducer(WhepServer& server, Size size)
      : frame_(size),
        writer_({.size = size,
                 .fps = kFps,
                 .pacing = Pacing::RealTime,
                 .audio = AudioSpec{AudioFormat::S16LE, 48000, 2}},
                server.sink()) {
    thread_ = std::thread([this] {
      const auto start = std::chrono::steady_clock::now();
      for (std::uint64_t i = 0; !stop_.load(); ++i) {
        writer_.write_audio_from(tone_, FrameTime::at(i + 1, kFps).pts);
        writer_.write(frame_.view());
        made_.store(i + 1);
        // Pacing, not synchronisation.
        std::this_thread::sleep_until(start +
                                      std::chrono::nanoseconds(FrameTime::at(i + 1, kFps).pts));
      }
      writer_.close();
    });
  }
  ~WhepAvProducer() { stop(); }
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  WhepSink& sink() { return writer_.sink(); }
  std::uint64_t made() const { return made_.load(); }

 private:
  static constexpr FrameRate kFps{30, 1};
  Frame<PixelFormat::I420> frame_;
  ToneGenerator<> tone_{{.rate = 48000, .channels = 2, .frequency = 440.0, .amplitude = 0.5}};
  Writer<PixelFormat::I420, WhepSink> writer_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> made_{0};
  std::thread thread_;
};

/// Fills an I420 frame with one Y'CbCr colour.
inline void fill_i420(FrameView<PixelFormat::I420> view, std::uint8_t y, std::uint8_t cb,
                      std::uint8_t cr) {
  for (int plane = 0; plane < 3; ++plane) {
    const std::uint8_t value = plane == 0 ? y : plane == 1 ? cb : cr;
    const int rows = plane == 0 ? view.height() : (view.height() + 1) / 2;
    const int cols = plane == 0 ? view.width() : (view.width() + 1) / 2;
    for (int r = 0; r < rows; ++r) {
      std::uint8_t* row = view.row(plane, r);
      for (int c = 0; c < cols; ++c) row[c] = value;
    }
  }
}

/// An offer as Chrome makes it for a recvonly video transceiver (VP8, VP9, H.264 42e01f),
/// without candidates. `media` replaces the m-line's codecs when given.
inline std::string browser_offer(const std::string& direction = "recvonly",
                                 const std::string& kind = "video") {
  return "v=0\r\n"
         "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
         "s=-\r\n"
         "t=0 0\r\n"
         "a=group:BUNDLE 0\r\n"
         "a=msid-semantic: WMS\r\n"
         "m=" +
         kind +
         " 9 UDP/TLS/RTP/SAVPF 96 97 98 102\r\n"
         "c=IN IP4 0.0.0.0\r\n"
         "a=rtcp:9 IN IP4 0.0.0.0\r\n"
         "a=ice-ufrag:Xk3v\r\n"
         "a=ice-pwd:JtKqQPu9uGTzN8kDCsA5bPmW\r\n"
         "a=ice-options:trickle\r\n"
         "a=fingerprint:sha-256 "
         "6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:"
         "A1:2C:19:08\r\n"
         "a=setup:actpass\r\n"
         "a=mid:0\r\n"
         "a=" +
         direction +
         "\r\n"
         "a=rtcp-mux\r\n"
         "a=rtcp-rsize\r\n"
         "a=rtpmap:96 VP8/90000\r\n"
         "a=rtcp-fb:96 nack\r\n"
         "a=rtcp-fb:96 nack pli\r\n"
         "a=rtpmap:97 rtx/90000\r\n"
         "a=fmtp:97 apt=96\r\n"
         "a=rtpmap:98 VP9/90000\r\n"
         "a=rtpmap:102 H264/90000\r\n"
         "a=rtcp-fb:102 nack pli\r\n"
         "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n";
}

/// The browser's offer with an audio section after the video one (mid 1, Opus at `opus_pt`,
/// `direction`), as a page with an audio transceiver makes it.
inline std::string browser_offer_with_audio(const std::string& direction = "recvonly",
                                            unsigned opus_pt = 111) {
  std::string offer = browser_offer();
  offer.replace(offer.find("a=group:BUNDLE 0"), 16, "a=group:BUNDLE 0 1");
  const std::string pt = std::to_string(opus_pt);
  return offer + "m=audio 9 UDP/TLS/RTP/SAVPF " + pt +
         " 0\r\n"
         "c=IN IP4 0.0.0.0\r\n"
         "a=rtcp:9 IN IP4 0.0.0.0\r\n"
         "a=ice-ufrag:Xk3v\r\n"
         "a=ice-pwd:JtKqQPu9uGTzN8kDCsA5bPmW\r\n"
         "a=fingerprint:sha-256 "
         "6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:"
         "A1:2C:19:08\r\n"
         "a=setup:actpass\r\n"
         "a=mid:1\r\n"
         "a=" +
         direction +
         "\r\n"
         "a=rtcp-mux\r\n"
         "a=rtpmap:" +
         pt +
         " opus/48000/2\r\n"
         "a=fmtp:" +
         pt +
         " minptime=10;useinbandfec=1\r\n"
         "a=rtpmap:0 PCMU/8000\r\n";
}

/// The same offer with only VP9 (a codec the server does not send).
inline std::string vp9_only_offer() {
  std::string offer = browser_offer();
  for (const char* drop : {"a=rtpmap:96 VP8/90000\r\n", "a=rtpmap:102 H264/90000\r\n"}) {
    offer.erase(offer.find(drop), std::string(drop).size());
  }
  return offer;
}

}  // namespace framepipe::test
