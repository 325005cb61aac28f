// The tutorial's clock, the framepipe way: OpenCV draws the frame time in BGR, I420Packer converts
// it once (BT.601 limited range at every size, stated in the caps), and AppSrcSink hands the very
// bytes it wrote to GStreamer. Headless by default: writes a WebM file (VP8, with a bitrate that
// keeps flat colours within 3 levels at HD; see default_output.hpp). --display shows it in a
// window, and says why instead when there is no display or no video sink that can use it.
// --audio adds a 10 ms 1 kHz beep at the start of every whole second, in the same file (MKV:
// H.264 + Opus; MP4: H.264 + AAC; WebM: VP8 + Opus), through one pipeline with two appsrcs.
// --subtitles adds the clock's text at each whole second as a subtitle track (MKV or MP4).
//
//   text_clock [--output clock.webm] [--display] [--sink "<gst-launch description>"]
//              [--size 320x240] [--fps 30/1] [--seconds 5] [--audio] [--subtitles]
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <framepipe/framepipe.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "default_output.hpp"

namespace {

struct Args {
  std::string output = "clock.webm";
  std::string sink;  // empty: encode to `output`
  bool display = false;
  framepipe::Size size{320, 240};
  framepipe::FrameRate fps{30, 1};
  double seconds = 5.0;
  bool audio = false;
  bool subtitles = false;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "text_clock: %s\n"
               "usage: text_clock [--output FILE.webm] [--display] [--sink \"DESCRIPTION\"]\n"
               "                  [--size WxH] [--fps N[/D]] [--seconds S] [--audio]\n"
               "                  [--subtitles]\n",
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
    if (arg == "--output") {
      args.output = value();
    } else if (arg == "--display") {
      args.display = true;
    } else if (arg == "--sink") {
      args.sink = value();
    } else if (arg == "--size") {
      const std::string v = value();
      if (std::sscanf(v.c_str(), "%dx%d", &args.size.width, &args.size.height) != 2) {
        usage("--size takes WIDTHxHEIGHT, e.g. 640x480");
      }
    } else if (arg == "--fps") {
      const std::string v = value();
      long long num = 0, den = 1;
      const int n = std::sscanf(v.c_str(), "%lld/%lld", &num, &den);
      if (n < 1) usage("--fps takes N or N/D, e.g. 30 or 30000/1001");
      args.fps = {num, den};
    } else if (arg == "--seconds") {
      args.seconds = std::atof(value().c_str());
      if (!(args.seconds > 0)) usage("--seconds takes a positive number");
    } else if (arg == "--audio") {
      args.audio = true;
    } else if (arg == "--subtitles") {
      args.subtitles = true;
    } else if (arg == "--help" || arg == "-h") {
      usage("the tutorial's clock pipeline");
    } else {
      usage(("unknown argument " + std::string(arg)).c_str());
    }
  }
  return args;
}

/// The video sink `--display` shows the clock in: the first of the X11 (or Wayland) sinks that
/// opens the display (state READY). Instead of autovideosink, which on a machine without the X11
/// sinks falls through to sinks that crash (dfbvideosink segfaults). nullopt, with `why` set, when
/// there is no display or no sink can use it.
std::optional<std::string> find_display_sink(std::string& why) {
  const char* x11 = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  const bool have_x11 = x11 != nullptr && *x11 != '\0';
  const bool have_wayland = wayland != nullptr && *wayland != '\0';
  if (!have_x11 && !have_wayland) {
    why =
        "--display needs a graphical session, but neither DISPLAY nor WAYLAND_DISPLAY is set. "
        "Drop --display to write a file, or run inside a session (e.g. xvfb-run).";
    return std::nullopt;
  }
  framepipe::ensure_gstreamer_initialized();
  std::vector<const char*> candidates;
  if (have_wayland) candidates.push_back("waylandsink");
  if (have_x11) candidates.insert(candidates.end(), {"xvimagesink", "ximagesink"});
  candidates.push_back("glimagesink");
  std::string installed;
  for (const char* name : candidates) {
    GstElement* sink = gst_element_factory_make(name, nullptr);
    if (sink == nullptr) continue;
    gst_object_ref_sink(sink);
    const bool opens = gst_element_set_state(sink, GST_STATE_READY) != GST_STATE_CHANGE_FAILURE;
    gst_element_set_state(sink, GST_STATE_NULL);
    gst_object_unref(sink);
    if (opens) return name;
    installed += installed.empty() ? name : std::string(", ") + name;
  }
  const std::string where =
      have_x11 ? "DISPLAY=" + std::string(x11) : "WAYLAND_DISPLAY=" + std::string(wayland);
  why = installed.empty() ? "--display found no video sink for " + where +
                                ": install the X11 sinks (apt-get install gstreamer1.0-x, or "
                                "scripts/install-deps.sh --display)"
                          : "--display: no video sink could open " + where + " (tried " +
                                installed + "); is the display server running and reachable?";
  return std::nullopt;
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux
}

}  // namespace

