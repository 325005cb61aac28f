// RGB readers keep 4:4:4 and 4:2:2 chroma: the path a Reader<BGR24> takes by what upstream gives
// (ReaderPath), checked against files ffmpeg makes at test time and ffmpeg's own decode of them;
// the colour rules (options, untagged as BT.601) on the full-chroma path; RGB upstream read as it
// is; attach mode keeps the unpacker and says what it loses. A case whose tool (ffmpeg, libx264,
// a GStreamer element) is missing reports skipped.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "framepipe/convert/unpackers.hpp"
#include "framepipe/gst/app_sink_source.hpp"
#include "framepipe/gst/reader.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"

using namespace framepipe;
using PF = PixelFormat;

namespace {

bool have_ffmpeg() { return std::system("ffmpeg -version >/dev/null 2>&1") == 0; }

bool have_libx264() {
  return std::system("ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libx264") == 0;
}

bool have_elements(std::initializer_list<const char*> names) {
  ensure_gstreamer_initialized();
  for (const char* name : names) {
    GstElementFactory* factory = gst_element_factory_find(name);
    if (factory == nullptr) return false;
    gst_object_unref(factory);
  }
  return true;
}

using test::output_of;

/// Makes `file` with ffmpeg: `frames` frames of testsrc2 (sharp colour edges) at `size`, with
/// `args` (codec, pixel format, colour tags).
void make_file(const std::filesystem::path& file, Size size, int frames, const std::string& args) {
  (void)output_of("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=" + to_string(size) +
                  ":rate=25 -frames:v " + std::to_string(frames) + " " + args + " \"" +
                  file.string() + "\" 2>&1");
}

/// Every frame of `file` as ffmpeg decodes it into packed BGR24 (swscale with accurate rounding,
/// chroma interpolated at full resolution), with `filter` (e.g. the matrix and range to read
/// with) and `flags` (-sws_flags).
std::string ffmpeg_bgr(const std::filesystem::path& file, const std::string& filter,
                       const std::string& flags = "bicubic+accurate_rnd+full_chroma_int") {
  return output_of("ffmpeg -nostdin -v error -i \"" + file.string() + "\" " +
                   (filter.empty() ? "" : "-vf " + filter + " ") + "-sws_flags " + flags +
                   " -f rawvideo -pix_fmt bgr24 -");
}

/// The largest difference between `view` and frame `index` of the packed BGR24 frames `bgr`.
int max_difference(FrameView<PF::BGR24> view, const std::string& bgr, std::size_t index) {
  const auto width = static_cast<std::size_t>(view.width());
  const auto height = static_cast<std::size_t>(view.height());
  const std::size_t frame_bytes = width * 3 * height;
  REQUIRE(bgr.size() >= (index + 1) * frame_bytes);
  const auto* frame = reinterpret_cast<const std::uint8_t*>(bgr.data()) + index * frame_bytes;
  int worst = 0;
  for (std::size_t y = 0; y < height; ++y) {
    const std::uint8_t* row = view.row(0, static_cast<int>(y));
    for (std::size_t x = 0; x < width * 3; ++x) {
      worst = std::max(worst, std::abs(int{row[x]} - int{frame[y * width * 3 + x]}));
    }
  }
  return worst;
}

/// Reads `description` with `options` and returns the largest difference of any frame from
/// ffmpeg's frames `expected`; REQUIREs the path and as many frames as ffmpeg gave.
int read_error(const std::string& description, AppSinkSourceOptions options, ReaderPath path,
               const std::string& expected) {
  Reader<PF::BGR24> reader{description, std::move(options)};
  REQUIRE(reader.path() == path);
  const auto frame_bytes = static_cast<std::size_t>(reader.spec().size.width) * 3 *
                           static_cast<std::size_t>(reader.spec().size.height);
  std::size_t frames = 0;
  int worst = 0;
  while (auto frame = reader.read()) {
    worst = std::max(worst, max_difference(frame->view(), expected, frames));
    ++frames;
  }
  CHECK(frames * frame_bytes == expected.size());
  return worst;
}

/// Warnings through on_log, kept.
struct Warnings {
  std::vector<std::string> lines;
  AppSinkSourceOptions options() {
    return {.on_log = [this](LogLevel level, const std::string& line) {
      if (level == LogLevel::Warning) lines.push_back(line);
    }};
  }
};

}  // namespace

