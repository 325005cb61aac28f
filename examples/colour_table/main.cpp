// Measures how real decoders show framepipe's colours: writes colour bars through each file path
// the README and the examples use (VP8/WebM, x264 in MP4 and Matroska, raw I420 in Matroska, y4m,
// FFV1), at SD and HD, in each matrix and range, then decodes every file with ffmpeg, GStreamer
// (decodebin) and OpenCV's VideoCapture, and prints a Markdown table of the colour errors.
// docs/colour.md holds its output and the defaults chosen from it.
//
//   colour_table [--quick] [--only PATH] [--keep DIR]
//
// --quick: 640x480, BT.601 and BT.709 limited only. --only: the paths whose name contains PATH
// (e.g. "VP8"). --keep: write the files into DIR and leave them there.
//
// Each cell is the largest error, in 8-bit levels over B, G and R, of the mean colour inside each
// of the 8 bars (a 16-pixel margin away from every edge, so chroma subsampling and coding noise at
// the bar edges do not count): what a viewer sees as "the colour is off". "-" means that decoder
// could not open the file; a missing encoder or decoder skips the row or column, and says so.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <framepipe/framepipe.hpp>
#include <opencv2/videoio.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bars.hpp"

namespace {

using namespace framepipe;

using colour_bars::draw_bars;
using colour_bars::kBars;
using colour_bars::kMargin;

// The frame measured is the last one: a lossy encoder's first frames are coarser (VP8 at its
// default bitrate misses flat colours by up to 15 levels in its first HD frame).
constexpr int kFrames = 30;

/// A decoded frame: packed BGR, `width * 3` bytes a row.
struct Bgr {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> data;
};

/// Largest error of the bars' mean colours; nullopt when the frame has the wrong size.
std::optional<double> bar_error(const Bgr& f, Size size) {
  if (f.width != size.width || f.height != size.height) return std::nullopt;
  double worst = 0;
  for (int bar = 0; bar < 8; ++bar) {
    const int x0 = (bar * f.width + 7) / 8 + kMargin;
    const int x1 = ((bar + 1) * f.width + 7) / 8 - kMargin;
    std::array<double, 3> sum{};
    long n = 0;
    for (int y = kMargin; y < f.height - kMargin; ++y) {
      const std::uint8_t* row = f.data.data() + static_cast<std::size_t>(y) * f.width * 3;
      for (int x = x0; x < x1; ++x, ++n) {
        for (int c = 0; c < 3; ++c) sum[static_cast<std::size_t>(c)] += row[3 * x + c];
      }
    }
    for (std::size_t c = 0; c < 3; ++c) {
      worst = std::max(worst, std::abs(sum[c] / static_cast<double>(n) -
                                       kBars[static_cast<std::size_t>(bar)][c]));
    }
  }
  return worst;
}

std::string run_capture(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    pclose(p);
  }
  return out;
}

bool have_program(const char* name) {
  return std::system(("command -v " + std::string(name) + " >/dev/null 2>&1").c_str()) == 0;
}

// ---- decoders -----------------------------------------------------------------------------------

std::optional<Bgr> decode_ffmpeg(const std::string& file, Size size) {
  const std::string data = run_capture("ffmpeg -nostdin -v error -i '" + file +
                                       "' -vf 'select=eq(n\\," + std::to_string(kFrames - 1) +
                                       ")' -frames:v 1 -f rawvideo -pix_fmt bgr24 - 2>/dev/null");
  if (data.size() != static_cast<std::size_t>(size.width) * size.height * 3) return std::nullopt;
  return Bgr{size.width, size.height, {data.begin(), data.end()}};
}

/// What ffprobe reads from the file: "matrix/range" (or "unknown").
std::string ffprobe_tags(const std::string& file) {
  std::string s = run_capture(
      "ffprobe -v error -select_streams v:0 -show_entries stream=color_space,color_range "
      "-of default=nw=1:nk=1 '" +
      file + "' 2>/dev/null");
  std::replace(s.begin(), s.end(), '\n', '/');
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s.empty() ? "?" : s;
}

