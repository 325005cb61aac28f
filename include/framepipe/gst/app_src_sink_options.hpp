// The options of an AppSrcSink, and what its acquire() does when no frame of the pool is free.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "framepipe/gst/error.hpp"

namespace framepipe {

/// What AppSrcSink::acquire() does when no frame of its pool is free.
enum class Backpressure {
  /// Wait until GStreamer gives a frame back: nothing is lost, the producer slows down to
  /// downstream's pace (files, benchmarks). The pool first grows within max_pool_bytes, so
  /// encoders and sinks that hold many frames do not stall the stream; only then acquire() waits,
  /// at most acquire_timeout.
  Block,
  /// Never wait (live sources): keep at most max(1, pool_size - 2) frames queued inside appsrc
  /// (`max-buffers`, `leaky-type=downstream`, GStreamer >= 1.20), so that pushing a new frame into
  /// a full queue discards the oldest frame still waiting there; if every frame of the pool is held
  /// further downstream all the same, the new frame is dropped instead. Either way the newest
  /// frames win, and every loss is counted. The pool stays at pool_size frames (it never grows:
  /// a drop policy bounds latency, not only memory).
  DropOldest,
  /// Never wait (live sources): when no frame of the pool is free, acquire() lends a spare scratch
  /// frame, and submit() discards it instead of pushing it. Every loss is counted. The pool stays
  /// at pool_size frames, like DropOldest.
  DropNewest,
};

/// Options of an AppSrcSink; every member has a default, so designated initialisers can set any
/// subset: `AppSrcSink{"fakesink", {.pool_size = 8}}`.
struct AppSrcSinkOptions {
  /// Frames allocated when the stream starts, and the least the pool ever holds. With
  /// Backpressure::Block the pool grows past it on demand (see max_pool_bytes); with a drop policy
  /// it is the pool's fixed size. Count what downstream keeps: an appsink fed directly keeps the
  /// last sample it returned (GStreamer 1.22 reuses it for the next pull).
  std::size_t pool_size = 4;
  /// Backpressure::Block only: when no frame is free and none of the pool's frames waits in
  /// appsrc's queue (so the missing frames are held further downstream, and may never come back
  /// without more input), the pool grows by one frame, as long as its frames (plus a few dozen
  /// bytes of bookkeeping each) fit in this many bytes; pool_size frames are always allowed. A
  /// producer that is merely ahead of a slow consumer waits instead, as with a fixed pool. The
  /// default, 512 MiB, holds 172 frames of 1080p I420 (x264enc at its defaults keeps 48 frames
  /// on a 2-core machine, more with more cores), 64 of 1080p BGRA, 43 of 2160p I420. 0 keeps the
  /// pool at exactly pool_size frames. Memory is allocated only as the pool grows, and stays
  /// allocated until the sink goes (or a start() with another frame size).
  std::size_t max_pool_bytes = std::size_t{512} * 1024 * 1024;
  /// What acquire() does when no frame is free and the pool may not grow: wait (Block), or drop
  /// and count (DropOldest, DropNewest) for live sources. See Backpressure.
  Backpressure backpressure = Backpressure::Block;
  /// How long finish() (and the destructor) wait for EOS to reach the sinks.
  std::chrono::milliseconds eos_timeout{10000};
  /// How long acquire() waits for a frame to come back from GStreamer once the pool is at its
  /// limit, before it throws Timeout naming the elements that likely hold the frames; zero waits
  /// as long as it takes (a live pipeline that may legitimately pause for long). Pipeline errors
  /// and interrupt() end the wait either way. Only Backpressure::Block waits.
  std::chrono::milliseconds acquire_timeout{15000};
  /// Name of the appsrc: the one framepipe creates (a GStreamer name token: letters, digits, '_'
  /// and '-'), or the one it looks for in a given pipeline.
  std::string appsrc_name = "framepipe_src";
  /// A second appsrc, for audio, in the same pipeline (AppSrcSink::launch() builds a description
  /// that names both). Empty (default): the sink has one appsrc, which carries video or audio.
  std::string audio_appsrc_name{};
  /// The most frames one audio buffer holds (acquire_audio()'s limit; the size of each slot of
  /// the audio pool): 4096 frames is 85 ms at 48 kHz.
  std::size_t audio_buffer_frames = 4096;
  /// A third appsrc, for subtitles (`text/x-raw, format=utf8`), in the same pipeline; empty
  /// (default): none. Link it through a caps filter so that the muxer gives it a subtitle pad:
  /// `appsrc name=text ! text/x-raw,format=utf8 ! mux.`.
  std::string text_appsrc_name{};
  /// Receives the bus's WARNING and INFO messages. Unset: warnings go to stderr, infos nowhere.
  /// An exception it throws is dropped.
  std::function<void(LogLevel, const std::string&)> on_log{};
  /// Attach mode only: true (default) lets the sink drive the pipeline's state and read its bus,
  /// as for a pipeline it built; false leaves both to the caller, who sets the pipeline PLAYING,
  /// watches its bus (errors then surface there, and as StreamError when a push is refused) and,
  /// after finish() has sent EOS, waits for it and sets the pipeline to NULL.
  bool owns_state = true;
};

}  // namespace framepipe