TEST_CASE("Reader<BGR24>: lossless 4:4:4 H.264 reads at full chroma, as ffmpeg decodes it") {
  if (!have_ffmpeg() || !have_libx264()) FRAMEPIPE_SKIP_CASE("ffmpeg with libx264 not found");
  if (!have_elements({"avdec_h264", "matroskademux", "capssetter"})) {
    FRAMEPIPE_SKIP_CASE("avdec_h264, matroskademux or capssetter not found");
  }
  test::TempDir dir("reader-chroma");
  const auto file = dir / "444.mkv";
  // 162 wide: GStreamer pads each BGR row to 4 bytes (486 -> 488).
  make_file(file, {162, 120}, 3,
            "-c:v libx264 -qp 0 -pix_fmt yuv444p -colorspace bt709 -color_primaries bt709 "
            "-color_trc bt709 -color_range tv");
  const std::string description = "filesrc location=\"" + file.string() + "\" ! decodebin";
  Warnings warnings;
  Reader<PF::BGR24> reader{description, warnings.options()};
  CHECK(reader.path() == ReaderPath::FullChroma);
  CHECK(reader.upstream_caps().find("Y444") != std::string::npos);
  CHECK(reader.caps().find("BGR") != std::string::npos);
  CHECK(reader.converting());
  CHECK(reader.spec().format == PF::BGR24);
  CHECK(reader.spec().size == Size{162, 120});
  CHECK_FALSE(reader.spec().color.has_value());  // RGB output states no matrix
  CHECK(reader.source_spec().format == PF::BGR24);
  REQUIRE(reader.source_spec().color.has_value());
  CHECK(*reader.source_spec().color == ColorSpec{Matrix::BT709, Range::Limited});
  CHECK(warnings.lines.empty());  // nothing is lost, nothing is said
  reader.close();
  // ffmpeg told the same matrix and range explicitly (it follows the H.264 VUI anyway).
  const std::string expected = ffmpeg_bgr(file, "scale=in_color_matrix=bt709:in_range=tv");
  const int error = read_error(description, {}, ReaderPath::FullChroma, expected);
  MESSAGE("4:4:4 H.264, largest difference from ffmpeg: " << error);
  // 2 measured (ffmpeg's accurate decode is itself within 1 of exact; straight to 8-bit RGB,
  // without the Reader's 16-bit step, videoconvert is 6 off). Through I420 and the unpacker
  // (chroma halved, before) it was 158 at the colour edges.
  CHECK(error <= 3);
}

TEST_CASE("Reader<BGR24>: 4:2:2 MJPEG (full range) reads at full chroma, as ffmpeg decodes it") {
  if (!have_ffmpeg()) FRAMEPIPE_SKIP_CASE("ffmpeg not found");
  // avdec_mjpeg, named: jpegdec, which decodebin picks, gives I420 for a 4:2:2 JPEG itself.
  if (!have_elements({"avdec_mjpeg", "avidemux", "capssetter"})) {
    FRAMEPIPE_SKIP_CASE("avdec_mjpeg, avidemux or capssetter not found");
  }
  test::TempDir dir("reader-chroma");
  const auto file = dir / "422.avi";
  make_file(file, {160, 120}, 3, "-c:v mjpeg -q:v 1 -pix_fmt yuvj422p -color_range pc");
  const std::string description =
      "filesrc location=\"" + file.string() + "\" ! avidemux ! avdec_mjpeg";
  {
    Reader<PF::BGR24> reader{description};
    CHECK(reader.path() == ReaderPath::FullChroma);
    CHECK(reader.upstream_caps().find("Y42B") != std::string::npos);
    REQUIRE(reader.source_spec().color.has_value());
    CHECK(*reader.source_spec().color == ColorSpec{Matrix::BT601, Range::Full});
  }
  // videoconvert interpolates the chroma linearly; so does swscale with `bilinear` (bicubic, a
  // filter of its own, differs by tens of levels at the edges).
  const std::string expected = ffmpeg_bgr(file, "scale=in_color_matrix=bt601:in_range=pc",
                                          "bilinear+accurate_rnd+full_chroma_int");
  const int error = read_error(description, {}, ReaderPath::FullChroma, expected);
  MESSAGE("4:2:2 MJPEG, largest difference from ffmpeg: " << error);
  CHECK(error <= 3);  // 2 measured; through I420 and the unpacker (before) it was 119
}

