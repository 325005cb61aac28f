// Reader against real GStreamer: files written by Writer read back (count, order, exact pts,
// colours), SMPTE bars in BT.601/BT.709 limited/full, zero copy, converters, attach mode, the end
// of the stream, and a reader destroyed mid-stream.
#include "framepipe/gst/reader.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <opencv2/core.hpp>
#include <string>
#include <thread>
#include <vector>

#include "framepipe/convert/function_converter.hpp"
#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/core/pipeline.hpp"
#include "framepipe/core/writer.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/opencv/mat_view.hpp"
#include "framepipe/sinks/null_sink.hpp"
#include "support/gst_test_support.hpp"

using namespace framepipe;
using PF = PixelFormat;
using namespace std::chrono_literals;

namespace {

/// The flat colour of frame `i` of the round-trip files (B, G, R), away from clipping.
cv::Vec3b colour_of(std::uint64_t i) {
  return {static_cast<std::uint8_t>(40 + 9 * i), static_cast<std::uint8_t>(200 - 7 * i),
          static_cast<std::uint8_t>(90 + 5 * i)};
}

/// Writes `frames` flat frames (colour_of(i)) at 25 fps through Writer into `downstream`.
void write_file(const std::string& downstream, Size size, std::uint64_t frames) {
  Writer<PF::BGR24, I420Packer, AppSrcSink> writer{
      {.size = size, .fps = {25, 1}}, I420Packer{}, AppSrcSink{downstream}};
  cv::Mat frame(size.height, size.width, CV_8UC3);
  for (std::uint64_t i = 0; i < frames; ++i) {
    frame.setTo(colour_of(i));
    writer.write(view_of<PF::BGR24>(frame));
  }
  writer.close();
}

/// The largest difference between any pixel of `v` and `expected`, over all channels.
int max_error(FrameView<PF::BGR24> v, cv::Vec3b expected) {
  int worst = 0;
  const cv::Mat m = mat_of(v);
  for (int y = 0; y < m.rows; ++y) {
    for (int x = 0; x < m.cols; ++x) {
      const cv::Vec3b p = m.at<cv::Vec3b>(y, x);
      for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(p[c] - expected[c]));
    }
  }
  return worst;
}

}  // namespace

TEST_CASE("Reader: the issue's loop, as written") {
  test::TempDir dir("reader");
  const std::string path = (dir.path() / "in.webm").string();
  write_file("vp8enc deadline=1 ! webmmux ! filesink location=\"" + path + "\"", {64, 48}, 10);
  int frames = 0;
  Reader<PixelFormat::BGR24> reader{"filesrc location=" + path + " ! decodebin"};
  while (auto frame = reader.read()) {  // std::nullopt at end of stream
    FrameView<PixelFormat::BGR24> v = frame->view();
    FrameTime t = frame->time();  // the buffer's pts and duration
    cv::Mat m = mat_of(v);        // no copy
    CHECK(m.data == v.plane(0));
    CHECK(t.pts == FrameTime::at(static_cast<std::uint64_t>(frames), {25, 1}).pts);
    ++frames;
  }
  CHECK(frames == 10);
}

TEST_CASE("Reader: a file written by Writer reads back in order, with exact pts and colours") {
  test::TempDir dir("reader");
  const Size size{64, 48};
  constexpr std::uint64_t kFrames = 20;
  struct Case {
    std::string name;
    std::string downstream;
    int tolerance;
  };
  const std::string raw = (dir.path() / "raw.mkv").string();
  const std::string vp8 = (dir.path() / "vp8.webm").string();
  // Raw I420 in Matroska: the only loss is the packer's and the unpacker's rounding.
  const Case cases[] = {
      {"raw I420 in Matroska", "matroskamux ! filesink location=\"" + raw + "\"", 3},
      {"VP8 in WebM", "vp8enc deadline=1 ! webmmux ! filesink location=\"" + vp8 + "\"", 6},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    write_file(c.downstream, size, kFrames);
    const std::string path = c.downstream.substr(c.downstream.find("location=") + 9);
    Reader<PF::BGR24> reader{"filesrc location=" + path + " ! decodebin"};
    CHECK(reader.spec().size == size);
    CHECK(reader.spec().fps == FrameRate{25, 1});
    CHECK(reader.spec().format == PF::BGR24);
    CHECK(reader.source_spec().format == PF::I420);
    REQUIRE(reader.source_spec().color.has_value());
    CHECK(reader.source_spec().color->matrix ==
          Matrix::BT601);  // framepipe's default, stated in caps
    std::uint64_t i = 0;
    int worst = 0;
    while (auto frame = reader.read()) {
      REQUIRE(i < kFrames);
      CHECK(frame->time().index == i);
      CHECK(frame->time().pts == FrameTime::at(i, {25, 1}).pts);  // 40 ms: exact in Matroska
      const int error = max_error(frame->view(), colour_of(i));
      CHECK_MESSAGE(error <= c.tolerance, "frame " << i << " is off by " << error);
      worst = std::max(worst, error);
      ++i;
    }
    CHECK(i == kFrames);
    MESSAGE(c.name << ": largest error " << worst);
  }
}

