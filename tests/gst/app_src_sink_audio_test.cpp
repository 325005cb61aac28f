// AppSrcSink carrying audio: alone (its one appsrc), and beside video in one pipeline (two
// appsrcs, one clock, one EOS, one error for both).
#include <doctest/doctest.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "framepipe/audio/beep_generator.hpp"
#include "framepipe/audio/tone_generator.hpp"
#include "framepipe/audio/with_audio.hpp"
#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/core/audio_buffer.hpp"
#include "framepipe/core/audio_time.hpp"
#include "framepipe/core/pipeline.hpp"
#include "framepipe/generators/test_pattern_generator.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/gst/caps.hpp"
#include "support/gst_test_support.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

constexpr AudioSpec kStereo{AudioFormat::S16LE, 48000, 2};

const std::uint8_t* mapped_data(GstBuffer* buffer) {
  GstMapInfo map;
  REQUIRE(gst_buffer_map(buffer, &map, GST_MAP_READ));
  const std::uint8_t* data = map.data;
  gst_buffer_unmap(buffer, &map);
  return data;
}

}  // namespace

TEST_CASE("audio caps state format, layout, rate and channels") {
  CHECK(audio_caps_string(kStereo) ==
        "audio/x-raw, format=(string)S16LE, layout=(string)interleaved, rate=(int)48000, "
        "channels=(int)2");
  CHECK(audio_caps_string({AudioFormat::F32LE, 44100, 6}) ==
        "audio/x-raw, format=(string)F32LE, layout=(string)interleaved, rate=(int)44100, "
        "channels=(int)6, channel-mask=(bitmask)0x0000000000000000");
  CHECK_THROWS_AS(audio_caps_of({AudioFormat::S16LE, 0, 2}), InvalidArgument);
  CHECK_THROWS_AS(audio_caps_of({AudioFormat::S16LE, 48000, 0}), InvalidArgument);
}

TEST_CASE("an audio-only AppSrcSink lends buffers that GStreamer receives without a copy") {
  AppSrcSink sink{"appsink name=out sync=false", {.audio_buffer_frames = 1024}};
  sink.start(kStereo);
  CHECK(sink.audio_caps() == audio_caps_string(kStereo));
  const ElementRef appsink = sink.element("out");
  ToneGenerator tone{{.rate = 48000, .channels = 2}};
  std::uint64_t offset = 0;
  for (std::size_t frames : {1024u, 480u, 7u}) {
    CAPTURE(frames);
    const AudioView<AudioFormat::S16LE> lent = sink.acquire_audio<AudioFormat::S16LE>(frames);
    CHECK(lent.frames() == frames);
    CHECK(lent.channels() == 2);
    const AudioTime time = AudioTime::at(offset, frames, 48000);
    tone.generate(lent, time);
    sink.submit_audio(time);
    detail::SamplePtr sample = test::pull_sample(appsink.get());
    GstBuffer* buffer = gst_sample_get_buffer(sample.get());
    CHECK(mapped_data(buffer) == reinterpret_cast<const std::uint8_t*>(lent.data()));
    CHECK(gst_buffer_get_size(buffer) == frames * 4);
    CHECK(GST_BUFFER_PTS(buffer) == time.pts);
    CHECK(GST_BUFFER_DURATION(buffer) == time.duration);
    CHECK(GST_BUFFER_OFFSET(buffer) == offset);
    CHECK(GST_BUFFER_OFFSET_END(buffer) == offset + frames);
    const std::string caps =
        detail::take_gchar(gst_caps_to_string(gst_sample_get_caps(sample.get())));
    CHECK(caps == audio_caps_string(kStereo));
    offset += frames;
  }
  CHECK(sink.audio_pushed() == 3);
  CHECK(sink.pushed() == 3);  // the one appsrc carries the audio
  sink.finish();
  CHECK(sink.audio_dropped() == 0);
}