/// --audio / --subtitles: the clock, its beeps and its text through one pipeline with a `video`,
/// an `audio` and a `text` appsrc, in push mode: before each frame, the beeps up to that frame's
/// end (AudioTime, from the sample count) and, at each whole second, its text, so the muxer gets
/// the streams side by side and they never drift apart.
int run_with_audio(const Args& args) {
  using namespace framepipe;
  if (args.display || !args.sink.empty()) {
    std::fprintf(stderr,
                 "text_clock: --audio and --subtitles write a file (--output); not with "
                 "--display/--sink\n");
    return 2;
  }
  check_frame_rate(args.fps);
  const std::string description =
      text_clock::default_av_output(args.output, args.size, args.fps, args.audio, args.subtitles);
  if (description.empty()) {
    std::fprintf(stderr, "text_clock: --subtitles needs an .mkv or .mp4 --output\n");
    return 2;
  }
  constexpr std::uint32_t kRate = 48000;
  TextClockGenerator clock{{.size = args.size}};
  BeepGenerator beeps{{.rate = kRate, .channels = 2}};
  Frame<PixelFormat::BGR24> frame(args.size);
  std::printf("text_clock: %dx%d at %lld/%lld fps for %.3g s%s%s, into: %s\n", args.size.width,
              args.size.height, static_cast<long long>(args.fps.num),
              static_cast<long long>(args.fps.den), args.seconds,
              args.audio ? ", a beep each second" : "", args.subtitles ? ", subtitles" : "",
              description.c_str());
  Writer<PixelFormat::BGR24, I420Packer, AppSrcSink> writer{
      {.size = args.size,
       .fps = args.fps,
       .audio = args.audio ? std::optional<AudioSpec>(AudioSpec{AudioFormat::S16LE, kRate, 2})
                           : std::nullopt,
       .subtitles = args.subtitles},
      I420Packer{},
      AppSrcSink::launch(description, {.appsrc_name = "video",
                                       .audio_appsrc_name = args.audio ? "audio" : "",
                                       .text_appsrc_name = args.subtitles ? "text" : ""})};
  const auto end = static_cast<std::uint64_t>(args.seconds * 1e9);
  for (std::uint64_t i = 0; FrameTime::at(i, args.fps).pts < end; ++i) {
    const FrameTime time = FrameTime::at(i, args.fps);
    const std::uint64_t second = time.pts / kNanosPerSecond;
    if (args.subtitles &&
        (i == 0 || FrameTime::at(i - 1, args.fps).pts / kNanosPerSecond != second)) {
      // Each second's text, shown until the next second (or the end), one second ahead of its
      // frames (the first two at once). mp4mux (an aggregator) does not treat the text track as
      // sparse: it takes the next text as soon as it has one and then waits for a text on that
      // pad before it goes on, so the next text must already be there.
      for (std::uint64_t s = i == 0 ? 0 : second + 1; s <= second + 1; ++s) {
        const std::uint64_t from = s * kNanosPerSecond;
        if (from >= end) break;
        const std::uint64_t until = std::min(from + kNanosPerSecond, end);
        writer.write_subtitle(TextClockGenerator::text_for(FrameTime{0, from, 0}), from,
                              until - from);
      }
    }
    if (args.audio) writer.write_audio_from(beeps, time.pts + time.duration);
    clock.generate(frame.view(), time);
    writer.write(frame.view());
  }
  const Stats stats = writer.close();
  std::printf(
      "text_clock: %llu frames and %llu audio frames (%.3f s) in %.3f s, peak memory %.1f "
      "MiB\n",
      static_cast<unsigned long long>(stats.frames),
      static_cast<unsigned long long>(writer.audio_frames()),
      static_cast<double>(writer.audio_frames()) / kRate, stats.seconds(),
      static_cast<double>(peak_rss_kib()) / 1024.0);
  std::printf("text_clock: wrote %s (play it: ffplay %s)\n", args.output.c_str(),
              args.output.c_str());
  return 0;
}

int main(int argc, char** argv) {
  using namespace framepipe;
  const Args args = parse_args(argc, argv);
  if (args.audio || args.subtitles) {
    try {
      return run_with_audio(args);
    } catch (const Error& e) {
      std::fprintf(stderr, "text_clock: %s\n", e.what());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "text_clock: unexpected error: %s\n", e.what());
      return 1;
    }
  }
  std::string description = args.sink;
  if (description.empty() && args.display) {
    std::string why;
    const std::optional<std::string> sink = find_display_sink(why);
    if (!sink) {
      std::fprintf(stderr, "text_clock: %s\n", why.c_str());
      return 1;
    }
    description = "videoconvert ! " + *sink;
  } else if (description.empty()) {
    description = text_clock::default_output(args.output, args.size, args.fps);
  }

  try {
    Pipeline pipeline{TextClockGenerator{{.size = args.size}}, I420Packer{},
                      AppSrcSink{description}};
    std::printf("text_clock: %dx%d at %lld/%lld fps for %.3g s into: %s\n", args.size.width,
                args.size.height, static_cast<long long>(args.fps.num),
                static_cast<long long>(args.fps.den), args.seconds, description.c_str());
    const Stats stats = pipeline.run(
        {.fps = args.fps,
         .duration = std::chrono::nanoseconds(static_cast<long long>(args.seconds * 1e9)),
         .pacing = args.display ? Pacing::RealTime : Pacing::AsFastAsPossible,
         .on_progress = [](const Stats& s) {
           std::printf("  %llu frames, %.1f s, %.0f frames/s\n",
                       static_cast<unsigned long long>(s.frames), s.seconds(), s.fps());
           std::fflush(stdout);
         }});
    std::printf("text_clock: %llu frames in %.3f s (%.0f frames/s), peak memory %.1f MiB\n",
                static_cast<unsigned long long>(stats.frames), stats.seconds(), stats.fps(),
                static_cast<double>(peak_rss_kib()) / 1024.0);
    if (args.sink.empty() && !args.display) {
      std::printf(
          "text_clock: wrote %s (play it: gst-launch-1.0 playbin uri=file://$(realpath %s))\n",
          args.output.c_str(), args.output.c_str());
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "text_clock: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "text_clock: unexpected error: %s\n", e.what());
    return 1;
  }
  return 0;
}
