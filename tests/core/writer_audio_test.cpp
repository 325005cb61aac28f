// Writer::write_audio and write_audio_from into a sink that takes video and audio (std only).
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "framepipe/audio/beep_generator.hpp"
#include "framepipe/audio/tone_generator.hpp"
#include "framepipe/core/audio_buffer.hpp"
#include "framepipe/core/writer.hpp"

using namespace framepipe;
using PF = PixelFormat;
using AF = AudioFormat;

namespace {

/// What an AvRecorder saw.
struct Log {
  std::vector<FrameTime> frames;
  std::vector<AudioTime> audio;
  std::vector<std::int16_t> samples;
  std::optional<AudioSpec> audio_spec;
  bool finished = false;
};

/// A sink of I420 frames and S16LE audio that records what it gets, in buffers of at most 100
/// frames.
class AvRecorder {
 public:
  static constexpr PF input = PF::I420;
  static constexpr AF audio_input = AF::S16LE;

  explicit AvRecorder(std::shared_ptr<Log> log) : log_(std::move(log)) {}
  void start(const StreamSpec& spec) { frame_ = std::make_shared<Frame<input>>(spec.size); }
  void start(const AudioSpec& spec) {
    log_->audio_spec = spec;
    buffer_ = std::make_shared<AudioBuffer<AF::S16LE>>(100, spec.channels);
  }
  FrameView<input> acquire() { return frame_->view(); }
  void submit(const FrameTime& t) { log_->frames.push_back(t); }
  AudioView<AF::S16LE> acquire_audio(std::size_t frames) {
    REQUIRE(frames <= 100);
    return buffer_->view().sub(0, frames);
  }
  void submit_audio(const AudioTime& t) {
    log_->audio.push_back(t);
    const auto v = buffer_->view();
    log_->samples.insert(log_->samples.end(), v.data(),
                         v.data() + t.frames * static_cast<std::size_t>(v.channels()));
  }
  std::size_t audio_buffer_frames() const { return 100; }
  void finish() { log_->finished = true; }
  /// The audio buffers received, one in 4 of them counted as dropped (Stats' audio counters).
  StageCounters counters() const { return {0, log_->audio.size(), log_->audio.size() / 4}; }

 private:
  std::shared_ptr<Log> log_;
  std::shared_ptr<Frame<input>> frame_;
  std::shared_ptr<AudioBuffer<AF::S16LE>> buffer_;
};
static_assert(Sink<AvRecorder> && AudioSinkFor<AvRecorder, AF::S16LE>);

using AvWriter = Writer<PF::I420, AvRecorder>;
constexpr AudioSpec kMono{AF::S16LE, 1000, 1};

}  // namespace

TEST_CASE("write_audio: timestamps from the sample count, split into the sink's buffers") {
  auto log = std::make_shared<Log>();
  Frame<PF::I420> frame({16, 16});
  AudioBuffer<AF::S16LE> samples(250, 1);
  for (std::size_t i = 0; i < 250; ++i) samples.view().at(i, 0) = static_cast<std::int16_t>(i);
  {
    AvWriter w{{.size = {16, 16}, .fps = {4, 1}, .audio = kMono}, AvRecorder{log}};
    CHECK(log->audio_spec == kMono);
    w.write(frame.view());
    w.write_audio(samples.view());  // 250 frames: buffers of 100, 100, 50
    w.write_audio(samples.view().sub(0, 3));
    CHECK(w.audio_frames() == 253);
    CHECK(w.stats().audio_frames == 253);
    CHECK(w.stats().audio_buffers == 4);
    const Stats s = w.close();
    CHECK(s.audio_frames == 253);
    CHECK(s.audio_buffers == 4);
    CHECK(s.audio_dropped == 1);
    CHECK(s.dropped == 0);  // audio drops are not frames
  }
  CHECK(log->finished);
  REQUIRE(log->audio.size() == 4);
  CHECK(log->audio[0] == AudioTime{0, 100, 0, 100'000'000});
  CHECK(log->audio[1] == AudioTime{100, 100, 100'000'000, 100'000'000});
  CHECK(log->audio[2] == AudioTime{200, 50, 200'000'000, 50'000'000});
  CHECK(log->audio[3] == AudioTime{250, 3, 250'000'000, 3'000'000});
  REQUIRE(log->samples.size() == 253);
  CHECK(log->samples[249] == 249);
  CHECK(log->samples[252] == 2);
}

