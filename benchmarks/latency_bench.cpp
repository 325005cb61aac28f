// Live streaming over loopback: glass-to-glass latency (frame made -> frame decoded by a receiver
// in this process, matched by the index code drawn into every frame) for RTP/UDP H.264, SRT and
// RTSP, framepipe's own share (frame made -> buffer pushed), cv::VideoWriter with the same RTP
// description beside it; encoder frames per CPU-second; RTSP fan-out CPU at 1, 4 and 16 clients
// (each client its own gst-launch-1.0 process, so only the server's CPU is counted).
//
// The share (one write(): convert + push) comes with where its time went: the writing thread's
// CPU time, page faults, waits and preemptions (share_* counters); FRAMEPIPE_LATENCY_DUMP=1 prints
// the 8 slowest writes of each row.
//
//   build/release/benchmarks/latency_bench --benchmark_out=latency.json --benchmark_out_format=json
#include <benchmark/benchmark.h>
#include <gst/app/gstappsink.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <framepipe/framepipe.hpp>
#include <framepipe/gst/network.hpp>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <thread>
#include <vector>

#include "../tests/support/index_code.hpp"
#if FRAMEPIPE_HAS_RTSP
#  include <framepipe/rtsp/rtsp_server.hpp>
#endif
#if FRAMEPIPE_BENCH_HAVE_VIDEOIO
#  include <opencv2/videoio.hpp>
#endif

extern char** environ;

namespace {

using namespace framepipe;
using Clock = std::chrono::steady_clock;

constexpr FrameRate kFps{30, 1};
constexpr std::uint32_t kFrames = 150;  // 5 s at 30 frames/s

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

std::uint16_t free_port(int type) {
  const int fd = ::socket(AF_INET, type, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

/// The index code in BGR: white blocks are luma 235 after BT.601 limited-range packing.
void draw_index_bgr(cv::Mat& m, std::uint32_t index) {
  const int w = m.cols;
  const int h = m.rows;
  for (int y = 0; y < h; ++y) {
    auto* row = m.ptr<std::uint8_t>(y);
    for (int x = 0; x < w; ++x) {
      const bool one = ((index >> (x * test::kIndexBits / w)) & 1U) != 0;
      const std::uint8_t v = (y < h / 2) == one ? 255 : 0;
      row[3 * x] = row[3 * x + 1] = row[3 * x + 2] = v;
    }
  }
}

/// Decodes frames in this process and stamps each index on arrival.
class Receiver {
 public:
  explicit Receiver(const std::string& description) : arrived_(kFrames + 64) {
    ensure_gstreamer_initialized();  // a row run alone (--benchmark_filter) makes no sink first
    for (auto& a : arrived_) a.store(0);
    const std::string full = description +
                             " ! videoconvert ! video/x-raw,format=I420 ! appsink name=out "
                             "sync=false emit-signals=false";
    pipeline_ = gst_parse_launch(full.c_str(), nullptr);
    gst_object_ref_sink(pipeline_);
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline_), "out");
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = &Receiver::on_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, this, nullptr);
    gst_object_unref(sink);
    gst_element_set_state(pipeline_, GST_STATE_PLAYING);
  }
  ~Receiver() {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
  }
  std::int64_t arrived(std::uint32_t i) const { return arrived_[i].load(); }

 private:
  static GstFlowReturn on_sample(GstAppSink* sink, gpointer self) {
    const std::int64_t t = now_ns();
    GstSample* sample = gst_app_sink_pull_sample(sink);
    if (sample == nullptr) return GST_FLOW_EOS;
    const auto index = test::read_index(sample);
    gst_sample_unref(sample);
    auto* r = static_cast<Receiver*>(self);
    if (index && *index < r->arrived_.size()) r->arrived_[*index].store(t);
    return GST_FLOW_OK;
  }
  GstElement* pipeline_ = nullptr;
  std::vector<std::atomic<std::int64_t>> arrived_;
};

