// HLS (HTTP Live Streaming) written to a directory by hlssink2: H.264 in MPEG-TS segments and a
// sliding playlist, old segments deleted so that disk use stays bounded. Either a branch off a tee
// of an encode that is already shared (WHEP's), or a whole sink recipe for AppSrcSink and Writer.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "framepipe/core/error.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/gst/network.hpp"

namespace framepipe {

/// What an HlsOutput writes and keeps: hlssink2's `target-duration`, `playlist-length` and
/// `max-files`, and where.
///
/// Latency: GStreamer 1.22's hlssink2 has no LL-HLS (no partial segments, no blocking playlist
/// reload), so a player is behind the encoder by the age of the newest listed segment (a segment
/// is listed once it is closed: 0 to 1 segment, plus the encode) plus what the player keeps
/// between itself and the live edge: hls.js three target durations. Glass to glass, measured in
/// Chromium 156 with hls.js at 720p30 (whep_bench, a loaded machine): about 5 s with 1 s
/// segments, 6.4 to 7 s with the default 2 s (docs/scale-out.md).
struct HlsOptions {
  /// Where the playlist and segments go. Empty (the default): a private directory (mode 0700)
  /// made under the system's temporary directory and removed, with what is in it, when the
  /// HlsOutput is destroyed. A given directory is created when missing and left in place.
  std::filesystem::path directory{};
  /// The target length of a segment (hlssink2 `target-duration`, whole seconds, at least 1). A
  /// segment ends at the first key frame after it; hlssink2 asks the encoder for that key frame.
  std::chrono::seconds segment_duration{2};
  /// Segments listed in the playlist (hlssink2 `playlist-length`, at least 3: the HLS spec wants a
  /// live playlist to span three target durations, RFC 8216 section 6.3.3).
  unsigned playlist_length = 4;
  /// The most segment files on disk at any moment, the one being written included: hlssink2
  /// gets `max-files` one less, since it opens the next segment before it deletes the oldest
  /// (hls_output_test watches every create and delete). At least playlist_length + 2: the segment
  /// being written is one of them, and a segment stays on disk for one segment after it leaves
  /// the playlist, for players that read the playlist just before (RFC 8216 section 6.2.2).
  unsigned max_files = 6;
};

/// An HLS output: the directory hlssink2 writes into (a private temporary one by default, removed
/// on destruction) and the gst-launch descriptions that write it. The directory holds
/// `index.m3u8` (the playlist, the name MediaMTX uses) and `segment-TOKEN-NNNNN.ts` (H.264 in
/// MPEG-TS), at most `max_files` segments at a time. TOKEN, 8 random hex digits drawn for each
/// HlsOutput, keeps a segment's URL unique to the stream that wrote it: an HTTP cache may keep a
/// segment for long (it never changes), and a stream started again in the same place numbers its
/// segments from 0 again.
///
///   HlsOutput hls{{.segment_duration = std::chrono::seconds(1)}};
///   Pipeline<TestPatternGenerator, I420Packer, AppSrcSink> p{
///       TestPatternGenerator{{.size = {640, 360}}}, I420Packer{},
///       AppSrcSink{hls.description({30, 1}), live_sink_options()}};
///   p.run({.duration = std::chrono::seconds(10), .pacing = Pacing::RealTime});
///   // hls.playlist_path() is what ffplay, VLC or an HTTP server serving hls.directory() reads
///
/// Declare the HlsOutput before the pipeline that writes into it, so that the pipeline stops
/// before the directory goes.
class HlsOutput {
 public:
  /// The playlist's file name.
  static constexpr std::string_view kPlaylistName = "index.m3u8";

  /// Makes (or, for a given directory, creates when missing) the directory. Throws
  /// InvalidArgument when an option is out of range or the directory's path holds a character a
  /// description cannot carry (`"`, `\`, `%`, a control character), Error when the directory
  /// cannot be made.
  explicit HlsOutput(HlsOptions options = {})
      : options_(std::move(options)), token_(random_token()) {
    check_options(options_);
    if (options_.directory.empty()) {
      options_.directory = make_private_directory();
      owned_ = true;
    } else {
      std::error_code error;
      std::filesystem::create_directories(options_.directory, error);
      if (error) {
        throw Error("framepipe: HlsOutput cannot create the directory " +
                    options_.directory.string() + ": " + error.message());
      }
    }
  }

