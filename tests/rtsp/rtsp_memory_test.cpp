// Memory of an RtspServer process while a TCP client stops reading (issue 22 §7): the server runs
// in a child process (this test binary again, running only the child case below), so that its
// resident set is the server's and the producer's alone -- no decoder of the test's -- and the
// test samples the child's VmRSS (/proc/<pid>/status) while a raw-socket client that reads
// everything and one that never reads are connected, both over RTP/AVP/TCP interleaved.
//
// The stream is uncompressed (rtpvrawpay, 320x240 I420 at 15/1: 1.7 MB/s of payload in about
// 4200 packets a second), so that what a stalled client pins is large next to the process's noise
// and counted by the reading client: gst-rtsp-server queues the RTP packets a slow TCP transport
// has not taken (its per-transport backlog) until the session is removed.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "framepipe/core/writer.hpp"
#include "framepipe/rtsp/rtsp_server.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/index_code.hpp"
#include "support/rtsp_raw_client.hpp"

extern char** environ;

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

constexpr Size kSize{320, 240};
constexpr int kFps = 15;
/// Payload bytes a second of the raw stream.
constexpr double kStreamBytesPerSecond = kSize.width * kSize.height * 1.5 * kFps;
/// The child's session timeout. A client that neither requests nor sends RTCP loses its session
/// (and its transport's backlog) this long plus gst-rtsp-server's 5 s of grace later
/// (GstRTSPSession `extra-timeout`), at the next 1 s cleanup tick; then its connection
/// (setup_timeout 1 s, the tick after).
constexpr auto kSessionTimeout = 1s;
constexpr auto kSessionGrace = 5s;
/// Set in the child's environment: the child case serves only then.
constexpr const char* kChildVariable = "FRAMEPIPE_TEST_RTSP_MEMORY_CHILD";
constexpr const char* kChildCase = "rtsp_memory_test child: serves the raw stream";

/// The child's VmRSS in bytes (/proc/<pid>/status), 0 when it cannot be read.
std::size_t resident_bytes_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  }
  return 0;
}

/// Reads a playing interleaved connection on a thread until stopped: counts the RTP packets of
/// channel 0 and the breaks in their sequence numbers, and notes the time of the last one.
class ReadingClient {
 public:
  explicit ReadingClient(test::RtspRawClient& socket) : socket_(socket) {
    thread_ = std::thread([this] { run(); });
  }
  ReadingClient(const ReadingClient&) = delete;
  ReadingClient& operator=(const ReadingClient&) = delete;
  ~ReadingClient() {
    stop_ = true;
    thread_.join();
  }

  std::uint64_t packets() const { return packets_.load(); }
  std::uint64_t sequence_breaks() const { return breaks_.load(); }
  bool failed() const { return failed_.load(); }

 private:
  void run() {
    std::vector<std::uint8_t> pending;
    std::array<std::uint8_t, 65536> chunk{};
    std::optional<std::uint16_t> last_sequence;
    while (!stop_.load()) {
      pollfd p{socket_.fd(), POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::recv(socket_.fd(), chunk.data(), chunk.size(), 0);
      if (n <= 0) {
        failed_ = true;
        return;
      }
      pending.insert(pending.end(), chunk.begin(), chunk.begin() + n);
      // '$', channel, 16-bit length, then the packet (RFC 2326 10.12).
      std::size_t at = 0;
      while (pending.size() - at >= 4) {
        if (pending[at] != '$') {
          failed_ = true;  // an RTSP message or garbage between packets: not expected here
          return;
        }
        const std::size_t length = (std::size_t{pending[at + 2]} << 8) | pending[at + 3];
        if (pending.size() - at < 4 + length) break;
        if (pending[at + 1] == 0 && length >= 12) {
          const auto sequence =
              static_cast<std::uint16_t>((pending[at + 4 + 2] << 8) | pending[at + 4 + 3]);
          if (last_sequence && sequence != static_cast<std::uint16_t>(*last_sequence + 1)) {
            breaks_.fetch_add(1);
          }
          last_sequence = sequence;
          packets_.fetch_add(1);
        }
        at += 4 + length;
      }
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(at));
    }
  }

  test::RtspRawClient& socket_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::atomic<std::uint64_t> packets_{0};
  std::atomic<std::uint64_t> breaks_{0};
  std::thread thread_;
};

