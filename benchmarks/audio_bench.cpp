// Audio through AppSrcSink, 48 kHz stereo S16LE:
//   BM_Audio_Alone      a ToneGenerator drawing 60 s of audio straight into the sink's lent
//                       buffers (detail::AudioFeed, as Writer and Pipeline do), appsrc !
//                       fakesink sync=false, one stream per iteration (PLAYING, 60 s, EOS, NULL);
//                       arg: frames per buffer (audio_buffer_frames). Counter x_realtime: seconds
//                       of audio per second of wall time (issue 21 asks for >= 200).
//   BM_TextClock_Audio  the 1080p text clock -> I420Packer -> AppSrcSink, 300 frames per
//                       iteration, sequential; arg 0: video alone (appsrc ! fakesink), arg 1: the
//                       same with a BeepGenerator beside it (WithAudio) into a second appsrc of
//                       the same pipeline. Compare their frames/s (issue 21: within 5%).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <framepipe/framepipe.hpp>

namespace {

constexpr std::uint64_t kAudioSeconds = 60;
constexpr std::uint64_t kFrames = 300;
constexpr framepipe::Size kSize{1920, 1080};

void BM_Audio_Alone(benchmark::State& state) {
  using namespace framepipe;
  const auto buffer_frames = static_cast<std::size_t>(state.range(0));
  AppSrcSink sink{"fakesink sync=false", {.audio_buffer_frames = buffer_frames}};
  ToneGenerator tone{{.rate = 48000, .channels = 2}};
  std::uint64_t frames = 0;
  for (auto _ : state) {
    detail::AudioFeed<AppSrcSink> feed;
    feed.start(sink, tone.audio_spec(), Pacing::AsFastAsPossible);
    feed.draw_until(sink, tone, kAudioSeconds * kNanosPerSecond);
    sink.finish();
    frames += feed.frames();
    if (sink.audio_dropped() != 0) state.SkipWithError("audio went missing");
  }
  state.counters["x_realtime"] =
      benchmark::Counter(static_cast<double>(frames) / 48000.0, benchmark::Counter::kIsRate);
  state.counters["buffers/s"] =
      benchmark::Counter(static_cast<double>(frames) / static_cast<double>(buffer_frames),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Audio_Alone)
    ->Arg(480)
    ->Arg(1024)
    ->Arg(4096)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3.0)
    ->UseRealTime();

template <class P>
void run_clock(benchmark::State& state, P& pipeline) {
  for (auto _ : state) {
    const framepipe::Stats s = pipeline.run({.frames = kFrames, .fps = {30, 1}});
    if (s.frames != kFrames || s.dropped != 0) state.SkipWithError("frames went missing");
  }
  state.counters["frames/s"] = benchmark::Counter(static_cast<double>(state.iterations() * kFrames),
                                                  benchmark::Counter::kIsRate);
}

void BM_TextClock_Audio(benchmark::State& state) {
  using namespace framepipe;
  if (state.range(0) == 0) {
    state.SetLabel("video alone");
    Pipeline p{TextClockGenerator{{.size = kSize}}, I420Packer{},
               AppSrcSink{"fakesink sync=false"}};
    run_clock(state, p);
  } else {
    state.SetLabel("video + 48 kHz stereo beeps, one pipeline");
    Pipeline p{WithAudio{TextClockGenerator{{.size = kSize}}, BeepGenerator{}}, I420Packer{},
               AppSrcSink::launch("appsrc name=video ! fakesink sync=false  "
                                  "appsrc name=audio ! fakesink sync=false",
                                  {.appsrc_name = "video", .audio_appsrc_name = "audio"})};
    run_clock(state, p);
  }
}
BENCHMARK(BM_TextClock_Audio)
    ->Arg(0)
    ->Arg(1)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3.0)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
