// The options of an AppSinkSource, and when it puts a videoconvert before its appsink.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "framepipe/core/color_space.hpp"
#include "framepipe/gst/app_src_sink_options.hpp"
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
  /// Frames queued between GStreamer's streaming thread and next(), at most (at least 1). What
  /// happens when the queue is full is `backpressure`'s. Memory held: at most max_buffers queued
  /// frames, one more waiting in the appsink, and the frames lent out.
  std::size_t max_buffers = 4;
  /// A frame arriving at a full queue: Block (default) leaves it in the appsink, whose streaming
  /// thread then waits for room (a flush or a state change of the pipeline ends that wait, so the
  /// caller's own set_state() is never blocked); DropOldest, for live sources, pushes out the
  /// oldest queued frame (the newest frames win); DropNewest drops the arriving frame (the queued
  /// frames win). Every drop is counted (counters().dropped).
  Backpressure backpressure = Backpressure::Block;
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
  /// The matrix of Y'CbCr frames, stated by the caller: wins over the caps' colorimetry. For
  /// streams whose tag GStreamer loses or guesses (see docs/colour.md). Unset: the caps' matrix
  /// when the caps carry a `colorimetry` field, else BT.601 (framepipe's default for untagged
  /// frames of any size, what ffmpeg and OpenCV assume, and what framepipe's Writer means when it
  /// writes untagged y4m).
  std::optional<Matrix> matrix{};
  /// The range of Y'CbCr frames, stated by the caller: wins over the caps' colorimetry (1.22's
  /// qtdemux drops the `colr` full-range flag of MP4). Unset: the caps' range.
  std::optional<Range> range{};
  /// Attach mode only: true (default) lets the source drive the pipeline's state and read its
  /// bus, as for a pipeline it built; false leaves both to the caller, who sets the pipeline
  /// PLAYING and watches its bus (errors upstream then show only there, and as a Timeout here). Any
  /// order is safe: frames that reach the appsink before start() are queued (and wait there), the
  /// caller's set_state(NULL) returns even with a full queue, and a source stopped or destroyed
  /// while the pipeline streams lets the frames pass into the void instead of stalling it.
  bool owns_state = true;
};

}  // namespace framepipe