std::optional<Bgr> decode_gst(const std::string& file, const char* convert) {
  const std::string description = "filesrc location=\"" + file + "\" ! decodebin ! " + convert +
                                  " ! video/x-raw,format=BGR ! appsink name=out sync=false";
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
  if (error != nullptr) {
    g_error_free(error);
    if (pipeline != nullptr) gst_object_unref(pipeline);
    return std::nullopt;
  }
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  std::optional<Bgr> result;
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE) {
    GstSample* sample = nullptr;
    while (GstSample* next = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 30 * GST_SECOND)) {
      if (sample != nullptr) gst_sample_unref(sample);
      sample = next;
    }
    if (sample != nullptr) {
      GstVideoInfo info;
      GstVideoFrame frame;
      if (gst_video_info_from_caps(&info, gst_sample_get_caps(sample)) &&
          gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample), GST_MAP_READ)) {
        Bgr bgr{static_cast<int>(GST_VIDEO_INFO_WIDTH(&info)),
                static_cast<int>(GST_VIDEO_INFO_HEIGHT(&info)),
                {}};
        bgr.data.resize(static_cast<std::size_t>(bgr.width) * bgr.height * 3);
        const auto* src = static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
        const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
        for (int y = 0; y < bgr.height; ++y) {
          std::memcpy(bgr.data.data() + static_cast<std::size_t>(y) * bgr.width * 3,
                      src + static_cast<std::ptrdiff_t>(y) * stride,
                      static_cast<std::size_t>(bgr.width) * 3);
        }
        gst_video_frame_unmap(&frame);
        result = std::move(bgr);
      }
      gst_sample_unref(sample);
    }
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return result;
}

std::optional<Bgr> decode_opencv(const std::string& file, int backend) {
  cv::VideoCapture capture(file, backend);
  cv::Mat mat;
  if (!capture.isOpened()) return std::nullopt;
  for (cv::Mat next; capture.read(next);) mat = next.clone();
  if (mat.empty() || mat.type() != CV_8UC3) return std::nullopt;
  if (!mat.isContinuous()) mat = mat.clone();
  return Bgr{mat.cols, mat.rows, {mat.data, mat.data + mat.total() * 3}};
}

// ---- encoders -----------------------------------------------------------------------------------

struct FilePath {
  const char* name;
  const char* extension;
  const char* downstream;  ///< gst-launch description; the file name is appended
  std::vector<const char*> elements;
};

// x264enc gets tune=zerolatency: at its defaults it holds more frames than the sink's pool
// (issue 11, item 1); the tuning changes nothing about colour.
const std::vector<FilePath> kPaths{
    {"VP8 / WebM",
     "webm",
     "videoconvert ! vp8enc deadline=1 ! webmmux ! filesink location=",
     {"vp8enc", "webmmux"}},
    // text_clock's default output at 1080p30 (examples/text_clock/default_output.hpp).
    {"VP8 / WebM 2 Mbit/s",
     "webm",
     "videoconvert ! vp8enc deadline=1 target-bitrate=2000000 ! webmmux ! filesink location=",
     {"vp8enc", "webmmux"}},
    {"x264 / MP4",
     "mp4",
     "videoconvert ! x264enc tune=zerolatency ! mp4mux ! filesink location=",
     {"x264enc", "mp4mux"}},
    {"x264 / MKV",
     "mkv",
     "videoconvert ! x264enc tune=zerolatency ! matroskamux ! filesink location=",
     {"x264enc", "matroskamux"}},
    {"raw I420 / MKV", "mkv", "matroskamux ! filesink location=", {"matroskamux"}},
    {"y4m", "y4m", "y4menc ! filesink location=", {"y4menc"}},
    {"FFV1 / MKV",
     "mkv",
     "avenc_ffv1 ! matroskamux ! filesink location=",
     {"avenc_ffv1", "matroskamux"}},
};

bool have_elements(const FilePath& path) {
  for (const char* e : path.elements) {
    GstElementFactory* f = gst_element_factory_find(e);
    if (f == nullptr) return false;
    gst_object_unref(f);
  }
  return true;
}

void write_bars(const std::string& file, const FilePath& path, Size size, PackerOptions options) {
  Pipeline pipeline{FunctionGenerator<PixelFormat::BGR24>{
                        {.size = {size.width, size.height}},
                        [](FrameView<PixelFormat::BGR24> f, const FrameTime&) { draw_bars(f); }},
                    I420Packer{options},
                    AppSrcSink{std::string(path.downstream) + "\"" + file + "\""}};
  pipeline.run({.frames = kFrames, .fps = {30, 1}});
}

