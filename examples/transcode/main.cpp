// Reads a video, draws an OpenCV overlay on every frame and encodes it again -- one framepipe
// Pipeline from GStreamer back to GStreamer:
//
//   AppSinkSource<I420> -> Bgr24Unpacker -> overlay (cv::putText) -> I420Packer -> AppSrcSink
//
// The decoder's frames are read in place by the unpacker, and the packer writes straight into the
// buffers appsrc sends on.
//
//   transcode in.webm out.webm
//   transcode in.mkv out.mkv --sink "x264enc tune=zerolatency ! matroskamux ! filesink
//   location=o.mkv"
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <framepipe/convert/function_converter.hpp>
#include <framepipe/convert/i420_packer.hpp>
#include <framepipe/convert/unpackers.hpp>
#include <framepipe/core/pipeline.hpp>
#include <framepipe/gst/app_sink_source.hpp>
#include <framepipe/gst/app_src_sink.hpp>
#include <framepipe/opencv/mat_view.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <string_view>

namespace {

struct Args {
  std::string input, output, sink;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "transcode: %s\n"
               "usage: transcode IN OUT.webm|OUT.mkv [--sink \"DESCRIPTION\"]\n",
               why);
  std::exit(2);
}

std::string quoted(const std::string& path) {
  std::string q = "\"";
  for (const char c : path) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

Args parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--sink") {
      if (i + 1 >= argc) usage("missing value after --sink");
      args.sink = argv[++i];
    } else if (!arg.empty() && arg[0] != '-' && args.input.empty()) {
      args.input = arg;
    } else if (!arg.empty() && arg[0] != '-' && args.output.empty()) {
      args.output = arg;
    } else {
      usage(("unknown argument " + std::string(arg)).c_str());
    }
  }
  if (args.input.empty() || (args.output.empty() && args.sink.empty())) {
    usage("give an input and an output file");
  }
  if (args.sink.empty()) {
    // VP8 keeps framepipe's BT.601 right in every decoder measured (docs/colour.md).
    const std::string encode = "vp8enc deadline=1 target-bitrate=2000000 keyframe-max-dist=60";
    if (ends_with(args.output, ".webm")) {
      args.sink = encode + " ! webmmux ! filesink location=" + quoted(args.output);
    } else if (ends_with(args.output, ".mkv")) {
      args.sink = encode + " ! matroskamux ! filesink location=" + quoted(args.output);
    } else {
      usage("the output must end in .webm or .mkv (or give --sink)");
    }
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace framepipe;
  using PF = PixelFormat;
  const Args args = parse_args(argc, argv);
  try {
    std::uint64_t drawn = 0;
    // The user's converter: copies the frame and writes on it with OpenCV.
    FunctionConverter<PF::BGR24, PF::BGR24> overlay{
        [&](FrameView<PF::BGR24> in, FrameView<PF::BGR24> out) {
          cv::Mat picture = mat_of(out);
          mat_of(in).copyTo(picture);
          const double scale = std::max(0.4, picture.rows / 480.0);
          const std::string text = "framepipe  frame " + std::to_string(drawn++);
          const cv::Point at{static_cast<int>(12 * scale), static_cast<int>(36 * scale)};
          cv::putText(picture, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0, 0, 0),
                      static_cast<int>(4 * scale), cv::LINE_AA);
          cv::putText(picture, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255),
                      static_cast<int>(2 * scale), cv::LINE_AA);
        }};
    Pipeline pipeline{
        AppSinkSource<PF::I420>{"filesrc location=" + quoted(args.input) + " ! decodebin"},
        Bgr24Unpacker{}, std::move(overlay), I420Packer{}, AppSrcSink{args.sink}};
    const Stats stats = pipeline.run({.frames = 0});  // to the end of the input
    std::printf("transcoded %llu frames in %.2f s (%.1f frames/s); dropped %llu\n",
                static_cast<unsigned long long>(stats.frames), stats.seconds(), stats.fps(),
                static_cast<unsigned long long>(stats.dropped));
    std::printf("time: decode+wait %.2f s, convert %.2f s, encode+wait %.2f s\n",
                std::chrono::duration<double>(stats.generate).count(),
                std::chrono::duration<double>(stats.convert).count(),
                std::chrono::duration<double>(stats.acquire + stats.submit + stats.finish).count());
    return stats.frames > 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "transcode: %s\n", e.what());
    return 1;
  }
}