/// The child: this test binary run again with only the child case, its stdin and stdout piped to
/// the test. It prints "port N" once the server listens, then "clients C timed-out T" every
/// 100 ms; it ends when its stdin closes, or after 60 s whatever happens.
class Child {
 public:
  Child() {
    int to_child[2];
    int from_child[2];
    REQUIRE(::pipe2(to_child, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(from_child, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
    // Environment: the parent's, the child marker, and for ASan an empty quarantine (ASan keeps
    // up to 256 MB of freed memory out of reuse by default: the resident set would grow with
    // every freed packet, whatever the server holds).
    std::vector<std::string> variables;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::strncmp(*e, "ASAN_OPTIONS=", 13) != 0) variables.emplace_back(*e);
    }
    const char* asan = std::getenv("ASAN_OPTIONS");
    variables.push_back("ASAN_OPTIONS=" + std::string(asan != nullptr ? asan : "") +
                        ":quarantine_size_mb=0:thread_local_quarantine_size_kb=0");
    variables.push_back(std::string(kChildVariable) + "=1");
    std::vector<char*> envp;
    for (std::string& v : variables) envp.push_back(v.data());
    envp.push_back(nullptr);
    std::string exe = "/proc/self/exe";
    std::string filter = std::string("--test-case=") + kChildCase;
    std::string no_skip = "--no-skip=true";
    std::array<char*, 4> argv{exe.data(), filter.data(), no_skip.data(), nullptr};
    const int spawned =
        posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(to_child[0]);
    ::close(from_child[1]);
    to_child_ = to_child[1];
    from_child_ = from_child[0];
    REQUIRE(spawned == 0);
    reader_ = std::thread([this] { read_lines(); });
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { finish(); }

  pid_t pid() const noexcept { return pid_; }

  /// Waits until the child printed its port: 0 when it did not within `timeout`.
  std::uint16_t port(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return port_ != 0 || ended_; });
    return port_;
  }
  /// The child's latest counters.
  std::pair<int, int> counters() {
    const std::lock_guard lock(mutex_);
    return {clients_, timed_out_};
  }
  /// Everything the child printed.
  std::string output() {
    const std::lock_guard lock(mutex_);
    return output_;
  }

  /// Closes the child's stdin (it stops) and waits for it, at most 20 s before killing it;
  /// returns its exit code (-1 when it did not exit by itself).
  int finish() {
    if (to_child_ >= 0) {
      ::close(to_child_);
      to_child_ = -1;
    }
    if (pid_ > 0) {
      int status = 0;
      const auto deadline = std::chrono::steady_clock::now() + 20s;
      pid_t done = 0;
      while ((done = ::waitpid(pid_, &status, WNOHANG)) == 0 &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
      }
      if (done == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        status = -1;
      }
      exit_code_ = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      pid_ = -1;
    }
    if (reader_.joinable()) reader_.join();
    if (from_child_ >= 0) {
      ::close(from_child_);
      from_child_ = -1;
    }
    return exit_code_;
  }

 private:
  void read_lines() {
    std::string line;
    char c = 0;
    while (::read(from_child_, &c, 1) == 1) {
      if (c != '\n') {
        line += c;
        continue;
      }
      const std::lock_guard lock(mutex_);
      output_ += line + "\n";
      unsigned port = 0;
      int clients = 0;
      int timed_out = 0;
      if (std::sscanf(line.c_str(), "port %u", &port) == 1)
        port_ = static_cast<std::uint16_t>(port);
      if (std::sscanf(line.c_str(), "clients %d timed-out %d", &clients, &timed_out) == 2) {
        clients_ = clients;
        timed_out_ = timed_out;
      }
      changed_.notify_all();
      line.clear();
    }
    const std::lock_guard lock(mutex_);
    ended_ = true;
    changed_.notify_all();
  }

  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  int exit_code_ = -1;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string output_;
  std::uint16_t port_ = 0;
  int clients_ = 0;
  int timed_out_ = 0;
  bool ended_ = false;
  std::thread reader_;
};

/// VmRSS samples of a process, every 100 ms, each with the time it was taken.
struct Samples {
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::size_t>> rss;

  /// Samples `pid` for `duration`, calling `each()` after every sample.
  template <class Fn>
  void take(pid_t pid, std::chrono::milliseconds duration, Fn each) {
    const auto end = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < end) {
      rss.emplace_back(std::chrono::steady_clock::now(), resident_bytes_of(pid));
      each();
      std::this_thread::sleep_for(100ms);  // the sampling period, not a synchronisation
    }
  }
  /// The largest sample taken in [from, to).
  std::size_t max_between(std::chrono::steady_clock::time_point from,
                          std::chrono::steady_clock::time_point to) const {
    std::size_t most = 0;
    for (const auto& [at, bytes] : rss) {
      if (at >= from && at < to) most = std::max(most, bytes);
    }
    return most;
  }
};

double mb(std::size_t bytes) { return static_cast<double>(bytes) / 1e6; }

}  // namespace