/// What one write() cost the calling thread.
struct WriteCost {
  std::uint32_t index = 0;
  double wall_us = 0;
  double cpu_us = 0;  ///< the thread's CPU time (CLOCK_THREAD_CPUTIME_ID)
  long minflt = 0;    ///< page faults served without I/O (first touch of fresh memory)
  long majflt = 0;
  long nvcsw = 0;   ///< the thread slept: waited on a lock, a condition, I/O
  long nivcsw = 0;  ///< the thread was preempted
};

struct ThreadUsage {
  rusage usage{};
  timespec cpu{};
  static ThreadUsage now() {
    ThreadUsage u;
    getrusage(RUSAGE_THREAD, &u.usage);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &u.cpu);
    return u;
  }
  WriteCost since(const ThreadUsage& b, std::uint32_t index, double wall_us) const {
    WriteCost c;
    c.index = index;
    c.wall_us = wall_us;
    c.cpu_us = static_cast<double>(cpu.tv_sec - b.cpu.tv_sec) * 1e6 +
               static_cast<double>(cpu.tv_nsec - b.cpu.tv_nsec) / 1e3;
    c.minflt = usage.ru_minflt - b.usage.ru_minflt;
    c.majflt = usage.ru_majflt - b.usage.ru_majflt;
    c.nvcsw = usage.ru_nvcsw - b.usage.ru_nvcsw;
    c.nivcsw = usage.ru_nivcsw - b.usage.ru_nivcsw;
    return c;
  }
};

/// Puts the calling thread on SCHED_FIFO priority 10 (true) or back on SCHED_OTHER (false).
bool set_realtime_priority(bool on) {
  sched_param param{};
  param.sched_priority = on ? 10 : 0;
  return pthread_setschedparam(pthread_self(), on ? SCHED_FIFO : SCHED_OTHER, &param) == 0;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

/// Writes kFrames index-coded frames in real time through `write(mat)`; reports the latencies.
template <class Write>
void measure(benchmark::State& state, Size size, Receiver& receiver, Write&& write) {
  cv::Mat frame(size.height, size.width, CV_8UC3);
  std::vector<std::int64_t> made(kFrames);
  std::vector<double> share_us;
  std::vector<WriteCost> costs;
  const auto start = Clock::now();
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(33333) * i);
    draw_index_bgr(frame, i);
    const ThreadUsage before = ThreadUsage::now();
    made[i] = now_ns();
    write(frame);
    share_us.push_back(static_cast<double>(now_ns() - made[i]) / 1e3);
    costs.push_back(ThreadUsage::now().since(before, i, share_us.back()));
  }
  if (std::getenv("FRAMEPIPE_LATENCY_DUMP") != nullptr) {
    auto sorted = costs;
    std::sort(sorted.begin(), sorted.end(),
              [](const WriteCost& a, const WriteCost& b) { return a.wall_us > b.wall_us; });
    for (std::size_t k = 0; k < std::min<std::size_t>(8, sorted.size()); ++k) {
      const WriteCost& c = sorted[k];
      std::fprintf(
          stderr,
          "frame %3u wall %8.1f us cpu %8.1f us minflt %5ld majflt %ld nvcsw %ld nivcsw %ld\n",
          c.index, c.wall_us, c.cpu_us, c.minflt, c.majflt, c.nvcsw, c.nivcsw);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::vector<double> g2g_ms;
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    if (const std::int64_t t = receiver.arrived(i); t != 0) {
      g2g_ms.push_back(static_cast<double>(t - made[i]) / 1e6);
    }
  }
  state.counters["received"] = static_cast<double>(g2g_ms.size());
  state.counters["sent"] = kFrames;
  state.counters["g2g_p50_ms"] = percentile(g2g_ms, 0.5);
  state.counters["g2g_p99_ms"] = percentile(g2g_ms, 0.99);
  state.counters["g2g_max_ms"] = percentile(g2g_ms, 1.0);
  state.counters["share_p50_us"] = percentile(share_us, 0.5);
  state.counters["share_p99_us"] = percentile(share_us, 0.99);
  state.counters["share_max_us"] = percentile(share_us, 1.0);
  // Where the share's tail comes from: the writing thread's CPU time, its page faults, its
  // waits (voluntary context switches: a lock, a condition, a full queue) and its preemptions
  // (involuntary ones: the encoder's, the receiver's and everybody else's threads on the cores).
  std::vector<double> cpu_us;
  std::vector<double> unpreempted_us;
  double minflt = 0;
  double waits = 0;
  double preempted = 0;
  for (const WriteCost& c : costs) {
    cpu_us.push_back(c.cpu_us);
    minflt += static_cast<double>(c.minflt);
    waits += static_cast<double>(c.nvcsw);
    if (c.nivcsw > 0) {
      preempted += 1;
    } else {
      unpreempted_us.push_back(c.wall_us);
    }
  }
  state.counters["share_cpu_p50_us"] = percentile(cpu_us, 0.5);
  state.counters["share_cpu_p99_us"] = percentile(cpu_us, 0.99);
  state.counters["share_page_faults"] = minflt;
  state.counters["share_waits"] = waits;
  state.counters["share_preempted"] = preempted;
  // Not a redefinition of the share: the same writes without the preempted ones, beside it.
  state.counters["share_unpreempted_p99_us"] = percentile(unpreempted_us, 0.99);
}

