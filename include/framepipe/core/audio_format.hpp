// Audio sample formats and the description of an audio stream: format, rate, channels.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "framepipe/core/enum_table.hpp"
#include "framepipe/core/error.hpp"

namespace framepipe {

/// Audio sample formats framepipe knows; samples of all channels interleaved, frame after frame.
enum class AudioFormat : std::uint8_t {
  S16LE,  ///< signed 16-bit little-endian integers (GStreamer "S16LE")
  F32LE,  ///< 32-bit little-endian IEEE floats, nominally within [-1, 1] (GStreamer "F32LE")
};

/// Static facts about an audio format.
struct AudioFormatInfo {
  std::string_view name;      ///< framepipe's name, e.g. "S16LE"
  std::string_view gst_name;  ///< the GStreamer caps `format` string
  int sample_bytes;           ///< bytes of one sample of one channel
};

namespace detail {

/// The facts of every audio format, one row each.
inline constexpr EnumRow<AudioFormat, AudioFormatInfo> kAudioFormatInfos[] = {
    {AudioFormat::S16LE, {"S16LE", "S16LE", 2}},
    {AudioFormat::F32LE, {"F32LE", "F32LE", 4}},
};

}  // namespace detail

/// Every audio format, for compile-time searches over formats.
inline constexpr AudioFormat kAllAudioFormats[] = {AudioFormat::S16LE, AudioFormat::F32LE};

/// The static facts about `format` (named "?", 0 bytes, for a number that is no format).
constexpr AudioFormatInfo audio_format_info(AudioFormat format) {
  return detail::value_of(detail::kAudioFormatInfos, format, {"?", "?", 0});
}

/// framepipe's name of `format`, e.g. "S16LE".
constexpr std::string_view audio_format_name(AudioFormat format) {
  return audio_format_info(format).name;
}

/// The C++ type of one sample of `F`: std::int16_t for S16LE, float for F32LE. Memory holds them
/// in the host's byte order, which is little-endian on every target framepipe builds for.
template <AudioFormat F>
using SampleType = std::conditional_t<F == AudioFormat::S16LE, std::int16_t, float>;

static_assert(std::endian::native == std::endian::little,
              "framepipe's audio formats are little-endian: S16LE and F32LE samples are the "
              "host's int16_t and float");
static_assert(sizeof(SampleType<AudioFormat::S16LE>) == 2 &&
              sizeof(SampleType<AudioFormat::F32LE>) == 4);

/// The most channels an AudioSpec may have (GStreamer's channel masks name 64 positions).
inline constexpr int kMaxAudioChannels = 64;

/// What an audio stream is: its sample format, its rate and its channel count.
struct AudioSpec {
  AudioFormat format = AudioFormat::S16LE;
  std::uint32_t rate = 48000;  ///< frames (one sample of every channel) per second
  int channels = 2;            ///< interleaved in each frame

  /// Bytes of one frame: one sample of every channel.
  constexpr std::size_t frame_bytes() const {
    return static_cast<std::size_t>(audio_format_info(format).sample_bytes) *
           static_cast<std::size_t>(channels);
  }
  friend constexpr bool operator==(const AudioSpec&, const AudioSpec&) = default;
};

/// "S16LE 48000 Hz 2 ch".
inline std::string to_string(const AudioSpec& spec) {
  return std::string(audio_format_name(spec.format)) + " " + std::to_string(spec.rate) + " Hz " +
         std::to_string(spec.channels) + " ch";
}

/// Throws InvalidArgument unless `channels` is within 1..kMaxAudioChannels.
inline void check_audio_channels(int channels) {
  if (channels < 1 || channels > kMaxAudioChannels) {
    throw InvalidArgument("framepipe: audio channel count " + std::to_string(channels) +
                          " is invalid (1 to " + std::to_string(kMaxAudioChannels) + ")");
  }
}

/// Throws InvalidArgument unless `spec` has a known format, a rate above 0 and 1 to
/// kMaxAudioChannels channels.
inline void check_audio_spec(const AudioSpec& spec) {
  if (audio_format_info(spec.format).sample_bytes == 0) {
    throw InvalidArgument("framepipe: audio format " +
                          std::to_string(static_cast<int>(spec.format)) + " is unknown");
  }
  if (spec.rate == 0) {
    throw InvalidArgument("framepipe: audio rate 0 is invalid (frames per second must be > 0)");
  }
  check_audio_channels(spec.channels);
}

}  // namespace framepipe