TEST_CASE("acquire_audio and submit_audio refuse what does not fit the stream") {
  AppSrcSink sink{"fakesink sync=false", {.audio_buffer_frames = 256}};
  CHECK_THROWS_WITH_AS(sink.acquire_audio<AudioFormat::S16LE>(10),
                       doctest::Contains("before start()"), Error);
  sink.start(kStereo);
  CHECK_THROWS_WITH_AS(sink.acquire_audio<AudioFormat::F32LE>(10),
                       doctest::Contains("S16LE 48000 Hz 2 ch"), InvalidArgument);
  CHECK_THROWS_AS(sink.acquire_audio<AudioFormat::S16LE>(257), InvalidArgument);
  CHECK_THROWS_AS(sink.acquire_audio<AudioFormat::S16LE>(0), InvalidArgument);
  CHECK_THROWS_AS(sink.submit_audio(AudioTime::at(0, 10, 48000)), Error);  // nothing lent
  CHECK_THROWS_WITH_AS(sink.acquire<PixelFormat::I420>(), doctest::Contains("audio stream"), Error);
  (void)sink.acquire_audio<AudioFormat::S16LE>(10);
  CHECK_THROWS_AS(sink.submit_audio(AudioTime::at(0, 11, 48000)), InvalidArgument);
  sink.submit_audio(AudioTime::at(0, 10, 48000));
  sink.finish();
  CHECK(sink.audio_pushed() == 1);
}

TEST_CASE("a drop policy counts the audio buffers it lets go") {
  // appsink keeps what nobody pulls: the pool's one slot stays downstream.
  AppSrcSink sink{"appsink name=out sync=false",
                  {.pool_size = 1, .backpressure = Backpressure::DropNewest}};
  sink.start(kStereo, Pacing::RealTime);
  gboolean live = FALSE;
  g_object_get(sink.element(AppSrcSinkOptions{}.appsrc_name).get(), "is-live", &live, nullptr);
  CHECK(live == TRUE);
  (void)sink.acquire_audio<AudioFormat::S16LE>(480);
  sink.submit_audio(AudioTime::at(0, 480, 48000));
  (void)sink.acquire_audio<AudioFormat::S16LE>(480);  // the scratch buffer: dropped
  sink.submit_audio(AudioTime::at(480, 480, 48000));
  CHECK(sink.audio_pushed() == 1);
  CHECK(sink.audio_dropped() == 1);
  CHECK(sink.counters().dropped == 1);
  test::pull_sample(sink.element("out").get()).reset();
  sink.finish();
}

TEST_CASE("video and audio in one pipeline: it plays once both are set up, and ends at once") {
  const std::string description =
      "appsrc name=video ! fakesink name=vout sync=false  "
      "appsrc name=audio ! fakesink name=aout sync=false";
  AppSrcSink sink = AppSrcSink::launch(
      description,
      {.appsrc_name = "video", .audio_appsrc_name = "audio", .audio_buffer_frames = 1600});
  const Size size{64, 48};
  sink.start(StreamSpec{.format = PixelFormat::I420, .size = size, .fps = {30, 1}});
  GstState state = GST_STATE_VOID_PENDING;
  gst_element_get_state(sink.pipeline().get(), &state, nullptr, 0);
  CHECK(state == GST_STATE_NULL);  // waiting for the audio appsrc
  CHECK_THROWS_WITH_AS(sink.acquire<PixelFormat::I420>(), doctest::Contains("start(AudioSpec)"),
                       Error);
  sink.start(kStereo);
  CHECK(sink.caps().find("video/x-raw") == 0);
  CHECK(sink.audio_caps() == audio_caps_string(kStereo));
  for (std::uint64_t i = 0; i < 30; ++i) {
    (void)sink.acquire<PixelFormat::I420>();
    sink.submit(FrameTime::at(i, {30, 1}));
    (void)sink.acquire_audio<AudioFormat::S16LE>(1600);
    sink.submit_audio(AudioTime::at(i * 1600, 1600, 48000));
  }
  sink.finish();  // EOS on both appsrcs; the pipeline's EOS needs both to reach their sinks
  CHECK(sink.pushed() == 30);
  CHECK(sink.audio_pushed() == 30);
  CHECK(sink.dropped() == 0);
  CHECK(sink.audio_dropped() == 0);
  // Again, on the same sink: a second stream.
  sink.start(kStereo);
  sink.start(StreamSpec{.format = PixelFormat::I420, .size = size, .fps = {30, 1}});
  (void)sink.acquire_audio<AudioFormat::S16LE>(10);
  sink.submit_audio(AudioTime::at(0, 10, 48000));
  sink.finish();
  CHECK(sink.audio_pushed() == 31);
}