using FramepipeWriter = Writer<PixelFormat::BGR24, I420Packer, AppSrcSink>;

std::string rtp_receiver(std::uint16_t port) {
  return "udpsrc address=127.0.0.1 port=" + std::to_string(port) +
         " caps=\"application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96\" ! "
         "rtph264depay ! avdec_h264";
}

/// Third argument 1: the writing thread runs at SCHED_FIFO priority 10 while it writes, so that
/// no ordinary thread (the encoder's, the receiver's, other processes') preempts it: what is
/// left of the share is framepipe's own work.
void BM_RtpUdpH264(benchmark::State& state) {
  const Size size{static_cast<int>(state.range(0)), static_cast<int>(state.range(1))};
  const bool realtime = state.range(2) != 0;
  for (auto _ : state) {
    const std::uint16_t port = free_port(SOCK_DGRAM);
    Receiver receiver(rtp_receiver(port));
    FramepipeWriter writer(
        {.size = size, .fps = kFps, .pacing = Pacing::RealTime}, I420Packer{},
        AppSrcSink(rtp_udp_description(VideoCodec::H264, "127.0.0.1", port), live_sink_options()));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (realtime && !set_realtime_priority(true)) {
      state.SkipWithError("SCHED_FIFO refused (needs CAP_SYS_NICE or an rtprio limit)");
      return;
    }
    measure(state, size, receiver,
            [&](cv::Mat& m) { writer.write(view_of<PixelFormat::BGR24>(m)); });
    if (realtime) set_realtime_priority(false);
    writer.close();
  }
}