std::string cell(const std::optional<Bgr>& frame, Size size) {
  if (!frame) return "-";
  const std::optional<double> e = bar_error(*frame, size);
  if (!e) return "size?";
  char text[16];
  std::snprintf(text, sizeof text, "%.0f", *e);
  return *e > 3.5 ? "**" + std::string(text) + "**" : std::string(text);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string keep;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--keep" && i + 1 < argc) {
      keep = argv[++i];
    } else if (arg == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else {
      std::fprintf(stderr, "usage: colour_table [--quick] [--only PATH] [--keep DIR]\n");
      return 2;
    }
  }
  setenv("OPENCV_LOG_LEVEL", "ERROR", 0);  // OpenCV's GStreamer backend warns about every file
  gst_init(nullptr, nullptr);
  const bool ffmpeg = have_program("ffmpeg") && have_program("ffprobe");
  if (!ffmpeg)
    std::fprintf(stderr, "colour_table: ffmpeg/ffprobe not found: those columns say -\n");

  namespace fs = std::filesystem;
  const fs::path dir =
      keep.empty() ? fs::temp_directory_path() / "framepipe-colour-table" : fs::path(keep);
  fs::create_directories(dir);

  struct Spec {
    std::optional<Matrix> matrix;
    Range range;
  };
  std::vector<Spec> specs{{Matrix::BT601, Range::Limited},
                          {Matrix::BT601, Range::Full},
                          {Matrix::BT709, Range::Limited},
                          {Matrix::BT709, Range::Full},
                          {Matrix::BT2020, Range::Limited}};
  std::vector<Size> sizes{{640, 480}, {1920, 1080}};
  if (quick) {
    specs = {{Matrix::BT601, Range::Limited}, {Matrix::BT709, Range::Limited}};
    sizes = {{640, 480}};
  }

  std::printf(
      "| path | size | written as | ffprobe reads | ffmpeg | GStreamer (16-bit) | "
      "GStreamer (videoconvert) | OpenCV (FFmpeg) | OpenCV (GStreamer) |\n"
      "|---|---|---|---|---:|---:|---:|---:|---:|\n");
  std::fflush(stdout);
  for (const FilePath& path : kPaths) {
    if (std::string_view(path.name).find(only) == std::string_view::npos) continue;
    if (!have_elements(path)) {
      std::fprintf(stderr, "colour_table: skipping %s (missing GStreamer elements)\n", path.name);
      continue;
    }
    for (const Size size : sizes) {
      for (const Spec& spec : specs) {
        const PackerOptions options{.matrix = spec.matrix, .range = spec.range};
        const ColorSpec color = I420Packer{options}.color_spec(size);
        std::string base = std::string(path.name) + "-" + std::to_string(size.height) + "-" +
                           std::string(matrix_name(color.matrix)) + "-" +
                           std::string(range_name(color.range));
        std::replace_if(
            base.begin(), base.end(), [](char c) { return c == ' ' || c == '/'; }, '_');
        const std::string file = (dir / (base + "." + path.extension)).string();
        try {
          write_bars(file, path, size, options);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "colour_table: %s: %s\n", file.c_str(), e.what());
          continue;
        }
        std::printf("| %s | %dx%d | %s %s | %s | %s | %s | %s | %s | %s |\n", path.name, size.width,
                    size.height, std::string(matrix_name(color.matrix)).c_str(),
                    std::string(range_name(color.range)).c_str(),
                    ffmpeg ? ffprobe_tags(file).c_str() : "-",
                    ffmpeg ? cell(decode_ffmpeg(file, size), size).c_str() : "-",
                    cell(decode_gst(file,
                                    "videoconvert ! video/x-raw,format=Y444_16LE ! "
                                    "videoconvert dither=none"),
                         size)
                        .c_str(),
                    cell(decode_gst(file, "videoconvert"), size).c_str(),
                    cell(decode_opencv(file, cv::CAP_FFMPEG), size).c_str(),
                    cell(decode_opencv(file, cv::CAP_GSTREAMER), size).c_str());
        std::fflush(stdout);
        if (keep.empty()) fs::remove(file);
      }
    }
  }
  return 0;
}
