// The options of an AppSinkSource, and when it puts a videoconvert before its appsink.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "framepipe/gst/error.hpp"

namespace framepipe {

/// Whether AppSinkSource puts a `videoconvert` between the upstream description and its appsink.
enum class VideoConvert {
  /// Only when upstream cannot produce the source's format: the first start() links without it,
  /// and when that fails to negotiate (or to link), the pipeline is rebuilt with it, saying so
  /// through the log callback.
  Auto,
  /// Never: a format upstream cannot produce is a NotNegotiated error.
  Never,
  /// Always (skips the trial; for sources known to need it).
  Always,
};

/// Options of an AppSinkSource; every member has a default, so designated initialisers can set
/// any subset: `AppSinkSource<PixelFormat::I420>{"videotestsrc", {.max_buffers = 2}}`.
struct AppSinkSourceOptions {
  /// Frames queued between GStreamer's streaming thread and next(), at most (at least 1). When the
  /// queue is full, the streaming thread waits (back-pressure), or with `drop` the oldest queued
  /// frame is dropped. Memory held: at most max_buffers queued frames plus the frames lent out.
  std::size_t max_buffers = 4;
  /// For live sources: never hold the streaming thread up; a frame arriving at a full queue
  /// pushes out the oldest queued one, and every such drop is counted (counters().dropped).
  bool drop = false;
  /// How long start() waits for the first frame and next() for each following one before it
  /// throws Timeout naming the appsink; zero waits as long as it takes. An error of the pipeline,
  /// the end of the stream and interrupt() end the wait either way.
  std::chrono::milliseconds pull_timeout{10000};
  /// Whether a videoconvert goes before the appsink (description mode only).
  VideoConvert convert = VideoConvert::Auto;
  /// Description mode: the appsink's `sync`. false (default) hands frames over as fast as they are
  /// decoded; true paces them on the pipeline clock (play a file in real time).
  bool sync = false;
  /// Name of the appsink: the one framepipe appends (a name token: letters, digits, '_' and '-'),
  /// or the one it looks for in a given pipeline.
  std::string appsink_name = "framepipe_sink";
  /// Receives the bus's WARNING and INFO messages and framepipe's own notes (such as the
  /// videoconvert it inserted). Unset: warnings go to stderr, infos nowhere. Called on the thread
  /// that calls start() or next(). An exception it throws is dropped.
  std::function<void(LogLevel, const std::string&)> on_log{};
  /// Attach mode only: true (default) lets the source drive the pipeline's state and read its
  /// bus, as for a pipeline it built; false leaves both to the caller, who sets the pipeline
  /// PLAYING and watches its bus (errors upstream then show only there, and as a Timeout here).
  bool owns_state = true;
};

}  // namespace framepipe