#if FRAMEPIPE_BENCH_HAVE_VIDEOIO
void BM_RtpUdpH264_VideoWriter(benchmark::State& state) {
  const Size size{static_cast<int>(state.range(0)), static_cast<int>(state.range(1))};
  for (auto _ : state) {
    const std::uint16_t port = free_port(SOCK_DGRAM);
    Receiver receiver(rtp_receiver(port));
    cv::VideoWriter writer("appsrc ! videoconvert ! video/x-raw,format=I420 ! " +
                               rtp_udp_description(VideoCodec::H264, "127.0.0.1", port),
                           cv::CAP_GSTREAMER, 0, 30.0, cv::Size(size.width, size.height));
    if (!writer.isOpened()) {
      state.SkipWithError("cv::VideoWriter did not open the GStreamer description");
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    measure(state, size, receiver, [&](cv::Mat& m) { writer.write(m); });
    writer.release();
  }
}
#endif

void BM_SrtH264(benchmark::State& state) {
  const Size size{static_cast<int>(state.range(0)), static_cast<int>(state.range(1))};
  for (auto _ : state) {
    const std::uint16_t port = free_port(SOCK_DGRAM);
    FramepipeWriter writer({.size = size, .fps = kFps, .pacing = Pacing::RealTime}, I420Packer{},
                           AppSrcSink(srt_listener_description(port), live_sink_options()));
    cv::Mat warmup(size.height, size.width, CV_8UC3, cv::Scalar(0, 0, 0));
    writer.write(view_of<PixelFormat::BGR24>(warmup));  // starts the listener
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Receiver receiver("srtsrc uri=srt://127.0.0.1:" + std::to_string(port) +
                      "?mode=caller latency=20 ! tsdemux ! h264parse ! avdec_h264");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    measure(state, size, receiver,
            [&](cv::Mat& m) { writer.write(view_of<PixelFormat::BGR24>(m)); });
    writer.close();
  }
}

#if FRAMEPIPE_HAS_RTSP
void BM_RtspH264(benchmark::State& state) {
  const Size size{static_cast<int>(state.range(0)), static_cast<int>(state.range(1))};
  for (auto _ : state) {
    RtspServer server;
    Writer<PixelFormat::BGR24, I420Packer, RtspSink> writer(
        {.size = size, .fps = kFps, .pacing = Pacing::RealTime}, I420Packer{}, server.sink());
    std::atomic<bool> warm{true};
    std::thread warmer([&] {  // frames while the client connects (the media needs them)
      cv::Mat black(size.height, size.width, CV_8UC3, cv::Scalar(0, 0, 0));
      while (warm.load()) {
        writer.write(view_of<PixelFormat::BGR24>(black));
        std::this_thread::sleep_for(std::chrono::milliseconds(33));
      }
    });
    Receiver receiver("rtspsrc location=" + server.url() +
                      " protocols=tcp latency=0 ! rtph264depay ! avdec_h264");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    warm.store(false);
    warmer.join();
    measure(state, size, receiver,
            [&](cv::Mat& m) { writer.write(view_of<PixelFormat::BGR24>(m)); });
    writer.close();
  }
}

/// CPU time per second of this process (encode once, fan out) while N clients, each its own
/// gst-launch-1.0 process, receive 720p30 H.264 over RTSP, TCP-interleaved (second argument 0) or
/// UDP (1).
void BM_RtspFanout(benchmark::State& state) {
  const auto clients = static_cast<int>(state.range(0));
  const char* protocol = state.range(1) == 0 ? "protocols=tcp" : "protocols=udp";
  const bool at_once = state.range(2) != 0;
  const Size size{1280, 720};
  for (auto _ : state) {
    RtspServer server;
    Writer<PixelFormat::BGR24, I420Packer, RtspSink> writer(
        {.size = size, .fps = kFps, .pacing = Pacing::RealTime}, I420Packer{}, server.sink());
    std::atomic<bool> run{true};
    std::atomic<std::int64_t> write_max_ns{0};
    std::atomic<std::int64_t> late_max_ns{0};
    std::thread producer([&] {
      cv::Mat m(size.height, size.width, CV_8UC3);
      const auto start = Clock::now();
      for (std::uint32_t i = 0; run.load(); ++i) {
        draw_index_bgr(m, i);
        const auto w0 = Clock::now();
        writer.write(view_of<PixelFormat::BGR24>(m));
        const auto w1 = Clock::now();
        write_max_ns.store(std::max<std::int64_t>(write_max_ns.load(), (w1 - w0).count()));
        const auto due = start + std::chrono::microseconds(33333) * i;
        late_max_ns.store(std::max<std::int64_t>(late_max_ns.load(), (w0 - due).count()));
        std::this_thread::sleep_until(start + std::chrono::microseconds(33333) * (i + 1));
      }
    });
    std::vector<pid_t> children;
    const std::string location = "location=" + server.url();
    for (int c = 0; c < clients; ++c) {
      const char* argv[] = {"gst-launch-1.0", "-q",         "rtspsrc",
                            location.c_str(), protocol,     "!",
                            "fakesink",       "sync=false", nullptr};
      pid_t pid = 0;
      if (posix_spawnp(&pid, "gst-launch-1.0", nullptr, nullptr, const_cast<char**>(argv),
                       environ) == 0) {
        children.push_back(pid);
      }
      if (!at_once) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    // Every client process started and playing (16 gst-launch-1.0 start-ups take seconds here).
    std::this_thread::sleep_for(std::chrono::milliseconds(2000 + 500 * clients));
    const double cpu0 = cpu_seconds();
    const auto t0 = Clock::now();
    const std::uint64_t sent0 = writer.sink().sent();
    const std::uint64_t made0 = writer.sink().made();
    std::this_thread::sleep_for(std::chrono::seconds(4));
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    state.counters["cpu_per_s"] = (cpu_seconds() - cpu0) / wall;
    state.counters["clients_seen"] = static_cast<double>(server.clients());
    state.counters["frames_sent_per_s"] = static_cast<double>(writer.sink().sent() - sent0) / wall;
    state.counters["frames_made_per_s"] = static_cast<double>(writer.sink().made() - made0) / wall;
    state.counters["medias"] = static_cast<double>(server.medias_configured());
    state.counters["retimed"] = static_cast<double>(writer.sink().retimed());
    state.counters["write_max_ms"] = static_cast<double>(write_max_ns.load()) / 1e6;
    state.counters["producer_late_max_ms"] = static_cast<double>(late_max_ns.load()) / 1e6;
    for (pid_t pid : children) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
    run.store(false);
    producer.join();
    writer.close();
  }
}
#endif

/// Encoder throughput: frames per CPU-second (all the encoder's threads) of the live presets.
void BM_Encoder(benchmark::State& state) {
  const auto codec = state.range(0) == 0 ? VideoCodec::H264 : VideoCodec::VP8;
  const Size size{static_cast<int>(state.range(1)), static_cast<int>(state.range(2))};
  constexpr std::uint32_t kEncoded = 90;
  for (auto _ : state) {
    Writer<PixelFormat::I420, AppSrcSink> writer(
        {.size = size, .fps = kFps}, AppSrcSink(encoder_description(codec, kFps) + " ! fakesink"));
    Frame<PixelFormat::I420> frame(size);
    const double cpu0 = cpu_seconds();
    const auto t0 = Clock::now();
    for (std::uint32_t i = 0; i < kEncoded; ++i) {
      test::draw_index(frame.view(), i);
      writer.write(frame.view());
    }
    writer.close();
    const double cpu = cpu_seconds() - cpu0;
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    state.counters["frames_per_cpu_s"] = kEncoded / cpu;
    state.counters["frames_per_wall_s"] = kEncoded / wall;
  }
  state.SetLabel(std::string(codec_name(codec)));
}

}  // namespace

BENCHMARK(BM_Encoder)
    ->Args({0, 1280, 720})
    ->Args({0, 1920, 1080})
    ->Args({1, 1280, 720})
    ->Args({1, 1920, 1080})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RtpUdpH264)
    ->ArgsProduct({{1280}, {720}, {0, 1}})
    ->ArgsProduct({{1920}, {1080}, {0, 1}})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
#if FRAMEPIPE_BENCH_HAVE_VIDEOIO
BENCHMARK(BM_RtpUdpH264_VideoWriter)
    ->Args({1280, 720})
    ->Args({1920, 1080})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
#endif
BENCHMARK(BM_SrtH264)
    ->Args({1280, 720})
    ->Args({1920, 1080})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
#if FRAMEPIPE_HAS_RTSP
BENCHMARK(BM_RtspH264)
    ->Args({1280, 720})
    ->Args({1920, 1080})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RtspFanout)
    ->ArgsProduct({{1, 4, 16}, {0, 1}, {0, 1}})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
#endif

BENCHMARK_MAIN();