TEST_CASE("Reader: SMPTE bars read as their BGR values (BT.601 SD, BT.709 HD, limited, full)") {
  // videotestsrc paints its I420 bars with the caps' matrix but always in limited range, so full
  // range is made by videoconvert from the RGB bars. videoconvert's own rounding is off by up to
  // one level (cyan: Y' 178 and Cb 170 where the exact values are 178.8 and 171.0), so full-range
  // frames are checked against the exact decode of the bytes it made, as well as loosely against
  // the ideal bars.
  struct Case {
    std::string name;
    std::string description;
    ColorSpec color;
    int ideal_tolerance;
  };
  const std::string smpte = "videotestsrc num-buffers=2 pattern=smpte ! video/x-raw,";
  const Case cases[] = {
      {"SD BT.601 limited",
       smpte + "format=I420,width=720,height=480,colorimetry=bt601",
       {Matrix::BT601, Range::Limited},
       2},
      {"HD BT.709 limited",
       smpte + "format=I420,width=1280,height=720,colorimetry=bt709",
       {Matrix::BT709, Range::Limited},
       2},
      {"SD BT.601 full",
       smpte + "format=BGR,width=720,height=480 ! videoconvert ! "
               "video/x-raw,format=I420,colorimetry=1:4:0:0",
       {Matrix::BT601, Range::Full},
       4},
      {"HD BT.709 full",
       smpte + "format=BGR,width=1280,height=720 ! videoconvert ! "
               "video/x-raw,format=I420,colorimetry=1:3:5:1",
       {Matrix::BT709, Range::Full},
       4},
  };
  // The top bars, left to right: white, yellow, cyan, green, magenta, red, blue (B, G, R).
  const cv::Vec3b bars[] = {{255, 255, 255}, {0, 255, 255}, {255, 255, 0}, {0, 255, 0},
                            {255, 0, 255},   {0, 0, 255},   {255, 0, 0}};
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Reader<PF::I420> yuv_reader{c.description};  // the bytes the source made
    auto yuv = yuv_reader.read();
    REQUIRE(yuv.has_value());
    const FrameView<PF::I420> in = yuv->view();
    const LumaWeights w = luma_weights(c.color.matrix);
    const bool full = c.color.range == Range::Full;
    // The exact real-number decode of pixel (x, y) of `in`, B, G, R.
    const auto exact = [&](int x, int y) {
      const double luma = (in.row(0, y)[x] - (full ? 0.0 : 16.0)) / (full ? 255.0 : 219.0);
      const double cb = (in.row(1, y / 2)[x / 2] - 128.0) / (full ? 255.0 : 224.0);
      const double cr = (in.row(2, y / 2)[x / 2] - 128.0) / (full ? 255.0 : 224.0);
      const double r = luma + 2 * (1 - w.kr) * cr;
      const double b = luma + 2 * (1 - w.kb) * cb;
      const double g = (luma - w.kr * r - w.kb * b) / w.kg();
      const auto q = [](double v) { return std::clamp(v * 255.0, 0.0, 255.0); };
      return std::array<double, 3>{q(b), q(g), q(r)};
    };
    Reader<PF::BGR24> reader{c.description};
    REQUIRE(reader.source_spec().color.has_value());
    CHECK(*reader.source_spec().color == c.color);
    auto frame = reader.read();
    REQUIRE(frame.has_value());
    const cv::Mat m = mat_of(frame->view());
    for (int bar = 0; bar < 7; ++bar) {
      CAPTURE(bar);
      // The middle half of the bar, in the middle of the top part (edges are filtered).
      const int x0 = bar * m.cols / 7 + m.cols / 28;
      const int x1 = (bar + 1) * m.cols / 7 - m.cols / 28;
      for (int y = m.rows / 8; y < m.rows / 2; y += 7) {
        for (int x = x0; x < x1; x += 5) {
          const cv::Vec3b p = m.at<cv::Vec3b>(y, x);
          const std::array<double, 3> e = exact(x, y);
          for (int ch = 0; ch < 3; ++ch) {
            REQUIRE_MESSAGE(std::abs(p[ch] - e[static_cast<std::size_t>(ch)]) <= 2.0,
                            "pixel (" << x << ", " << y << ") channel " << ch << " is "
                                      << int(p[ch]) << ", the exact decode "
                                      << e[static_cast<std::size_t>(ch)]);
            REQUIRE_MESSAGE(std::abs(p[ch] - bars[bar][ch]) <= c.ideal_tolerance,
                            "pixel (" << x << ", " << y << ") channel " << ch << " is "
                                      << int(p[ch]) << ", the bar is " << int(bars[bar][ch]));
          }
        }
      }
    }
  }
}