TEST_CASE(
    "a TCP client that stops reading: the server process's memory stays bounded and flat, the "
    "client is dropped, another keeps receiving") {
  if (!test::have_element("rtpvrawpay")) {
    FRAMEPIPE_SKIP_CASE("rtpvrawpay (gstreamer1.0-plugins-good) missing");
  }
  if (!std::ifstream("/proc/self/status").good()) FRAMEPIPE_SKIP_CASE("no /proc");
  Child child;
  const std::uint16_t port = child.port(20s);
  INFO("the child printed: " << child.output());
  REQUIRE(port != 0);
  const std::string url = "rtsp://127.0.0.1:" + std::to_string(port) + "/stream";

  test::RtspRawClient reading(port, 0);
  REQUIRE(reading.play(url));
  ReadingClient reader(reading);

  // Warm-up (the media is built, pools and socket buffers filled), then the baseline.
  Samples samples;
  samples.take(child.pid(), 2s, [] {});
  const auto baseline_from = std::chrono::steady_clock::now();
  samples.take(child.pid(), 1s, [] {});
  const auto stall_at = std::chrono::steady_clock::now();
  const std::size_t baseline = samples.max_between(baseline_from, stall_at);
  const std::uint64_t packets_before = reader.packets();

  // The stalled client: a small receive buffer, PLAY, and then never a read.
  test::RtspRawClient stalled(port, 4096);
  REQUIRE(stalled.play(url));
  std::optional<std::chrono::steady_clock::time_point> dropped_at;
  samples.take(child.pid(), 18s, [&] {
    const auto [clients, timed_out] = child.counters();
    if (!dropped_at && timed_out >= 1 && clients == 1)
      dropped_at = std::chrono::steady_clock::now();
  });
  const auto end = std::chrono::steady_clock::now();

  // The reading client received the whole stream meanwhile, without a break.
  const double window = std::chrono::duration<double>(end - stall_at).count();
  const double packets_per_second = static_cast<double>(reader.packets() - packets_before) / window;
  CHECK_FALSE(reader.failed());
  CHECK(reader.sequence_breaks() == 0);
  CHECK(packets_per_second > 0.5 * kStreamBytesPerSecond / 1400);

  // Bounded: the stalled client pins what the stream sends until its session is removed (session
  // timeout, grace, a cleanup tick, and 2 s of slack: 9 s), at most 3 kB a packet (each
  // packet is an MTU-sized allocation of 1400 bytes, its GstBuffer and GstMemory, and its backlog
  // entry: 1.8 kB measured, 2.5 kB with ASan's redzones), plus 8 MB for the process's own noise.
  // Without a drop it would pin the stream for as long as the client stays.
  const auto pinned = kSessionTimeout + kSessionGrace + 3s;
  const double pinned_seconds = std::chrono::duration<double>(pinned).count();
  const auto bound = static_cast<std::size_t>(3000.0 * packets_per_second * pinned_seconds + 8e6);
  const std::size_t peak = samples.max_between(stall_at, end);
  // Flat: once the client is dropped and torn down, the resident set grows no more -- the last
  // 4 s hold no more than the seconds before them, give or take 2 MB (a stalled client still
  // pinned would add about 4 s x 4200 packets x 1.8 kB = 30 MB).
  const auto tail_from = end - 4s;
  const std::size_t before_tail =
      dropped_at ? samples.max_between(*dropped_at + 1s, tail_from) : std::size_t{0};
  const std::size_t tail = samples.max_between(tail_from, end);
  const double dropped_after =
      dropped_at ? std::chrono::duration<double>(*dropped_at - stall_at).count() : -1.0;
  MESSAGE("child VmRSS: baseline "
          << mb(baseline) << " MB, peak " << mb(peak) << " MB (bound " << mb(baseline + bound)
          << " MB), after the drop " << mb(before_tail) << " MB, last 4 s " << mb(tail)
          << " MB; stalled client dropped after " << dropped_after << " s (-1: not); reader "
          << packets_per_second << " packets/s");
  REQUIRE(baseline > 0);
  CHECK(peak <= baseline + bound);
  // The stalled client was dropped in bounded time: its session timed out and its connection
  // was closed (a cleanup tick after its session, and 2 s of slack: ASan's child took 9.7 s).
  REQUIRE_MESSAGE(dropped_at.has_value(), "the stalled client was not dropped within 18 s");
  CHECK(*dropped_at - stall_at <= pinned + 3s);
  CHECK(stalled.closed_within(10s));
  CHECK(before_tail > 0);
  CHECK(tail <= before_tail + 2'000'000);

  CHECK(child.finish() == 0);
}

// Run only by the case above, in a child process (kChildVariable set, --no-skip): the server and
// its producer, nothing else. Skipped in a normal run.
TEST_CASE("rtsp_memory_test child: serves the raw stream" * doctest::skip()) {
  if (std::getenv(kChildVariable) == nullptr) {
    MESSAGE("run by the memory case, in a child process, only");
    return;
  }
  RtspServer server(
      {.encoder = "rtpvrawpay", .session_timeout = kSessionTimeout, .setup_timeout = 1s});
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    Writer<PixelFormat::I420, RtspSink> writer(
        {.size = kSize, .fps = {kFps, 1}, .pacing = Pacing::RealTime}, server.sink());
    Frame<PixelFormat::I420> frame(kSize);
    for (std::uint32_t i = 0; !stop.load(); ++i) {
      test::draw_index(frame.view(), i);
      writer.write(frame.view());
    }
    writer.close();
  });
  std::printf("port %u\n", static_cast<unsigned>(server.port()));
  std::fflush(stdout);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd in{STDIN_FILENO, POLLIN, 0};
    if (::poll(&in, 1, 100) > 0) {  // the test closed our stdin (or wrote): stop
      char c = 0;
      if (::read(STDIN_FILENO, &c, 1) <= 0) break;
    }
    std::printf("clients %zu timed-out %llu\n", server.clients(),
                static_cast<unsigned long long>(server.timed_out_clients()));
    std::fflush(stdout);
  }
  stop = true;
  producer.join();
}
