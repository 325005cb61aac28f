// AudioReader<F>: pull mode for sound. The audio of a file or stream (decodebin's audio pad) comes
// into the caller's loop as AudioView<F> with its pts, beside a Reader of the same file or instead
// of one.
#pragma once

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "framepipe/core/audio_buffer.hpp"
#include "framepipe/core/audio_format.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/gst/bus.hpp"
#include "framepipe/gst/caps.hpp"
#include "framepipe/gst/error.hpp"
#include "framepipe/gst/parse.hpp"
#include "framepipe/gst/pipeline_control.hpp"
#include "framepipe/gst/runtime.hpp"

namespace framepipe {

/// Options of an AudioReader; every member has a default.
struct AudioReaderOptions {
  /// Frames per second to deliver (audioresample converts); 0 keeps the stream's.
  std::uint32_t rate = 0;
  /// Channels to deliver (audioconvert mixes); 0 keeps the stream's.
  int channels = 0;
  /// How long read() waits for the next buffer before it throws Timeout.
  std::chrono::milliseconds timeout{10000};
};

/// One buffer of decoded audio: a view of its samples (valid until the next read() or the
/// reader's end), the stream it belongs to, and its time.
template <AudioFormat F>
struct AudioChunk {
  AudioView<F> samples;
  AudioSpec spec;
  /// The buffer's stream time in ns (its pts with the segment applied, an MP4 edit list
  /// included: the timeline players show), and its duration.
  std::uint64_t pts = 0;
  std::uint64_t duration = 0;
};

/// Reads the audio of `uri` (a URI, or a path made absolute) through `uridecodebin ! queue !
/// audioconvert ! audioresample ! appsink`, as interleaved samples of format `F`. Other streams
/// of the file (video) are left unlinked, which decodebin allows.
/// \code
///   AudioReader<AudioFormat::S16LE> audio{"clip.mkv"};
///   while (auto chunk = audio.read()) use(chunk->samples, chunk->pts);
/// \endcode
/// Errors of the pipeline surface as StreamError from read(); a file with no audio as an error
/// or as the end, as GStreamer reports it. Not copyable or movable; one thread at a time.
template <AudioFormat F = AudioFormat::S16LE>
class AudioReader {
 public:
  using Options = AudioReaderOptions;

  /// Builds and starts the pipeline (`gst_parse_launch_full`, then PLAYING). Throws
  /// InvalidArgument for an empty uri or bad options, MissingElement, ParseError, StreamError.
  explicit AudioReader(std::string uri, Options options = {}) : options_(options) {
    if (uri.empty()) throw InvalidArgument("framepipe::AudioReader: no uri or path");
    if (options.channels < 0 || options.channels > kMaxAudioChannels) {
      throw InvalidArgument("framepipe::AudioReader: channels must be 0 (keep) to " +
                            std::to_string(kMaxAudioChannels));
    }
    ensure_gstreamer_initialized();
    if (!gst_uri_is_valid(uri.c_str())) {
      GError* raw = nullptr;
      const detail::GCharPtr made(gst_filename_to_uri(uri.c_str(), &raw));
      const detail::GErrorPtr error(raw);
      if (!made) throw InvalidArgument("framepipe::AudioReader: not a path or URI: " + uri);
      uri = made.get();
    }
    if (uri.find('"') != std::string::npos) {
      throw InvalidArgument("framepipe::AudioReader: a uri with a double quote");
    }
    std::string caps =
        "audio/x-raw,format=" + std::string(audio_format_info(F).gst_name) + ",layout=interleaved";
    if (options.rate > 0) caps += ",rate=" + std::to_string(options.rate);
    if (options.channels > 0) caps += ",channels=" + std::to_string(options.channels);
    pipeline_ = detail::parse_launch(
        "uridecodebin uri=\"" + uri +
        "\" name=framepipe_dec  framepipe_dec. ! queue ! audioconvert ! audioresample ! appsink "
        "name=framepipe_audio sync=false caps=\"" +
        caps + "\"");
    ElementRef sink = detail::element_by_name(
        pipeline_.get(), "framepipe_audio", "framepipe::AudioReader", GST_TYPE_APP_SINK, "appsink");
    appsink_.reset(GST_APP_SINK(sink.release()));
    bus_.reset(gst_element_get_bus(pipeline_.get()));
    detail::set_playing(
        pipeline_.get(), bus_.get(), [this](GstMessage* error) { throw_error(error); },
        [this](std::exception_ptr error) {
          stop();
          std::rethrow_exception(std::move(error));
        });
  }