  HlsOutput(const HlsOutput&) = delete;
  HlsOutput& operator=(const HlsOutput&) = delete;
  HlsOutput(HlsOutput&& other) noexcept
      : options_(std::move(other.options_)),
        token_(std::move(other.token_)),
        owned_(std::exchange(other.owned_, false)) {}
  HlsOutput& operator=(HlsOutput&& other) noexcept {
    if (this != &other) {
      remove_owned_directory();
      options_ = std::move(other.options_);
      token_ = std::move(other.token_);
      owned_ = std::exchange(other.owned_, false);
    }
    return *this;
  }
  /// Removes the private directory and what is in it (a given directory stays).
  ~HlsOutput() { remove_owned_directory(); }

  const HlsOptions& options() const noexcept { return options_; }
  /// The directory of the playlist and segments.
  const std::filesystem::path& directory() const noexcept { return options_.directory; }
  /// directory() / "index.m3u8".
  std::filesystem::path playlist_path() const { return options_.directory / kPlaylistName; }
  /// The name of segment `index` (from 0): `segment-TOKEN-NNNNN.ts`.
  std::string segment_name(unsigned index) const {
    std::string digits = std::to_string(index);
    if (digits.size() < 5) digits.insert(0, 5 - digits.size(), '0');
    return segment_prefix() + digits + ".ts";
  }

  /// `hlssink2 location=DIR/segment-TOKEN-%05d.ts playlist-location=DIR/index.m3u8
  /// target-duration=S playlist-length=N max-files=M-1` (M: HlsOptions::max_files), the end of both
  /// descriptions below. It takes H.264 (parsed, as h264parse gives it) and asks upstream for a key
  /// frame at each segment's end
  /// (`send-keyframe-requests`, on by default).
  std::string hlssink2_description() const {
    const std::string dir = options_.directory.string();
    return "hlssink2 location=\"" + dir + "/" + segment_prefix() +
           "%05d.ts\" playlist-location=\"" + dir + "/" + std::string(kPlaylistName) +
           "\" target-duration=" + std::to_string(options_.segment_duration.count()) +
           " playlist-length=" + std::to_string(options_.playlist_length) +
           " max-files=" + std::to_string(options_.max_files - 1);
  }

  /// The branch to hang off a `tee` of an H.264 encode that others share (one encode for WHEP
  /// and HLS): `queue ! h264parse ! hlssink2 … send-keyframe-requests=false`. The queue decouples
  /// the branch from the tee's other branches. The shared encoder must make a key frame at the
  /// start of each segment (WhepSink's makes one a second: give whole-second segments); hlssink2
  /// asks for none of its own, since one it asked for would come a frame after the encoder's and
  /// end a one-frame segment.
  std::string tee_branch_description() const {
    return "queue ! h264parse ! " + hlssink2_description() + " send-keyframe-requests=false";
  }

  /// The whole sink for AppSrcSink or Writer, frames at `fps` in: `x264enc tune=zerolatency
  /// speed-preset=ultrafast key-int-max=K ! h264parse ! hlssink2 …` (network.hpp's low-latency
  /// H.264 preset, encoder_description()), with a key frame every segment (K = frames in one
  /// segment_duration), so that each segment starts with one. Pair it with
  /// live_sink_options() and Pacing::RealTime for a live stream; as fast as possible it writes a
  /// file-based VOD-like sequence (segments by pts, not wall time).
  std::string description(FrameRate fps = {30, 1}) const {
    check_frame_rate(fps);
    // The preset's key-frame interval is one "second" of the rate it is given: a rate of
    // fps x segment_duration frames per second puts one key frame in each segment.
    const FrameRate segment_rate{fps.num * options_.segment_duration.count(), fps.den};
    return encoder_description(VideoCodec::H264, segment_rate) + " ! h264parse ! " +
           hlssink2_description();
  }

