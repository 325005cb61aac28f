// Reads every frame of a video file or of any GStreamer source as BGR, the way cv::VideoCapture
// would, and prints what the stream is: frame count, size, colour (matrix, range, chroma siting)
// and rate. --show N out.png writes frame N as a PNG.
//
//   reader in.webm
//   reader --source "videotestsrc num-buffers=60 ! video/x-raw,width=640,height=360"
//   reader in.mkv --show 10 frame10.png
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <framepipe/gst/reader.hpp>
#include <framepipe/opencv/mat_view.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <string_view>

namespace {

struct Args {
  std::string source;  // a gst-launch description of everything before the appsink
  long long show = -1;
  std::string show_path;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "reader: %s\n"
               "usage: reader FILE [--show N out.png]\n"
               "       reader --source \"DESCRIPTION\" [--show N out.png]\n",
               why);
  std::exit(2);
}

/// A file path as a GStreamer description: filesrc with the location quoted, then decodebin.
std::string file_source(const std::string& path) {
  std::string quoted;
  for (const char c : path) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return "filesrc location=\"" + quoted + "\" ! decodebin";
}

Args parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + std::string(arg)).c_str());
      return argv[++i];
    };
    if (arg == "--source") {
      args.source = value();
    } else if (arg == "--show") {
      args.show = std::atoll(value().c_str());
      args.show_path = value();
      if (args.show < 0) usage("--show takes a frame number >= 0 and a PNG path");
    } else if (arg == "--help" || arg == "-h") {
      usage("reads frames and prints what the stream is");
    } else if (!arg.empty() && arg[0] != '-' && args.source.empty()) {
      args.source = file_source(std::string(arg));
    } else {
      usage(("unknown argument " + std::string(arg)).c_str());
    }
  }
  if (args.source.empty()) usage("give a file or --source");
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace framepipe;
  const Args args = parse_args(argc, argv);
  try {
    const auto started = std::chrono::steady_clock::now();
    Reader<PixelFormat::BGR24> reader{args.source};
    const StreamSpec& stream = reader.source_spec();  // as the caps say, before unpacking
    std::printf("source: %s\n", args.source.c_str());
    std::printf("size: %dx%d\n", stream.size.width, stream.size.height);
    std::printf("fps: %lld/%lld\n", static_cast<long long>(stream.fps.num),
                static_cast<long long>(stream.fps.den));
    if (stream.color) {
      std::printf("colour: %s %s range, chroma site %s\n",
                  std::string(matrix_name(stream.color->matrix)).c_str(),
                  std::string(range_name(stream.color->range)).c_str(),
                  std::string(chroma_site_name(stream.chroma_site)).c_str());
    }
    long long count = 0;
    FrameTime last{};
    bool shown = false;
    while (auto frame = reader.read()) {
      if (count == args.show) {
        const cv::Mat bgr = mat_of(frame->view());  // the reader's frame itself, no copy
        if (!cv::imwrite(args.show_path, bgr)) {
          std::fprintf(stderr, "reader: cannot write %s\n", args.show_path.c_str());
          return 1;
        }
        std::printf("frame %lld (pts %.3f s) written to %s\n", count, frame->time().seconds(),
                    args.show_path.c_str());
        shown = true;
      }
      last = frame->time();
      ++count;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("frames: %lld (last pts %.3f s, dropped %llu)\n", count, last.seconds(),
                static_cast<unsigned long long>(reader.stats().dropped));
    std::printf("read at %.1f frames/s\n", seconds > 0 ? static_cast<double>(count) / seconds : 0);
    if (args.show >= 0 && !shown) {
      std::fprintf(stderr, "reader: the stream has no frame %lld (it has %lld)\n", args.show,
                   count);
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reader: %s\n", e.what());
    return 1;
  }
}
