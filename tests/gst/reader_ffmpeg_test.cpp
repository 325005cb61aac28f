// Reader against files ffmpeg makes at test time, compared with what ffmpeg's own tools read:
// the presentation timeline (ffprobe's best_effort_timestamp) of MP4, MKV and WebM with B-frames.
// Without ffmpeg the whole file reports as skipped (exit code 77).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "framepipe/gst/reader.hpp"
#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"

using namespace framepipe;
using PF = PixelFormat;

namespace {

bool have_ffmpeg() {
  return std::system("ffmpeg -version >/dev/null 2>&1") == 0 &&
         std::system("ffprobe -version >/dev/null 2>&1") == 0;
}

using test::output_of;

/// Makes `file` with ffmpeg from 30 frames of its test source, encoded with `codec_args`.
void make_file(const std::filesystem::path& file, const std::string& codec_args) {
  (void)output_of(
      "ffmpeg -nostdin -v error -y -f lavfi -i testsrc=size=160x120:rate=30 "
      "-frames:v 30 " +
      codec_args + " \"" + file.string() + "\" 2>&1");
}

/// The first frame of `file` as ffmpeg decodes it into BGR24 (swscale with accurate rounding and
/// full chroma interpolation, within 1 level of the exact conversion).
std::vector<std::uint8_t> ffmpeg_bgr(const std::filesystem::path& file) {
  const std::string out =
      output_of("ffmpeg -nostdin -v error -i \"" + file.string() +
                "\" -frames:v 1 -sws_flags bicubic+accurate_rnd+full_chroma_int "
                "-f rawvideo -pix_fmt bgr24 -");
  return {out.begin(), out.end()};
}

/// The largest difference between `view` and the packed BGR24 picture `bgr` of the same size.
int max_difference(FrameView<PF::BGR24> view, const std::vector<std::uint8_t>& bgr) {
  const auto width = static_cast<std::size_t>(view.size().width);
  REQUIRE(bgr.size() == width * 3 * static_cast<std::size_t>(view.size().height));
  int worst = 0;
  for (int y = 0; y < view.size().height; ++y) {
    const std::uint8_t* row = view.row(0, y);
    for (std::size_t x = 0; x < width * 3; ++x) {
      const int d = std::abs(int{row[x]} - int{bgr[static_cast<std::size_t>(y) * width * 3 + x]});
      worst = std::max(worst, d);
    }
  }
  return worst;
}

/// ffprobe's best_effort_timestamp of each video frame of `file`, in nanoseconds.
std::vector<std::int64_t> ffprobe_times(const std::filesystem::path& file) {
  const std::string out = output_of(
      "ffprobe -v error -select_streams v -show_entries frame=best_effort_timestamp_time "
      "-of csv=p=0 \"" +
      file.string() + "\"");
  std::vector<std::int64_t> times;
  std::size_t at = 0;
  while (at < out.size()) {
    std::size_t end = out.find('\n', at);
    if (end == std::string::npos) end = out.size();
    const std::string line = out.substr(at, end - at);
    at = end + 1;
    if (line.empty() || line.find_first_of("0123456789") != 0) continue;  // side data lines
    times.push_back(std::llround(std::stod(line) * 1e9));
  }
  return times;
}

}  // namespace

TEST_CASE("ffmpeg and ffprobe are installed, else this test is skipped") {
  if (!have_ffmpeg()) {
    std::fprintf(stderr,
                 "reader_ffmpeg_test: SKIPPED: ffmpeg/ffprobe not found (scripts/install-deps.sh "
                 "--test installs them)\n");
    std::exit(77);
  }
}

TEST_CASE("Reader: frame times are the presentation timeline ffprobe shows (B-frames)") {
  test::TempDir dir("reader-timeline");
  struct Case {
    const char* name;
    const char* codec_args;
  };
  // libx264's defaults use B-frames: MP4 then carries an edit list that shifts the raw pts.
  const Case cases[] = {
      {"b.mp4", "-c:v libx264 -pix_fmt yuv420p"},
      {"b.mkv", "-c:v libx264 -pix_fmt yuv420p"},
      {"b.webm", "-c:v libvpx-vp9 -pix_fmt yuv420p"},
  };
  for (const Case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    const auto file = dir.path() / c.name;
    make_file(file, c.codec_args);
    const std::vector<std::int64_t> expected = ffprobe_times(file);
    REQUIRE(expected.size() == 30);
    Reader<PF::I420> reader{"filesrc location=\"" + file.string() + "\" ! decodebin"};
    std::vector<std::int64_t> got;
    while (auto frame = reader.read()) got.push_back(static_cast<std::int64_t>(frame->time().pts));
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CAPTURE(i);
      // ffprobe prints microseconds; Matroska and WebM store milliseconds.
      CHECK(std::llabs(got[i] - expected[i]) <= 1'000'000);
    }
  }
}

TEST_CASE("Reader: full-range H.264 in MP4 reads right when the caller states the range") {
  test::TempDir dir("reader-range");
  // A flat colour, BT.709 full range, tagged in the H.264 VUI and in MP4's colr box.
  const std::string source =
      "-f lavfi -i color=c=0x3070c0:size=64x48:rate=25 -frames:v 3 -colorspace bt709 "
      "-color_primaries bt709 -color_trc bt709 -color_range pc ";
  const auto mp4 = dir.path() / "full.mp4";
  const auto mkv = dir.path() / "full.mkv";
  (void)output_of("ffmpeg -nostdin -v error -y " + source +
                  "-c:v libx264 -qp 0 -pix_fmt yuvj420p \"" + mp4.string() + "\" 2>&1");
  (void)output_of("ffmpeg -nostdin -v error -y -i \"" + mp4.string() + "\" -c copy \"" +
                  mkv.string() + "\" 2>&1");
  const std::vector<std::uint8_t> expected = ffmpeg_bgr(mp4);
  const auto first_frame_error = [&](const std::filesystem::path& file, AppSinkSourceOptions o) {
    Reader<PF::BGR24> reader{"filesrc location=\"" + file.string() + "\" ! decodebin",
                             std::move(o)};
    auto frame = reader.read();
    REQUIRE(frame.has_value());
    return max_difference(frame->view(), expected);
  };
  const int mkv_error = first_frame_error(mkv, {});
  const int mp4_error = first_frame_error(mp4, {});
  const int mp4_stated = first_frame_error(mp4, {.range = Range::Full});
  MESSAGE("full range H.264, largest error: MKV " << mkv_error << ", MP4 " << mp4_error
                                                  << ", MP4 with .range = Full " << mp4_stated);
  // GStreamer 1.22's qtdemux reads the colr box without its range (mp4_error: 11 here), so
  // MP4 needs the caller's statement; Matroska keeps the range.
  CHECK(mkv_error <= 3);
  CHECK(mp4_stated <= 3);  // the caller's statement wins over qtdemux's caps
}
