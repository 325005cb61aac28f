// The README's examples decode to the colours they were drawn in, in ffmpeg -- a decoder nobody
// here wrote -- and in GStreamer: flat 75% colour bars written with the default I420Packer
// through text_clock's default output (VP8 in WebM) and through the README's Writer example,
// at SD and HD, and the clock itself. docs/colour.md has the full decode table and the reasons
// for the defaults. Without ffmpeg the whole test reports as skipped (exit code 77).
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../../examples/colour_table/bars.hpp"
#include "../../examples/text_clock/default_output.hpp"
#include "framepipe/framepipe.hpp"
#include "support/gst_test_support.hpp"

namespace {

using namespace framepipe;

using colour_bars::draw_bars;
using colour_bars::kBars;
using colour_bars::kMargin;

constexpr int kMaxLevels = 3;

/// A packed BGR picture as a decoder returned it.
struct Picture {
  Size size;
  std::vector<std::uint8_t> bgr;
  const std::uint8_t* at(int x, int y) const {
    return bgr.data() + (static_cast<std::size_t>(y) * static_cast<std::size_t>(size.width) +
                         static_cast<std::size_t>(x)) *
                            3;
  }
};

bool have_ffmpeg() { return std::system("ffmpeg -version >/dev/null 2>&1") == 0; }

/// Frame `index` of `file`, decoded and converted to BGR by the ffmpeg command-line tool.
Picture decode_with_ffmpeg(const std::filesystem::path& file, Size size, int index) {
  const std::string command = "ffmpeg -nostdin -v error -i \"" + file.string() +
                              "\" -vf \"select=eq(n\\," + std::to_string(index) +
                              ")\" -frames:v 1 -f rawvideo -pix_fmt bgr24 - 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  Picture picture{size, {}};
  picture.bgr.resize(static_cast<std::size_t>(size.width) * static_cast<std::size_t>(size.height) *
                     3);
  const std::size_t got = std::fread(picture.bgr.data(), 1, picture.bgr.size(), pipe);
  const int status = pclose(pipe);
  INFO(command);
  REQUIRE(status == 0);
  REQUIRE(got == picture.bgr.size());
  return picture;
}

/// The last frame of `file` through `decodebin` and videoconvert's 16-bit path: its 8-bit
/// I420 -> RGB fast path alone is 2-4 levels off whatever the file says (docs/colour.md).
Picture decode_with_gstreamer(const std::filesystem::path& file) {
  ensure_gstreamer_initialized();
  GError* raw_error = nullptr;
  GstElement* parsed = gst_parse_launch(
      "filesrc name=src ! decodebin ! videoconvert ! video/x-raw,format=Y444_16LE ! "
      "videoconvert dither=none ! video/x-raw,format=BGR ! appsink name=out sync=false",
      &raw_error);
  const detail::GErrorPtr error(raw_error);
  if (parsed != nullptr) gst_object_ref_sink(parsed);
  const detail::ElementPtr pipeline(parsed);
  REQUIRE_MESSAGE(!error, error->message);
  REQUIRE(pipeline);
  const detail::ElementPtr src(gst_bin_get_by_name(GST_BIN(pipeline.get()), "src"));
  const detail::ElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline.get()), "out"));
  g_object_set(src.get(), "location", file.c_str(), nullptr);
  REQUIRE(gst_element_set_state(pipeline.get(), GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  detail::SamplePtr last;
  // Each pull waits at most 10 s; a file ends in EOS, which returns nullptr at once.
  while (detail::SamplePtr next{gst_app_sink_try_pull_sample(
      GST_APP_SINK(sink.get()), test::to_clock_time(test::kPullTimeout))}) {
    last = std::move(next);
  }
  const bool eos = gst_app_sink_is_eos(GST_APP_SINK(sink.get()));
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  REQUIRE_MESSAGE(eos, "no EOS from " << file.string());
  REQUIRE(last);
  const auto frame = test::frame_from_sample<PixelFormat::BGR24>(last.get());
  Picture picture{frame.size(), {}};
  for (int y = 0; y < frame.height(); ++y) {
    const std::uint8_t* row = frame.view().row(0, y);
    picture.bgr.insert(picture.bgr.end(), row, row + 3 * frame.width());
  }
  return picture;
}

/// Largest difference, in levels over B, G and R, between a bar's mean decoded colour (away from
/// its edges) and the colour drawn.
double bar_error(const Picture& p) {
  double worst = 0;
  for (int bar = 0; bar < 8; ++bar) {
    const int x0 = (bar * p.size.width + 7) / 8 + kMargin;
    const int x1 = ((bar + 1) * p.size.width + 7) / 8 - kMargin;
    std::array<double, 3> sum{};
    double n = 0;
    for (int y = kMargin; y < p.size.height - kMargin; ++y) {
      for (int x = x0; x < x1; ++x, ++n) {
        for (std::size_t c = 0; c < 3; ++c) sum[c] += p.at(x, y)[c];
      }
    }
    for (std::size_t c = 0; c < 3; ++c) {
      worst = std::max(worst, std::abs(sum[c] / n - kBars[static_cast<std::size_t>(bar)][c]));
    }
  }
  return worst;
}

constexpr int kFrames = 30;

/// Writes kFrames of bars to `file` through text_clock's default output, with the default
/// I420Packer.
void write_bars_pipeline(const std::filesystem::path& file, Size size) {
  Pipeline pipeline{FunctionGenerator<PixelFormat::BGR24>{
                        {.size = {size.width, size.height}},
                        [](FrameView<PixelFormat::BGR24> f, const FrameTime&) { draw_bars(f); }},
                    I420Packer{},
                    AppSrcSink{text_clock::default_output(file.string(), size, {30, 1})}};
  REQUIRE(pipeline.run({.frames = kFrames, .fps = {30, 1}}).frames == kFrames);
}

void check_bars(const std::filesystem::path& file, Size size) {
  CAPTURE(size.width);
  CAPTURE(size.height);
  CAPTURE(matrix_name(I420Packer{}.color_spec(size).matrix));
  // The first frames of a lossy encoder are coarser; a viewer sees the stream settle.
  const double ffmpeg_error = bar_error(decode_with_ffmpeg(file, size, kFrames - 1));
  const double gst_error = bar_error(decode_with_gstreamer(file));
  INFO("ffmpeg: " << ffmpeg_error << " levels, GStreamer: " << gst_error << " levels");
  CHECK(ffmpeg_error <= kMaxLevels);
  CHECK(gst_error <= kMaxLevels);
}

}  // namespace