TEST_CASE("Reader: zero copy -- what the first converter reads is the mapped GstBuffer") {
  // Where each buffer's memory lies, as the appsink receives it (its own map, streaming thread).
  struct Recorder {
    std::mutex m;
    std::vector<const void*> mapped;
  };
  const auto record = [](GstElement* sink, Recorder& r) {
    const detail::GstObjectPtr<GstPad> pad(gst_element_get_static_pad(sink, "sink"));
    gst_pad_add_probe(
        pad.get(), GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
          auto* rec = static_cast<Recorder*>(data);
          GstVideoMeta* meta = gst_buffer_get_video_meta(GST_PAD_PROBE_INFO_BUFFER(info));
          GstMapInfo map;
          if (gst_buffer_map(GST_PAD_PROBE_INFO_BUFFER(info), &map, GST_MAP_READ)) {
            const std::lock_guard lock(rec->m);
            rec->mapped.push_back(map.data + (meta != nullptr ? meta->offset[0] : 0));
            gst_buffer_unmap(GST_PAD_PROBE_INFO_BUFFER(info), &map);
          }
          return GST_PAD_PROBE_OK;
        },
        &r, nullptr);
  };
  const std::string description =
      "videotestsrc num-buffers=8 ! video/x-raw,format=I420,width=64,height=48";
  SUBCASE("the first converter of a Reader with converters") {
    // Built by hand so the probe is in place before the first frame: attach mode.
    GError* error = nullptr;
    ElementRef pipeline = ElementRef::adopt(
        gst_parse_launch((description + " ! appsink name=framepipe_sink").c_str(), &error));
    REQUIRE(error == nullptr);
    Recorder recorder;
    record(ElementRef::adopt(gst_bin_get_by_name(GST_BIN(pipeline.get()), "framepipe_sink")).get(),
           recorder);
    std::vector<const void*> read_from;
    using Luma = FunctionConverter<PF::I420, PF::GRAY8>;
    Reader<PF::I420, Luma> reader{pipeline, {}, Luma{[&](auto in, auto out) {
                                    read_from.push_back(in.plane(0));
                                    for (int y = 0; y < in.height(); ++y) {
                                      std::copy_n(in.row(0, y), in.width(), out.row(0, y));
                                    }
                                  }}};
    int frames = 0;
    while (auto frame = reader.read()) ++frames;
    CHECK(frames == 8);
    const std::lock_guard lock(recorder.m);
    REQUIRE(recorder.mapped.size() == 8);
    CHECK(read_from == recorder.mapped);
  }
  SUBCASE("the view a Reader<I420> returns") {
    GError* error = nullptr;
    ElementRef pipeline = ElementRef::adopt(
        gst_parse_launch((description + " ! appsink name=framepipe_sink").c_str(), &error));
    REQUIRE(error == nullptr);
    Recorder recorder;
    record(ElementRef::adopt(gst_bin_get_by_name(GST_BIN(pipeline.get()), "framepipe_sink")).get(),
           recorder);
    Reader<PF::I420> reader{pipeline};
    std::size_t i = 0;
    while (auto frame = reader.read()) {
      const std::lock_guard lock(recorder.m);
      REQUIRE(i < recorder.mapped.size());
      CHECK(static_cast<const void*>(frame->view().plane(0)) == recorder.mapped[i]);
      ++i;
    }
    CHECK(i == 8);
  }
}

TEST_CASE("Reader: user converters run after the unpacker") {
  using Blue = FunctionConverter<PF::BGR24, PF::GRAY8>;
  Reader<PF::BGR24, Blue> reader{
      "videotestsrc num-buffers=3 pattern=blue ! video/x-raw,format=I420,width=64,height=48",
      Blue{[](FrameView<PF::BGR24> in, FrameView<PF::GRAY8> out) {
        for (int y = 0; y < in.height(); ++y) {
          for (int x = 0; x < in.width(); ++x) out.row(0, y)[x] = in.row(0, y)[3 * x];
        }
      }}};
  static_assert(decltype(reader)::format == PF::GRAY8);
  int frames = 0;
  while (auto frame = reader.read()) {
    const FrameView<PF::GRAY8> v = frame->view();
    CHECK(std::abs(int(v.row(0, 20)[30]) - 255) <= 2);
    ++frames;
  }
  CHECK(frames == 3);
}

