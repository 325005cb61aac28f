// An OpenCV loop that draws moving 1080p frames and hands each to GStreamer — first through
// cv::VideoWriter's GStreamer backend, then through framepipe's Writer — into the same kind of
// file, and prints frames/s and peak memory of each. Each writer runs in its own child process so
// that their peak memory figures do not mix.
//
//   opencv_writer [--frames 90] [--size 1920x1080] [--output-dir .] [--sink "<description>"]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <framepipe/framepipe.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <string>
#include <string_view>

namespace {

struct Args {
  int frames = 90;
  cv::Size size{1920, 1080};
  std::string output_dir = ".";
  std::string sink;  // empty: encode to <output_dir>/<writer>.webm
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "opencv_writer: %s\n"
               "usage: opencv_writer [--frames N] [--size WxH] [--output-dir DIR] "
               "[--sink \"DESCRIPTION\"]\n",
               why);
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + std::string(arg)).c_str());
      return argv[++i];
    };
    if (arg == "--frames") {
      args.frames = std::atoi(value().c_str());
      if (args.frames < 1) usage("--frames takes a positive number");
    } else if (arg == "--size") {
      const std::string v = value();
      if (std::sscanf(v.c_str(), "%dx%d", &args.size.width, &args.size.height) != 2 ||
          args.size.width < 1 || args.size.height < 1) {
        usage("--size takes WIDTHxHEIGHT, e.g. 1920x1080");
      }
    } else if (arg == "--output-dir") {
      args.output_dir = value();
    } else if (arg == "--sink") {
      args.sink = value();
    } else {
      usage(("unknown argument " + std::string(arg)).c_str());
    }
  }
  return args;
}

constexpr double kFps = 30.0;

/// The user's own drawing: a ball that crosses the frame and the frame number.
void draw(cv::Mat& frame, int i, int frames) {
  frame.setTo(cv::Scalar(40, 30, 20));
  const int x = frame.cols / 8 + (frame.cols * 3 / 4) * i / std::max(1, frames - 1);
  cv::circle(frame, {x, frame.rows / 2}, frame.rows / 8, cv::Scalar(0, 200, 255), cv::FILLED,
             cv::LINE_AA);
  cv::putText(frame, "frame " + std::to_string(i), {frame.cols / 20, frame.rows / 8},
              cv::FONT_HERSHEY_SIMPLEX, frame.rows / 360.0, cv::Scalar(255, 255, 255),
              std::max(1, frame.rows / 360), cv::LINE_AA);
}

std::string downstream(const Args& args, const std::string& name) {
  if (!args.sink.empty()) return args.sink;
  return "videoconvert ! vp8enc deadline=1 ! webmmux ! filesink location=\"" + args.output_dir +
         "/" + name + ".webm\"";
}

double peak_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void report(const char* name, int frames, double seconds) {
  std::printf("%-12s %d frames in %.3f s: %7.1f frames/s, peak memory %.1f MiB\n", name, frames,
              seconds, frames / seconds, peak_mib());
  std::fflush(stdout);
}

int run_video_writer(const Args& args) {
  cv::VideoWriter writer("appsrc ! " + downstream(args, "videowriter"), cv::CAP_GSTREAMER, 0, kFps,
                         args.size, true);
  if (!writer.isOpened()) {
    std::fprintf(stderr, "videowriter: cv::VideoWriter could not open the GStreamer pipeline\n");
    return 1;
  }
  cv::Mat frame(args.size, CV_8UC3);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < args.frames; ++i) {
    draw(frame, i, args.frames);
    writer.write(frame);
  }
  writer.release();
  report("videowriter", args.frames,
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}

int run_framepipe(const Args& args) {
  using namespace framepipe;
  try {
    Writer<PixelFormat::BGR24, I420Packer, AppSrcSink> writer{
        {.size = {args.size.width, args.size.height}, .fps = {30, 1}},
        I420Packer{},
        AppSrcSink{downstream(args, "framepipe")}};
    cv::Mat frame(args.size, CV_8UC3);
    for (int i = 0; i < args.frames; ++i) {
      draw(frame, i, args.frames);
      writer.write(view_of<PixelFormat::BGR24>(frame));  // no copy: the packer reads the Mat
    }
    const Stats stats = writer.close();
    report("framepipe", static_cast<int>(stats.frames), stats.seconds());
  } catch (const Error& e) {
    std::fprintf(stderr, "framepipe: %s\n", e.what());
    return 1;
  }
  return 0;
}

/// Runs `fn` in a child process and returns its exit code.
int in_child(int (*fn)(const Args&), const Args& args) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid < 0) return fn(args);  // no fork: run here, memory figures then mix
  if (pid == 0) std::_Exit(fn(args));
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  std::printf("opencv_writer: %d frames of %dx%d into %s\n", args.frames, args.size.width,
              args.size.height, downstream(args, "<writer>").c_str());
  const int a = in_child(run_video_writer, args);
  const int b = in_child(run_framepipe, args);
  return a != 0 ? a : b;
}