TEST_CASE("ffmpeg is installed, else this test is skipped") {
  if (!have_ffmpeg()) {
    std::fprintf(stderr,
                 "decode_colour_test: SKIPPED: ffmpeg not found (scripts/install-deps.sh --test "
                 "installs it)\n");
    std::exit(77);
  }
}

TEST_CASE("text_clock's default output (VP8 in WebM) shows the right colours at SD and HD") {
  test::TempDir dir("decode-colour");
  for (const Size size : {Size{320, 240}, Size{640, 480}, Size{1280, 720}, Size{1920, 1080}}) {
    const auto file = dir / ("bars-" + std::to_string(size.height) + ".webm");
    write_bars_pipeline(file, size);
    check_bars(file, size);
  }
}

// The README's Writer example at 1080p, with text_clock's VP8 bitrate for that size (2 Mbit/s):
// vp8enc's own default of 256 kbit/s misses flat colours by 7 levels at 1080p, in every decoder.
TEST_CASE("the README's Writer example (1080p WebM) shows the right colours") {
  test::TempDir dir("decode-colour");
  const auto file = dir / "out.webm";
  const Size size{1920, 1080};
  {
    Writer<PixelFormat::BGR24, I420Packer, AppSrcSink> writer{
        {.size = size, .fps = {30, 1}},
        I420Packer{},
        AppSrcSink{text_clock::default_output(file.string(), size, {30, 1})}};
    Frame<PixelFormat::BGR24> frame(size);
    draw_bars(frame.view());
    for (int i = 0; i < kFrames; ++i) writer.write(frame.view());
    REQUIRE(writer.close().frames == kFrames);
  }
  check_bars(file, size);
}

TEST_CASE("the README's clock: black stays black and its yellow stays yellow in ffmpeg, SD, HD") {
  test::TempDir dir("decode-colour");
  for (const Size size : {Size{320, 240}, Size{1920, 1080}}) {
    CAPTURE(size.height);
    const auto file = dir / ("clock-" + std::to_string(size.height) + ".webm");
    {
      Pipeline pipeline{TextClockGenerator{{.size = size}}, I420Packer{},
                        AppSrcSink{text_clock::default_output(file.string(), size, {30, 1})}};
      pipeline.run({.frames = kFrames, .fps = {30, 1}});
    }
    const Picture p = decode_with_ffmpeg(file, size, kFrames - 1);
    int darkest_corner = 0;
    int brightest = 0;
    for (int y = 0; y < size.height; ++y) {
      for (int x = 0; x < size.width; ++x) {
        const bool corner = (x < size.width / 8 || x >= size.width * 7 / 8) &&
                            (y < size.height / 8 || y >= size.height * 7 / 8);
        for (int c = 0; c < 3; ++c) {
          if (corner) darkest_corner = std::max<int>(darkest_corner, p.at(x, y)[c]);
          brightest = std::max<int>(brightest, p.at(x, y)[c]);
        }
      }
    }
    CHECK(darkest_corner <= kMaxLevels);   // black (0) background
    CHECK(brightest >= 255 - kMaxLevels);  // the yellow text's core (red and green 255)
  }
}
