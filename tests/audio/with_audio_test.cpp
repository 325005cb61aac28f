#include "framepipe/audio/with_audio.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "framepipe/audio/beep_generator.hpp"
#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/core/audio_buffer.hpp"
#include "framepipe/core/pipeline.hpp"
#include "framepipe/generators/test_pattern_generator.hpp"

using namespace framepipe;
using PF = PixelFormat;
using AF = AudioFormat;

namespace {

/// One call an AvLogSink received: a frame (its index) or audio (up to which frame it reaches).
struct Event {
  bool audio = false;
  std::uint64_t value = 0;
};

/// Every call an AvLogSink received, in order, and the times.
struct AvLog {
  std::vector<Event> events;
  std::vector<FrameTime> frames;
  std::vector<AudioTime> audio;
  std::optional<AudioSpec> spec;
  Pacing audio_pacing = Pacing::AsFastAsPossible;
};

class AvLogSink {
 public:
  static constexpr PF input = PF::I420;
  template <AF F>
  static constexpr bool accepts_audio = F == AF::F32LE;

  explicit AvLogSink(std::shared_ptr<AvLog> log) : log_(std::move(log)) {}
  void start(const StreamSpec& spec) { frame_ = std::make_shared<Frame<input>>(spec.size); }
  void start(const AudioSpec& spec, Pacing pacing) {
    log_->spec = spec;
    log_->audio_pacing = pacing;
    buffer_ = std::make_shared<AudioBuffer<AF::F32LE>>(256, spec.channels);
  }
  FrameView<input> acquire() { return frame_->view(); }
  void submit(const FrameTime& t) {
    log_->frames.push_back(t);
    log_->events.push_back({false, t.index});
  }
  template <AF F>
  AudioView<F> acquire_audio(std::size_t frames) {
    return buffer_->view().sub(0, frames);
  }
  void submit_audio(const AudioTime& t) {
    log_->audio.push_back(t);
    log_->events.push_back({true, t.offset + t.frames});
  }
  std::size_t audio_buffer_frames() const { return 256; }
  void finish() {}

 private:
  std::shared_ptr<AvLog> log_;
  std::shared_ptr<Frame<input>> frame_;
  std::shared_ptr<AudioBuffer<AF::F32LE>> buffer_;
};
static_assert(Sink<AvLogSink> && AudioSinkFor<AvLogSink, AF::F32LE>);

/// Checks that the audio tiles from 0 to `frames`, and that before each frame the sink had the
/// audio up to that frame's end.
void check_interleaved(const AvLog& log, std::uint32_t rate, FrameRate fps,
                       std::uint64_t audio_frames) {
  std::uint64_t next = 0;
  for (const AudioTime& t : log.audio) {
    REQUIRE(t.offset == next);
    REQUIRE(t.pts == AudioTime::pts_of(t.offset, rate));
    next += t.frames;
  }
  CHECK(next == audio_frames);
  std::uint64_t sent = 0;
  for (const Event& e : log.events) {
    if (e.audio) {
      sent = e.value;
    } else {
      const FrameTime t = FrameTime::at(e.value, fps);
      REQUIRE(sent == AudioTime::first_frame_at(t.pts + t.duration, rate));
    }
  }
}

}  // namespace

TEST_CASE("WithAudio is the video generator, carrying an audio one") {
  using Av = WithAudio<TestPatternGenerator, BeepGenerator<AF::F32LE>>;
  static_assert(Generator<Av> && detail::CarriesAudio<Av>);
  static_assert(!detail::CarriesAudio<TestPatternGenerator>);
  Av av{TestPatternGenerator{{.size = {32, 16}}}, BeepGenerator<AF::F32LE>{{.rate = 8000}}};
  CHECK(av.size() == Size{32, 16});
  CHECK(av.audio().audio_spec().rate == 8000);
}

TEST_CASE("Pipeline with WithAudio: audio up to each frame's end goes first, exact, tiled") {
  auto log = std::make_shared<AvLog>();
  Pipeline p{WithAudio{TestPatternGenerator{{.size = {32, 16}}},
                       BeepGenerator<AF::F32LE>{{.rate = 44100, .channels = 1}}},
             I420Packer{}, AvLogSink{log}};
  const Stats s = p.run({.frames = 90, .fps = {30000, 1001}});
  CHECK(s.frames == 90);
  CHECK(log->spec == AudioSpec{AF::F32LE, 44100, 1});
  const std::uint64_t expected =
      AudioTime::first_frame_at(FrameTime::at(90, {30000, 1001}).pts, 44100);
  CHECK(p.audio_frames() == expected);
  check_interleaved(*log, 44100, {30000, 1001}, expected);
  // A second run starts the audio from 0 again.
  *log = AvLog{};
  p.run({.frames = 3, .fps = {30, 1}, .pacing = Pacing::AsFastAsPossible});
  CHECK(log->audio.front().offset == 0);
  check_interleaved(*log, 44100, {30, 1}, AudioTime::first_frame_at(100'000'000, 44100));
}

TEST_CASE("Pipeline with WithAudio, overlapped: the same order") {
  auto log = std::make_shared<AvLog>();
  Pipeline p{WithAudio{TestPatternGenerator{{.size = {32, 16}}},
                       BeepGenerator<AF::F32LE>{{.rate = 48000, .channels = 2}}},
             I420Packer{}, AvLogSink{log}};
  p.run({.frames = 61, .fps = {30, 1}, .overlap = true});
  CHECK(log->frames.size() == 61);
  check_interleaved(*log, 48000, {30, 1}, 48000 * 2 + 1600);
}