TEST_CASE("one error ends every stream of the pipeline") {
  // The audio branch accepts only 8 kHz: the first audio buffer fails negotiation.
  AppSrcSink sink = AppSrcSink::launch(
      "appsrc name=video ! fakesink sync=false  "
      "appsrc name=audio ! audio/x-raw,rate=8000 ! fakesink sync=false",
      {.appsrc_name = "video", .audio_appsrc_name = "audio"});
  sink.start(StreamSpec{.format = PixelFormat::I420, .size = {64, 48}, .fps = {30, 1}});
  sink.start(kStereo);
  bool failed = false;
  for (std::uint64_t i = 0; i < 200 && !failed; ++i) {  // the error comes from another thread
    try {
      (void)sink.acquire_audio<AudioFormat::S16LE>(480);
      sink.submit_audio(AudioTime::at(i * 480, 480, 48000));
      (void)sink.acquire<PixelFormat::I420>();
      sink.submit(FrameTime::at(i, {30, 1}));
    } catch (const StreamError&) {
      failed = true;
    }
  }
  REQUIRE(failed);
  // The video stream ended with it: the same error, not a wait.
  CHECK_THROWS_AS(sink.acquire<PixelFormat::I420>(), StreamError);
  CHECK_THROWS_AS(sink.acquire_audio<AudioFormat::S16LE>(480), StreamError);
  GstState state = GST_STATE_VOID_PENDING;
  gst_element_get_state(sink.pipeline().get(), &state, nullptr, 0);
  CHECK(state == GST_STATE_NULL);
  sink.finish();  // nothing left to end
}

TEST_CASE("launch() checks its appsrcs") {
  CHECK_THROWS_AS(AppSrcSink::launch("appsrc name=video ! fakesink",
                                     {.appsrc_name = "video", .audio_appsrc_name = "audio"}),
                  InvalidArgument);
  CHECK_THROWS_AS(AppSrcSink::launch("  ", {}), InvalidArgument);
  CHECK_THROWS_AS((AppSrcSink{"fakesink", {.appsrc_name = "a", .audio_appsrc_name = "a"}}),
                  InvalidArgument);
}

TEST_CASE("request_stop() ends a Pipeline blocked in acquire_audio() at once, not at a timeout") {
  // The appsink keeps what nobody pulls, and the pools may not grow: the second audio buffer
  // waits for a slot that never comes back.
  Pipeline p{WithAudio{TestPatternGenerator{{.size = {32, 16}}}, BeepGenerator{}}, I420Packer{},
             AppSrcSink::launch("appsrc name=video ! fakesink sync=false  "
                                "appsrc name=audio ! appsink name=out sync=false",
                                {.pool_size = 1,
                                 .max_pool_bytes = 0,
                                 .acquire_timeout = std::chrono::milliseconds(60000),
                                 .appsrc_name = "video",
                                 .audio_appsrc_name = "audio",
                                 .audio_buffer_frames = 800})};
  std::thread stopper([&] {
    while (!p.sink().acquire_waiting()) std::this_thread::yield();
    p.request_stop();
  });
  test::within(std::chrono::seconds(30), [&] {
    const Stats s = p.run({.frames = 100, .fps = {30, 1}});
    CHECK(s.frames <= 1);
  });
  stopper.join();
  CHECK(p.sink().audio_pushed() == 1);
}