TEST_CASE("Reader: after the end of the stream, read() keeps returning nullopt") {
  Reader<PF::NV12> reader{"videotestsrc num-buffers=2 ! video/x-raw,width=32,height=32"};
  CHECK(reader.read().has_value());
  CHECK(reader.read().has_value());
  for (int i = 0; i < 3; ++i) CHECK_FALSE(reader.read().has_value());
  reader.close();
  CHECK_FALSE(reader.read().has_value());
}

TEST_CASE("Reader: errors are typed; a reader destroyed mid-stream never hangs") {
  CHECK_THROWS_AS(Reader<PF::BGR24>{"videotestsrc ! ! x"}, ParseError);
  CHECK_THROWS_AS(Reader<PF::BGR24>{"framepipe_no_such_source"}, MissingElement);
  CHECK_THROWS_AS(Reader<PF::BGR24>{"audiotestsrc"}, NotNegotiated);
  test::within(30s, [] {
    Reader<PF::BGR24> reader{"videotestsrc ! video/x-raw,width=640,height=480", {.max_buffers = 1}};
    for (int i = 0; i < 3; ++i) REQUIRE(reader.read().has_value());
  });
  test::within(30s, [] {
    Reader<PF::BGR24> reader{"videotestsrc is-live=true ! video/x-raw,framerate=1/30"};
    REQUIRE(reader.read().has_value());
  });
}

TEST_CASE("Reader: an error beside the end of the stream is an error, every time") {
  for (int run = 0; run < 20; ++run) {
    CAPTURE(run);
    test::within(30s, [] {
      Reader<PF::I420> reader{
          "videotestsrc num-buffers=100 ! video/x-raw,format=I420,width=320,height=240 ! "
          "identity error-after=50"};
      int frames = 0;
      try {
        while (reader.read()) ++frames;
        FAIL("read() ended without the error after ", frames, " frames");
      } catch (const StreamError&) {
      }
      CHECK(frames < 50);
    });
  }
}

TEST_CASE("Reader: a Pipeline from an AppSinkSource ends with the error, not as a normal end") {
  for (int run = 0; run < 10; ++run) {
    CAPTURE(run);
    test::within(30s, [] {
      Pipeline p{AppSinkSource<PF::I420>{"videotestsrc num-buffers=100 ! "
                                         "video/x-raw,format=I420,width=320,height=240 ! "
                                         "identity error-after=50"},
                 NullSink{}};
      CHECK_THROWS_AS(p.run({.frames = 0}), StreamError);
    });
  }
}

TEST_CASE("Reader: a size it refuses is refused at start, and nothing leaks") {
  CHECK_THROWS_AS(Reader<PF::I420>{"videotestsrc num-buffers=3 ! video/x-raw,width=40000,height=2"},
                  InvalidArgument);
  CHECK_THROWS_AS(
      Reader<PF::BGR24>{"videotestsrc num-buffers=3 ! video/x-raw,width=40000,height=2"},
      InvalidArgument);
}

TEST_CASE("Reader: an upstream that cannot give the format gets a videoconvert") {
  // rawvideoparse offers only NV12; the BGR24 reader's appsink asks for I420.
  Reader<PF::BGR24> reader{
      "videotestsrc num-buffers=4 pattern=white ! video/x-raw,format=NV12,width=64,height=48 ! "
      "rawvideoparse use-sink-caps=false format=nv12 width=64 height=48"};
  CHECK(reader.converting());
  int frames = 0;
  while (auto frame = reader.read()) {
    CHECK(max_error(frame->view(), {255, 255, 255}) <= 3);
    ++frames;
  }
  CHECK(frames == 4);
}

TEST_CASE("Reader: untagged HD y4m written by Writer reads back as written (BT.601)") {
  // y4m has no matrix: y4mdec states GStreamer's guess for HD (BT.709), 39 levels off the
  // BT.601 framepipe writes, and ffmpeg and OpenCV read.
  test::TempDir dir("reader_y4m");
  const std::string path = (dir.path() / "hd.y4m").string();
  write_file("y4menc ! filesink location=\"" + path + "\"", {1280, 720}, 3);
  Reader<PF::BGR24> reader{"filesrc location=\"" + path + "\" ! y4mdec"};
  REQUIRE(reader.source_spec().color.has_value());
  CHECK(reader.source_spec().color->matrix == Matrix::BT601);
  std::uint64_t i = 0;
  while (auto frame = reader.read()) {
    CHECK(max_error(frame->view(), colour_of(i)) <= 3);
    ++i;
  }
  CHECK(i == 3);
  // The caller's statement wins over the default.
  Reader<PF::BGR24> stated{"filesrc location=\"" + path + "\" ! y4mdec", {.matrix = Matrix::BT709}};
  CHECK(stated.source_spec().color->matrix == Matrix::BT709);
  auto frame = stated.read();
  REQUIRE(frame.has_value());
  CHECK(max_error(frame->view(), colour_of(0)) > 10);  // read as BT.709: visibly off
}
