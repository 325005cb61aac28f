// What ffmpeg decodes of a flash-and-beep stream (a white frame and a 1 kHz beep at the start of
// every second): the pts of the white frames and the decoded audio, for the A/V sync tests.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "framepipe/core/frame.hpp"
#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"

namespace framepipe::test {

/// Fills an I420 frame with one grey level (chroma neutral).
inline void fill(FrameView<PixelFormat::I420> frame, std::uint8_t luma) {
  const PlaneLayout l = default_layout(PixelFormat::I420, frame.size());
  std::memset(frame.plane(0), luma, l.offset[1]);
  std::memset(frame.plane(1), 128, l.size - l.offset[1]);
}

/// The value after `key` in a line of ffmpeg's showinfo output ("pts_time:1.5 ...").
inline std::optional<double> field(const std::string& line, const std::string& key) {
  const std::size_t at = line.find(key);
  if (at == std::string::npos) return std::nullopt;
  return std::strtod(line.c_str() + at + key.size(), nullptr);
}

/// The pts (s) of the frames ffmpeg decodes as white (mean luma above 128), in the file's own
/// time (-copyts: nothing shifted).
inline std::vector<double> flash_times(const std::string& file) {
  const std::string log = output_of("ffmpeg -nostdin -hide_banner -copyts -i \"" + file +
                                    "\" -map 0:v:0 -vf showinfo -f null - 2>&1");
  std::vector<double> flashes;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("Parsed_showinfo") == std::string::npos) continue;
    const auto pts = field(line, "pts_time:");
    const auto mean = field(line, "mean:[");
    if (pts && mean && *mean > 128.0) flashes.push_back(*pts);
  }
  return flashes;
}

/// The decoded audio (mono, s16) and the pts (s) of its first sample, in the file's own time:
/// ffmpeg removes the encoder's priming (Opus pre-skip, the AAC edit list) while decoding, and
/// stamps the first frame it returns. Each decoded frame's samples sit at its own pts: a gap in the
/// stream (buffers a live sender dropped) stays a gap, of silence.
struct DecodedAudio {
  std::vector<std::int16_t> samples;
  double first_pts = 0.0;
};

inline DecodedAudio decode_audio(const std::string& file, const TempDir& dir, double rate) {
  const std::string pcm = (dir / "audio.s16").string();
  const std::string log =
      output_of("ffmpeg -nostdin -hide_banner -y -copyts -i \"" + file +
                "\" -map 0:a:0 -af ashowinfo -ac 1 -f s16le \"" + pcm + "\" 2>&1");
  struct Span {
    double pts;
    std::size_t samples;
  };
  std::vector<Span> spans;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("Parsed_ashowinfo") == std::string::npos) continue;
    const auto pts = field(line, "pts_time:");
    const auto count = field(line, "nb_samples:");
    if (pts && count) spans.push_back({*pts, static_cast<std::size_t>(*count)});
  }
  REQUIRE_FALSE(spans.empty());
  std::vector<std::int16_t> decoded;
  FILE* in = std::fopen(pcm.c_str(), "rb");
  REQUIRE(in != nullptr);
  std::int16_t chunk[4096];
  while (const std::size_t n = std::fread(chunk, sizeof(std::int16_t), 4096, in)) {
    decoded.insert(decoded.end(), chunk, chunk + n);
  }
  std::fclose(in);
  DecodedAudio audio;
  audio.first_pts = spans.front().pts;
  std::size_t read = 0;
  for (const Span& span : spans) {
    const std::size_t n = std::min(span.samples, decoded.size() - read);
    const auto at =
        static_cast<std::size_t>(std::llround(std::max(0.0, (span.pts - audio.first_pts) * rate)));
    if (audio.samples.size() < at + n) audio.samples.resize(at + n, 0);
    std::copy_n(decoded.begin() + static_cast<std::ptrdiff_t>(read), n,
                audio.samples.begin() + static_cast<std::ptrdiff_t>(at));
    read += n;
  }
  return audio;
}

/// The time (s) of the first sample above a quarter of the beep's amplitude (16384 peak) between
/// `from` and `to` (s, the audio's own time, decoded at `rate`); none when there is none.
inline std::optional<double> beep_onset(const DecodedAudio& audio, double rate, double from,
                                        double to) {
  const double first = std::max(0.0, (from - audio.first_pts) * rate);
  const double last =
      std::min(static_cast<double>(audio.samples.size()), (to - audio.first_pts) * rate);
  for (auto i = static_cast<std::size_t>(first); i < static_cast<std::size_t>(std::max(0.0, last));
       ++i) {
    if (std::abs(audio.samples[i]) > 4096) return audio.first_pts + static_cast<double>(i) / rate;
  }
  return std::nullopt;
}

}  // namespace framepipe::test