TEST_CASE("write_audio refuses what does not match its stream, with typed errors") {
  auto log = std::make_shared<Log>();
  AvWriter w{{.size = {16, 16}, .audio = kMono}, AvRecorder{log}};
  AudioBuffer<AF::S16LE> stereo(10, 2);
  CHECK_THROWS_WITH_AS(w.write_audio(stereo.view()), doctest::Contains("2 channels"),
                       InvalidArgument);
  AudioBuffer<AF::S16LE> mono(10, 1);
  w.write_audio(mono.view(), 50'000'000);
  CHECK(log->audio.back().pts == 50'000'000);
  CHECK_THROWS_WITH_AS(w.write_audio(mono.view(), 59'999'999), doctest::Contains("goes back"),
                       InvalidArgument);  // the last buffer ends at 60 ms
  w.write_audio(mono.view(), 60'000'000);
  CHECK_THROWS_AS(w.write_audio(mono.view(), UINT64_MAX), InvalidArgument);
  // A partial sample never becomes a view.
  alignas(2) std::uint8_t bytes[5] = {};
  CHECK_THROWS_AS(AudioView<AF::S16LE>::wrap(bytes, 5, 1), InvalidArgument);
  w.close();
  CHECK_THROWS_WITH_AS(w.write_audio(mono.view()), doctest::Contains("after close"), Error);
  CHECK(log->audio.size() == 2);  // nothing refused was sent
}

TEST_CASE("Writer refuses a bad audio spec, and audio it was not told about") {
  auto log = std::make_shared<Log>();
  CHECK_THROWS_AS(
      (AvWriter{{.size = {16, 16}, .audio = AudioSpec{AF::S16LE, 0, 1}}, AvRecorder{log}}),
      InvalidArgument);
  CHECK_THROWS_WITH_AS(
      (AvWriter{{.size = {16, 16}, .audio = AudioSpec{AF::F32LE, 1000, 1}}, AvRecorder{log}}),
      doctest::Contains("takes no F32LE"), InvalidArgument);
  AvWriter w{{.size = {16, 16}}, AvRecorder{log}};
  AudioBuffer<AF::S16LE> mono(10, 1);
  CHECK_THROWS_WITH_AS(w.write_audio(mono.view()), doctest::Contains("WriterOptions::audio"),
                       InvalidArgument);
}

TEST_CASE("write_audio_from draws in place up to a stream time, beside the frames") {
  auto log = std::make_shared<Log>();
  BeepGenerator beeps{
      {.rate = 1000, .channels = 1, .frequency = 250.0, .amplitude = 1.0, .length_ns = 4'000'000}};
  Frame<PF::I420> frame({16, 16});
  {
    AvWriter w{{.size = {16, 16}, .fps = {3, 1}, .audio = kMono}, AvRecorder{log}};
    for (std::uint64_t i = 0; i < 6; ++i) {  // 2 s of video at 3 fps
      w.write_audio_from(beeps, FrameTime::at(i + 1, {3, 1}).pts);
      w.write(frame.view());
    }
    CHECK(w.audio_frames() == 2000);
    ToneGenerator other{{.rate = 48000, .channels = 1}};
    CHECK_THROWS_AS(w.write_audio_from(other, 3'000'000'000), InvalidArgument);
  }
  // Audio up to each frame's end: 334 frames (pts < 333.33 ms), then 333, 333, 334, ...
  REQUIRE(log->audio.size() >= 6);
  CHECK(log->audio[0].offset == 0);
  std::uint64_t next = 0;
  for (const AudioTime& t : log->audio) {
    REQUIRE(t.offset == next);
    REQUIRE(t.pts == AudioTime::pts_of(t.offset, 1000));
    next += t.frames;
  }
  CHECK(next == 2000);
  // The beep of second 1 starts at sample 1000, phase 0: 0, 1, 0, -1 at 250 Hz.
  CHECK(log->samples[1000] == 0);
  CHECK(log->samples[1001] == 32767);
  CHECK(log->samples[1003] == -32767);
  CHECK(log->samples[1004] == 0);  // 4 ms of beep
  CHECK(log->samples[999] == 0);
}