  AudioReader(const AudioReader&) = delete;
  AudioReader& operator=(const AudioReader&) = delete;
  ~AudioReader() { stop(); }

  /// The next buffer of audio, or nullopt at the end of the stream. The view stays valid until
  /// the next read(). Throws StreamError for a pipeline error, Timeout when nothing came within
  /// Options::timeout.
  std::optional<AudioChunk<F>> read() {
    release();
    if (!pipeline_) return std::nullopt;
    const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    for (;;) {
      read_bus();
      sample_.reset(gst_app_sink_try_pull_sample(appsink_.get(), 50 * GST_MSECOND));
      if (sample_) return chunk();
      if (gst_app_sink_is_eos(appsink_.get())) {
        read_bus();
        stop();
        return std::nullopt;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        stop();
        throw Timeout(options_.timeout, "no audio came from the decoder", "");
      }
    }
  }

  /// The pipeline (`uridecodebin … ! appsink`); null once the stream ended or failed.
  GstElement* pipeline() const { return pipeline_.get(); }

 private:
  std::optional<AudioChunk<F>> chunk() {
    GstBuffer* buffer = gst_sample_get_buffer(sample_.get());
    GstCaps* caps = gst_sample_get_caps(sample_.get());
    const GstStructure* s = caps != nullptr ? gst_caps_get_structure(caps, 0) : nullptr;
    gint rate = 0;
    gint channels = 0;
    if (buffer == nullptr || s == nullptr || !gst_structure_get_int(s, "rate", &rate) ||
        !gst_structure_get_int(s, "channels", &channels) || rate <= 0) {
      throw Error("framepipe::AudioReader: a sample without a buffer or audio caps");
    }
    if (!gst_buffer_map(buffer, &map_, GST_MAP_READ)) {
      throw Error("framepipe::AudioReader: gst_buffer_map() failed");
    }
    mapped_ = true;
    AudioChunk<F> out;
    out.spec = {F, static_cast<std::uint32_t>(rate), channels};
    out.samples = AudioView<F>::wrap(map_.data, map_.size, channels);
    std::uint64_t pts = GST_BUFFER_PTS(buffer);
    if (const GstSegment* segment = gst_sample_get_segment(sample_.get());
        segment != nullptr && segment->format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID(pts)) {
      const guint64 stream = gst_segment_to_stream_time(segment, GST_FORMAT_TIME, pts);
      if (GST_CLOCK_TIME_IS_VALID(stream)) pts = stream;
    }
    out.pts = GST_CLOCK_TIME_IS_VALID(pts) ? pts : 0;
    out.duration = GST_BUFFER_DURATION_IS_VALID(buffer) ? GST_BUFFER_DURATION(buffer) : 0;
    return out;
  }

  void release() noexcept {
    if (mapped_) gst_buffer_unmap(gst_sample_get_buffer(sample_.get()), &map_);
    mapped_ = false;
    sample_.reset();
  }

  void read_bus() {
    detail::read_bus(
        bus_.get(), [this](GstMessage* error) { throw_error(error); },
        [](GstMessage* note) { detail::log_bus_message(note, {}); });
  }

  [[noreturn]] void throw_error(GstMessage* message) {
    const std::exception_ptr error = detail::to_exception(detail::parse_bus_report(message), "");
    stop();
    std::rethrow_exception(error);
  }

  void stop() noexcept {
    release();
    if (pipeline_) detail::set_null(pipeline_.get());
    appsink_.reset();
    bus_.reset();
    pipeline_.reset();
  }

  Options options_;
  detail::ElementPtr pipeline_;
  detail::GstObjectPtr<GstAppSink> appsink_;
  detail::BusPtr bus_;
  detail::SamplePtr sample_;
  GstMapInfo map_{};
  bool mapped_ = false;
};

}  // namespace framepipe
