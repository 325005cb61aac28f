// detail::AudioFeed: what Writer and Pipeline share to send audio into a sink that takes it beside
// the frames -- starting the sink's audio, and writing or drawing buffers into the memory the
// sink lends, timed by the count of frames sent.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "framepipe/core/audio_buffer.hpp"
#include "framepipe/core/audio_format.hpp"
#include "framepipe/core/audio_stage.hpp"
#include "framepipe/core/audio_time.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/stage.hpp"

namespace framepipe::detail {

/// The audio stream of one run into `Sink`: its spec, the frames sent so far and where they end.
template <class Sink>
class AudioFeed {
 public:
  /// Tells `sink` the stream (`start(const AudioSpec&, Pacing)` or `start(const AudioSpec&)`,
  /// when it has one) and starts counting from 0. Throws InvalidArgument for a bad spec, or a
  /// sink that takes no audio of its format.
  void start(Sink& sink, const AudioSpec& spec, Pacing pacing) {
    check_audio_spec(spec);
    if constexpr (AudioSink<Sink>) {
      const bool takes = spec.format == AudioFormat::S16LE
                             ? stage_accepts_audio<Sink, AudioFormat::S16LE>()
                             : stage_accepts_audio<Sink, AudioFormat::F32LE>();
      if (!takes) {
        throw InvalidArgument("framepipe: the sink takes no " +
                              std::string(audio_format_name(spec.format)) + " audio");
      }
      if constexpr (requires { sink.start(spec, pacing); }) {
        sink.start(spec, pacing);
      } else if constexpr (requires { sink.start(spec); }) {
        sink.start(spec);
      }
      spec_ = spec;
      frames_ = 0;
      end_ = 0;
    } else {
      throw InvalidArgument(
          "framepipe: an audio stream was asked for but the sink takes no audio (it is no "
          "AudioSink: acquire_audio, submit_audio)");
    }
  }

  const std::optional<AudioSpec>& spec() const { return spec_; }
  /// Audio frames sent so far.
  std::uint64_t frames() const { return frames_; }
  /// pts + duration of the last buffer sent (0 before the first).
  std::uint64_t end() const { return end_; }

  /// Sends `samples` starting at `pts`, in buffers of at most the sink's `audio_buffer_frames()`,
  /// each copied once into the memory the sink lends and stamped `pts` + its offset in frames.
  template <AudioFormat F>
  void write(Sink& sink, AudioView<F> samples, std::uint64_t pts) {
    if constexpr (AudioSinkFor<Sink, F>) {
      std::size_t done = 0;
      while (done < samples.frames()) {
        const std::size_t frames = chunk(sink, samples.frames() - done);
        const AudioTime span = AudioTime::at(done, frames, spec_->rate);
        const AudioTime time{frames_, frames, pts + span.pts, span.duration};
        const AudioView<F> lent = acquire<F>(sink, frames);
        const std::size_t channels = static_cast<std::size_t>(samples.channels());
        std::memcpy(lent.data(), samples.data() + done * channels,
                    frames * channels * sizeof(SampleType<F>));
        sink.submit_audio(time);
        done += frames;
        sent(time);
      }
    }
  }

  /// Has `generator` draw, in the memory the sink lends (no copy), every frame whose pts is
  /// before `until_pts` and was not sent yet; timed by the frame count. Throws InvalidArgument
  /// when the generator's spec is not the stream's.
  template <class G>
  void draw_until(Sink& sink, G& generator, std::uint64_t until_pts) {
    constexpr AudioFormat F = G::output;
    if constexpr (AudioSinkFor<Sink, F>) {
      if (generator.audio_spec() != *spec_) {
        throw InvalidArgument("framepipe: the audio generator makes " +
                              to_string(generator.audio_spec()) + ", the stream is " +
                              to_string(*spec_));
      }
      const std::uint64_t end = AudioTime::first_frame_at(until_pts, spec_->rate);
      while (frames_ < end) {
        const std::size_t frames = chunk(sink, end - frames_);
        const AudioTime time = AudioTime::at(frames_, frames, spec_->rate);
        generator.generate(acquire<F>(sink, frames), time);
        sink.submit_audio(time);
        sent(time);
      }
    }
  }

 private:
  /// At most `left` frames, and at most the sink's `audio_buffer_frames()` when it states one.
  static std::size_t chunk(const Sink& sink, std::uint64_t left) {
    std::uint64_t most = left;
    if constexpr (requires {
                    { sink.audio_buffer_frames() } -> std::convertible_to<std::size_t>;
                  }) {
      most = std::min<std::uint64_t>(most, std::max<std::size_t>(1, sink.audio_buffer_frames()));
    }
    return static_cast<std::size_t>(most);
  }

  template <AudioFormat F>
  static AudioView<F> acquire(Sink& sink, std::size_t frames) {
    if constexpr (requires {
                    { sink.template acquire_audio<F>(frames) } -> std::same_as<AudioView<F>>;
                  }) {
      return sink.template acquire_audio<F>(frames);
    } else {
      return sink.acquire_audio(frames);
    }
  }

  void sent(const AudioTime& time) {
    frames_ += time.frames;
    end_ = time.pts + time.duration;
  }

  std::optional<AudioSpec> spec_;
  std::uint64_t frames_ = 0;
  std::uint64_t end_ = 0;
};

}  // namespace framepipe::detail