TEST_CASE("Reader<BGR24>: 4:2:0 takes the unpacker path, and reads what the unpacker makes") {
  if (!have_ffmpeg() || !have_libx264()) FRAMEPIPE_SKIP_CASE("ffmpeg with libx264 not found");
  if (!have_elements({"avdec_h264", "matroskademux"})) {
    FRAMEPIPE_SKIP_CASE("avdec_h264 or matroskademux not found");
  }
  test::TempDir dir("reader-chroma");
  const auto file = dir / "420.mkv";
  make_file(file, {160, 120}, 3,
            "-c:v libx264 -qp 0 -pix_fmt yuv420p -colorspace bt709 -color_primaries bt709 "
            "-color_trc bt709 -color_range tv");
  const std::string description = "filesrc location=\"" + file.string() + "\" ! decodebin";
  Warnings warnings;
  Reader<PF::BGR24> reader{description, warnings.options()};
  CHECK(reader.path() == ReaderPath::Unpacker);
  CHECK(reader.source_spec().format == PF::I420);
  CHECK_FALSE(reader.converting());
  CHECK(reader.upstream_caps() == reader.caps());
  REQUIRE(reader.source_spec().color.has_value());
  CHECK(*reader.source_spec().color == ColorSpec{Matrix::BT709, Range::Limited});
  Reader<PF::I420> yuv{description};
  CHECK(yuv.path() == ReaderPath::Direct);
  Bgr24Unpacker unpacker;
  unpacker.start(yuv.source_spec());
  Frame<PF::BGR24> expected(reader.spec().size);
  int frames = 0;
  while (auto frame = reader.read()) {
    auto in = yuv.read();
    REQUIRE(in.has_value());
    unpacker.convert(in->view(), expected.view());
    for (int y = 0; y < expected.view().height(); ++y) {
      REQUIRE(std::equal(expected.view().row(0, y), expected.view().row(0, y) + 160 * 3,
                         frame->view().row(0, y)));
    }
    ++frames;
  }
  CHECK(frames == 3);
  CHECK(warnings.lines.empty());
}

TEST_CASE("Reader<BGR24>: on the full-chroma path the colour rules hold (options, untagged)") {
  if (!have_ffmpeg() || !have_libx264()) FRAMEPIPE_SKIP_CASE("ffmpeg with libx264 not found");
  if (!have_elements({"avdec_h264", "matroskademux", "capssetter", "y4mdec"})) {
    FRAMEPIPE_SKIP_CASE("avdec_h264, matroskademux, capssetter or y4mdec not found");
  }
  test::TempDir dir("reader-chroma");
  const auto file = dir / "444.mkv";
  make_file(file, {160, 120}, 2,
            "-c:v libx264 -qp 0 -pix_fmt yuv444p -colorspace bt709 -color_primaries bt709 "
            "-color_trc bt709 -color_range tv");
  const std::string description = "filesrc location=\"" + file.string() + "\" ! decodebin";
  struct Case {
    const char* name;
    AppSinkSourceOptions options;
    ColorSpec color;
    const char* ffmpeg_filter;
  };
  const Case cases[] = {
      {"the caps' BT.709 limited",
       {},
       {Matrix::BT709, Range::Limited},
       "scale=in_color_matrix=bt709:in_range=tv"},
      {".matrix = BT601",
       {.matrix = Matrix::BT601},
       {Matrix::BT601, Range::Limited},
       "scale=in_color_matrix=bt601:in_range=tv"},
      {".range = Full",
       {.range = Range::Full},
       {Matrix::BT709, Range::Full},
       "scale=in_color_matrix=bt709:in_range=pc"},
  };
  for (const Case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    {
      Reader<PF::BGR24> reader{description, c.options};
      REQUIRE(reader.source_spec().color.has_value());
      CHECK(*reader.source_spec().color == c.color);
    }
    const int error = read_error(description, c.options, ReaderPath::FullChroma,
                                 ffmpeg_bgr(file, c.ffmpeg_filter));
    MESSAGE(name << ": largest difference from ffmpeg " << error);
    CHECK(error <= 3);  // 1-2 measured; the wrong matrix or range is 20-44 off
  }
  // Untagged HD y4m: y4mdec states its guess by size, BT.709; the Reader reads BT.601, as ffmpeg.
  const auto y4m = dir / "hd444.y4m";
  make_file(y4m, {1280, 720}, 1, "-pix_fmt yuv444p");
  const std::string y4m_description = "filesrc location=\"" + y4m.string() + "\" ! y4mdec";
  {
    Reader<PF::BGR24> reader{y4m_description};
    CHECK(reader.upstream_caps().find("bt709") != std::string::npos);  // the guess
    REQUIRE(reader.source_spec().color.has_value());
    CHECK(reader.source_spec().color->matrix == Matrix::BT601);
  }
  const int untagged = read_error(y4m_description, {}, ReaderPath::FullChroma, ffmpeg_bgr(y4m, ""));
  MESSAGE("untagged HD 4:4:4 y4m: largest difference from ffmpeg " << untagged);
  CHECK(untagged <= 3);  // 2 measured; read as y4mdec's BT.709 guess it is 44 off (151 before)
}