  /// True when `name` (a file name, no directory) is one this output writes: `index.m3u8` or
  /// `segment-TOKEN-` + digits + `.ts`. What an HTTP server may serve from directory(): a name
  /// that passes cannot leave it (no `/`, no `..`) nor name a file another program put there.
  bool is_output_file(std::string_view name) const noexcept { return is_output_file(name, token_); }
  /// is_output_file() of an HlsOutput whose token() is `token`: for what outlives the output
  /// (a server's handler).
  static bool is_output_file(std::string_view name, std::string_view token) noexcept {
    if (name == kPlaylistName) return true;
    constexpr std::string_view start = "segment-";
    if (name.size() < start.size() + token.size() + 1 || name.substr(0, start.size()) != start ||
        name.substr(start.size(), token.size()) != token ||
        name[start.size() + token.size()] != '-') {
      return false;
    }
    const std::size_t prefix_size = start.size() + token.size() + 1;
    constexpr std::string_view suffix = ".ts";
    if (name.size() <= prefix_size + suffix.size()) return false;
    if (name.substr(name.size() - suffix.size()) != suffix) return false;
    const std::string_view digits =
        name.substr(prefix_size, name.size() - prefix_size - suffix.size());
    return std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  }

  /// The MIME type of an output file: `application/vnd.apple.mpegurl` for the playlist,
  /// `video/mp2t` for a segment (RFC 8216 section 4).
  static std::string_view content_type(std::string_view name) noexcept {
    return name == kPlaylistName ? "application/vnd.apple.mpegurl" : "video/mp2t";
  }

  /// The random part of the segment names, 8 hex digits.
  const std::string& token() const noexcept { return token_; }
  /// `segment-TOKEN-`, what every segment name starts with.
  std::string segment_prefix() const { return "segment-" + token_ + "-"; }

 private:
  static void check_options(const HlsOptions& options) {
    if (options.segment_duration.count() < 1) {
      throw InvalidArgument("framepipe: HlsOptions::segment_duration must be at least 1 s");
    }
    if (options.playlist_length < 3) {
      throw InvalidArgument(
          "framepipe: HlsOptions::playlist_length must be at least 3 (RFC 8216 section 6.3.3)");
    }
    if (options.max_files < options.playlist_length + 2) {
      throw InvalidArgument(
          "framepipe: HlsOptions::max_files must be at least playlist_length + 2 (the segment "
          "being written, and one kept after it leaves the playlist, RFC 8216 section 6.2.2)");
    }
    check_directory(options.directory);
  }

  /// Throws InvalidArgument when `directory` holds a character that a quoted value of a
  /// gst-launch description cannot carry, or that splitmuxsink's `location` (a printf format)
  /// would read as a conversion.
  static void check_directory(const std::filesystem::path& directory) {
    const std::string dir = directory.string();
    const bool printable = std::all_of(dir.begin(), dir.end(), [](char c) {
      return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f && c != '"' && c != '\\' &&
             c != '%';
    });
    if (!printable) {
      throw InvalidArgument("framepipe: HlsOptions::directory \"" + dir +
                            "\" holds a character a gst-launch description cannot carry "
                            "(\", \\, %, or a control character)");
    }
  }

  /// mkdtemp(3) under the system's temporary directory: mode 0700, a name no one else holds.
  static std::filesystem::path make_private_directory() {
    std::error_code error;
    std::filesystem::path root = std::filesystem::temp_directory_path(error);
    if (error) root = "/tmp";
    std::string pattern = (root / "framepipe-hls-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw Error("framepipe: HlsOutput cannot make a directory under " + root.string() + ": " +
                  std::generic_category().message(errno));
    }
    std::filesystem::path made = pattern;
    try {
      check_directory(made);
    } catch (...) {
      std::filesystem::remove(made, error);
      throw;
    }
    return made;
  }

  static std::string random_token() {
    std::random_device random;
    const std::uint32_t value = random();
    std::string token(8, '0');
    for (std::size_t i = 0; i < token.size(); ++i) {
      token[i] = "0123456789abcdef"[(value >> (28 - 4 * i)) & 0xfu];
    }
    return token;
  }

  void remove_owned_directory() noexcept {
    if (!owned_) return;
    owned_ = false;
    std::error_code ignored;
    std::filesystem::remove_all(options_.directory, ignored);
  }

  HlsOptions options_;
  std::string token_;
  bool owned_ = false;
};

}  // namespace framepipe