TEST_CASE("Reader<RGB>: RGB upstream is read as it is, with no Y'CbCr on the way") {
  for (const char* format : {"BGR", "RGBA", "xRGB"}) {
    CAPTURE(format);
    const std::string description =
        "videotestsrc num-buffers=2 pattern=smpte ! video/x-raw,format=" + std::string(format) +
        ",width=33,height=17";
    AppSinkSource<PF::BGR24> direct{description};  // what videotestsrc drew, in BGR
    direct.start();
    Reader<PF::BGR24> reader{description};
    CHECK(reader.path() == ReaderPath::FullChroma);
    CHECK(reader.converting() == (std::string(format) != "BGR"));
    CHECK_FALSE(reader.source_spec().color.has_value());
    int frames = 0;
    while (auto frame = reader.read()) {
      auto expected = direct.next();
      REQUIRE(expected.has_value());
      for (int y = 0; y < 17; ++y) {
        REQUIRE(std::equal(frame->view().row(0, y), frame->view().row(0, y) + 33 * 3,
                           expected->view().row(0, y)));
      }
      ++frames;
    }
    CHECK(frames == 2);
  }
  Reader<PF::RGBA32> rgba{"videotestsrc num-buffers=1 pattern=red ! video/x-raw,format=BGRx"};
  CHECK(rgba.path() == ReaderPath::FullChroma);
  auto frame = rgba.read();
  REQUIRE(frame.has_value());
  const std::uint8_t* p = frame->view().row(0, 10) + 4 * 10;
  CHECK((p[0] == 255 && p[1] == 0 && p[2] == 0 && p[3] == 255));
}

TEST_CASE("Reader<BGR24>: attach mode keeps the unpacker; a description reads at full chroma") {
  const std::string y444 =
      "videotestsrc num-buffers=2 ! video/x-raw,format=Y444,width=64,height=48";
  GError* error = nullptr;
  ElementRef pipeline = ElementRef::adopt(gst_parse_launch(
      (y444 + " ! videoconvert ! appsink name=framepipe_sink caps=video/x-raw,format=I420").c_str(),
      &error));
  REQUIRE(error == nullptr);
  // The caller's pipeline, whose own videoconvert halves the chroma: the Reader cannot rebuild
  // it, so it reads the I420 it is given.
  Reader<PF::BGR24> attached{pipeline};
  CHECK(attached.path() == ReaderPath::Unpacker);
  CHECK(attached.source_spec().format == PF::I420);
  int frames = 0;
  while (attached.read()) ++frames;
  CHECK(frames == 2);
  // In a description, the same upstream reads at full chroma, and nothing is said.
  if (!have_elements({"capssetter"})) FRAMEPIPE_SKIP_CASE("capssetter not found");
  Warnings warnings;
  Reader<PF::BGR24> described{y444, warnings.options()};
  CHECK(described.path() == ReaderPath::FullChroma);
  CHECK(described.upstream_caps().find("Y444") != std::string::npos);
  CHECK(warnings.lines.empty());
  frames = 0;
  while (described.read()) ++frames;
  CHECK(frames == 2);
}
