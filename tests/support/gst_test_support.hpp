// Helpers for tests that talk to real GStreamer elements: pulling from appsinks with time limits,
// copying samples into framepipe frames, decoding media files, temporary directories, a hang
// watchdog, free loopback ports.
#pragma once

#include <doctest/doctest.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "framepipe/core/frame.hpp"
#include "framepipe/core/pixel_format.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/gst/runtime.hpp"

namespace framepipe::test {

/// Default time limit of one pull: generous for a loaded 2-core CI machine, short enough that a
/// broken pipeline fails the test instead of hanging it.
inline constexpr std::chrono::milliseconds kPullTimeout{10000};

inline GstClockTime to_clock_time(std::chrono::milliseconds ms) {
  return static_cast<GstClockTime>(ms.count()) * GST_MSECOND;
}

/// The next sample of `appsink` (`gst_app_sink_try_pull_sample`); fails the test when none comes
/// within `timeout` (or the sink reached EOS).
inline detail::SamplePtr pull_sample(GstElement* appsink,
                                     std::chrono::milliseconds timeout = kPullTimeout) {
  REQUIRE(appsink != nullptr);
  REQUIRE(GST_IS_APP_SINK(appsink));
  detail::SamplePtr sample(
      gst_app_sink_try_pull_sample(GST_APP_SINK(appsink), to_clock_time(timeout)));
  REQUIRE_MESSAGE(sample != nullptr,
                  "no sample from appsink within "
                      << timeout.count() << " ms (eos: "
                      << (gst_app_sink_is_eos(GST_APP_SINK(appsink)) ? "yes" : "no") << ")");
  return sample;
}

/// The next `count` samples of `appsink`, each within `timeout`.
inline std::vector<detail::SamplePtr> pull_samples(
    GstElement* appsink, std::size_t count, std::chrono::milliseconds timeout = kPullTimeout) {
  std::vector<detail::SamplePtr> samples;
  samples.reserve(count);
  for (std::size_t i = 0; i < count; ++i) samples.push_back(pull_sample(appsink, timeout));
  return samples;
}

/// The caps of `sample` as a string.
inline std::string sample_caps_string(GstSample* sample) {
  GstCaps* caps = gst_sample_get_caps(sample);
  return caps != nullptr ? detail::take_gchar(gst_caps_to_string(caps)) : std::string();
}

/// Copies the frame in `sample` into a new Frame<F>, honouring the sample's GstVideoMeta (plane
/// offsets and strides) through `gst_video_frame_map`. Fails the test unless the sample's caps say
/// format F.
template <PixelFormat F>
Frame<F> frame_from_sample(GstSample* sample) {
  REQUIRE(sample != nullptr);
  GstCaps* caps = gst_sample_get_caps(sample);
  REQUIRE(caps != nullptr);
  GstVideoInfo info;
  REQUIRE(gst_video_info_from_caps(&info, caps));
  REQUIRE_MESSAGE(std::string(gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&info))) ==
                      std::string(format_info(F).gst_name),
                  "sample caps: " << sample_caps_string(sample));
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  REQUIRE(buffer != nullptr);
  GstVideoFrame video;
  REQUIRE(gst_video_frame_map(&video, &info, buffer, GST_MAP_READ));
  Frame<F> frame({static_cast<int>(GST_VIDEO_INFO_WIDTH(&info)),
                  static_cast<int>(GST_VIDEO_INFO_HEIGHT(&info))});
  const PlaneLayout& layout = frame.layout();
  for (int p = 0; p < layout.planes; ++p) {
    const auto* src = static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&video, p));
    const auto src_stride = static_cast<std::size_t>(GST_VIDEO_FRAME_PLANE_STRIDE(&video, p));
    const auto row_bytes = static_cast<std::size_t>(layout.row_bytes[static_cast<std::size_t>(p)]);
    for (int y = 0; y < layout.rows[static_cast<std::size_t>(p)]; ++y) {
      std::memcpy(frame.view().row(p, y), src + static_cast<std::size_t>(y) * src_stride,
                  row_bytes);
    }
  }
  gst_video_frame_unmap(&video);
  return frame;
}

/// What decode_file() found: the frames in order, each with its pts.
struct DecodedVideo {
  std::vector<Frame<PixelFormat::BGR24>> frames;
  std::vector<std::uint64_t> pts;  ///< nanoseconds, GST_CLOCK_TIME_NONE when a frame had none
  std::string caps;                ///< caps of the first decoded sample
};

/// Decodes the media file at `path` with
/// `filesrc ! decodebin ! videoconvert ! video/x-raw,format=BGR ! appsink` into BGR frames.
/// Throws std::runtime_error with GStreamer's message when the pipeline fails, and when decoding
/// takes longer than `timeout` in total.
inline DecodedVideo decode_file(const std::filesystem::path& path,
                                std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  ensure_gstreamer_initialized();
  GError* raw_error = nullptr;
  GstElement* parsed = gst_parse_launch(
      "filesrc name=src ! decodebin ! videoconvert ! video/x-raw,format=BGR ! "
      "appsink name=out sync=false",
      &raw_error);
  const detail::GErrorPtr error(raw_error);
  if (parsed != nullptr) gst_object_ref_sink(parsed);
  const detail::ElementPtr pipeline(parsed);
  if (error || !pipeline) {
    throw std::runtime_error("decode_file: " +
                             std::string(error ? error->message : "gst_parse_launch failed"));
  }
  const detail::ElementPtr src(gst_bin_get_by_name(GST_BIN(pipeline.get()), "src"));
  const detail::ElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline.get()), "out"));
  g_object_set(src.get(), "location", path.c_str(), nullptr);
  const detail::BusPtr bus(gst_element_get_bus(pipeline.get()));

  struct StopOnExit {
    GstElement* p;
    ~StopOnExit() { gst_element_set_state(p, GST_STATE_NULL); }
  } stop{pipeline.get()};

  // Throws with the bus's ERROR (if one is there) appended to `context`.
  const auto fail = [&](const std::string& context) {
    std::string text = "decode_file(" + path.string() + "): " + context;
    const detail::MessagePtr message(gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR));
    if (message) {
      GError* e = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(message.get(), &e, &debug);
      const detail::GErrorPtr owned(e);
      text += ": " + detail::object_name(GST_MESSAGE_SRC(message.get())) + ": " +
              (owned ? owned->message : "") + " (" + detail::take_gchar(debug) + ")";
    }
    throw std::runtime_error(text);
  };

  if (gst_element_set_state(pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    fail("cannot start");
  }
  DecodedVideo video;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const detail::SamplePtr sample(
        gst_app_sink_try_pull_sample(GST_APP_SINK(sink.get()), 100 * GST_MSECOND));
    if (sample) {
      if (video.caps.empty()) video.caps = sample_caps_string(sample.get());
      video.pts.push_back(GST_BUFFER_PTS(gst_sample_get_buffer(sample.get())));
      video.frames.push_back(frame_from_sample<PixelFormat::BGR24>(sample.get()));
      continue;
    }
    if (gst_app_sink_is_eos(GST_APP_SINK(sink.get()))) break;
    while (const detail::MessagePtr message{gst_bus_pop(bus.get())}) {
      if (GST_MESSAGE_TYPE(message.get()) == GST_MESSAGE_ERROR) {
        GError* e = nullptr;
        gchar* debug = nullptr;
        gst_message_parse_error(message.get(), &e, &debug);
        const detail::GErrorPtr owned(e);
        throw std::runtime_error("decode_file(" + path.string() +
                                 "): " + detail::object_name(GST_MESSAGE_SRC(message.get())) +
                                 ": " + (owned ? owned->message : "") + " (" +
                                 detail::take_gchar(debug) + ")");
      }
    }
    if (std::chrono::steady_clock::now() > deadline) fail("timed out");
  }
  return video;
}

/// True when a GStreamer element factory named `name` is installed (`gst_element_factory_find`).
inline bool have_element(const char* name) {
  ensure_gstreamer_initialized();
  GstElementFactory* factory = gst_element_factory_find(name);
  if (factory == nullptr) return false;
  gst_object_unref(factory);
  return true;
}

/// Counts the frames `filesrc location=<path> ! <middle> ! fakesink` renders, e.g. with
/// `middle = "decodebin ! video/x-raw"` the decoded frames. Throws std::runtime_error with
/// GStreamer's message when the pipeline fails, and when it takes longer than `timeout`.
inline std::uint64_t count_frames(const std::filesystem::path& path,
                                  const std::string& middle = "decodebin ! video/x-raw",
                                  std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  ensure_gstreamer_initialized();
  GError* raw_error = nullptr;
  const std::string description =
      "filesrc name=src ! " + middle + " ! fakesink name=out sync=false signal-handoffs=true";
  GstElement* parsed = gst_parse_launch(description.c_str(), &raw_error);
  const detail::GErrorPtr error(raw_error);
  if (parsed != nullptr) gst_object_ref_sink(parsed);
  const detail::ElementPtr pipeline(parsed);
  if (error || !pipeline) {
    throw std::runtime_error("count_frames: " +
                             std::string(error ? error->message : "gst_parse_launch failed"));
  }
  const detail::ElementPtr src(gst_bin_get_by_name(GST_BIN(pipeline.get()), "src"));
  const detail::ElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline.get()), "out"));
  g_object_set(src.get(), "location", path.c_str(), nullptr);
  auto count = std::make_shared<std::atomic<std::uint64_t>>(0);
  g_signal_connect_data(
      sink.get(), "handoff",
      G_CALLBACK(+[](GstElement*, GstBuffer*, GstPad*, gpointer data) noexcept {
        static_cast<std::shared_ptr<std::atomic<std::uint64_t>>*>(data)->get()->fetch_add(1);
      }),
      new std::shared_ptr<std::atomic<std::uint64_t>>(count),
      +[](gpointer data, GClosure*) noexcept {
        delete static_cast<std::shared_ptr<std::atomic<std::uint64_t>>*>(data);
      },
      static_cast<GConnectFlags>(0));
  const detail::BusPtr bus(gst_element_get_bus(pipeline.get()));
  struct StopOnExit {
    GstElement* p;
    ~StopOnExit() { gst_element_set_state(p, GST_STATE_NULL); }
  } stop{pipeline.get()};
  if (gst_element_set_state(pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    throw std::runtime_error("count_frames(" + path.string() + "): cannot start");
  }
  const detail::MessagePtr message(
      gst_bus_timed_pop_filtered(bus.get(), to_clock_time(timeout),
                                 static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR)));
  if (!message) throw std::runtime_error("count_frames(" + path.string() + "): timed out");
  if (GST_MESSAGE_TYPE(message.get()) == GST_MESSAGE_ERROR) {
    GError* e = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(message.get(), &e, &debug);
    const detail::GErrorPtr owned(e);
    throw std::runtime_error("count_frames(" + path.string() +
                             "): " + detail::object_name(GST_MESSAGE_SRC(message.get())) + ": " +
                             (owned ? owned->message : "") + " (" + detail::take_gchar(debug) +
                             ")");
  }
  return count->load();
}

/// Counts the GstBuffers that left `pad` (a probe) and are still alive (a weak reference on
/// each): what downstream holds, seen from GStreamer's side rather than from a pool's counters.
class LiveBufferCounter {
 public:
  explicit LiveBufferCounter(GstPad* pad) : pad_(pad), state_(std::make_shared<State>()) {
    gst_object_ref(pad_);
    probe_ = gst_pad_add_probe(pad_, GST_PAD_PROBE_TYPE_BUFFER, &LiveBufferCounter::on_buffer,
                               new std::shared_ptr<State>(state_), &LiveBufferCounter::free_data);
  }
  LiveBufferCounter(const LiveBufferCounter&) = delete;
  LiveBufferCounter& operator=(const LiveBufferCounter&) = delete;
  ~LiveBufferCounter() {
    gst_pad_remove_probe(pad_, probe_);
    gst_object_unref(pad_);
  }

  /// Buffers that left the pad and are not freed yet.
  std::size_t alive() const { return state_->alive.load(); }
  /// The most ever alive at once.
  std::size_t peak() const { return state_->peak.load(); }

 private:
  struct State {
    std::atomic<std::size_t> alive{0};
    std::atomic<std::size_t> peak{0};
  };
  static GstPadProbeReturn on_buffer(GstPad*, GstPadProbeInfo* info, gpointer data) noexcept {
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (buffer == nullptr) return GST_PAD_PROBE_OK;
    const auto& state = *static_cast<std::shared_ptr<State>*>(data);
    const std::size_t now = state->alive.fetch_add(1) + 1;
    std::size_t peak = state->peak.load();
    while (now > peak && !state->peak.compare_exchange_weak(peak, now)) {
    }
    // The weak reference holds the state alive until the buffer is freed.
    gst_mini_object_weak_ref(GST_MINI_OBJECT_CAST(buffer), &LiveBufferCounter::on_freed,
                             new std::shared_ptr<State>(state));
    return GST_PAD_PROBE_OK;
  }
  static void on_freed(gpointer data, GstMiniObject*) noexcept {
    auto* state = static_cast<std::shared_ptr<State>*>(data);
    (*state)->alive.fetch_sub(1);
    delete state;
  }
  static void free_data(gpointer data) noexcept {
    delete static_cast<std::shared_ptr<State>*>(data);
  }

  GstPad* pad_;
  gulong probe_ = 0;
  std::shared_ptr<State> state_;
};

/// This process's resident set size in bytes (/proc/self/statm), 0 when unknown.
inline std::size_t resident_bytes() {
  std::FILE* file = std::fopen("/proc/self/statm", "r");
  if (file == nullptr) return 0;
  unsigned long size = 0;
  unsigned long resident = 0;
  const int read = std::fscanf(file, "%lu %lu", &size, &resident);
  std::fclose(file);
  return read == 2 ? static_cast<std::size_t>(resident) * 4096 : 0;
}

/// What stream_frames() saw of the sink's pool, read before finish().
struct PoolUse {
  std::size_t peak_in_use = 0;
  std::size_t allocated = 0;
  std::size_t bytes = 0;
};

/// Starts `sink` on I420 frames of `size` at 30/1, lends, fills (a moving gradient, so encoders
/// see real content) and submits `frames` frames, then finishes: the way Pipeline drives a sink.
inline PoolUse stream_frames(AppSrcSink& sink, Size size, std::uint64_t frames) {
  constexpr FrameRate kRate{30, 1};
  sink.start({PixelFormat::I420, size, kRate});
  const PlaneLayout layout = default_layout(PixelFormat::I420, size);
  for (std::uint64_t i = 0; i < frames; ++i) {
    const FrameView<PixelFormat::I420> f = sink.acquire<PixelFormat::I420>();
    for (int y = 0; y < size.height; ++y) {
      std::uint8_t* row = f.row(0, y);
      for (int x = 0; x < size.width; ++x) {
        row[x] = static_cast<std::uint8_t>((x + y + static_cast<int>(i) * 4) & 0xff);
      }
    }
    std::memset(f.plane(1), 128, layout.size - static_cast<std::size_t>(f.plane(1) - f.plane(0)));
    sink.submit(FrameTime::at(i, kRate));
  }
  const PoolUse use{sink.peak_slots_in_use(), sink.slots_allocated(), sink.pool_bytes()};
  sink.finish();
  return use;
}

/// The directory tests write into: $FRAMEPIPE_TEST_TMPDIR when set, else the system's.
inline std::filesystem::path test_temp_root() {
  if (const char* dir = std::getenv("FRAMEPIPE_TEST_TMPDIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return std::filesystem::temp_directory_path();
}

/// A fresh directory under test_temp_root(), removed with its contents on destruction.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "framepipe-test") {
    static std::atomic<unsigned> counter{0};
    std::random_device random;
    const std::filesystem::path root = test_temp_root();
    std::filesystem::create_directories(root);
    for (int attempt = 0; attempt < 100; ++attempt) {
      path_ = root / (std::string(prefix) + "-" + std::to_string(random()) + "-" +
                      std::to_string(counter++));
      if (std::filesystem::create_directory(path_)) return;
    }
    throw std::runtime_error("TempDir: cannot create a directory under " + root.string());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const { return path_; }
  /// `name` inside the directory.
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// Records one `Entry` per buffer that reaches a fakesink, from its streaming thread ("handoff"
/// signal): `read` turns the buffer into an entry (nullopt skips it). The recorded state is shared
/// with the signal closure, so it outlives whichever of the two goes first.
template <class Entry>
class HandoffRecorder {
 public:
  using ReadFn = std::optional<Entry> (*)(GstBuffer*) noexcept;

  HandoffRecorder(GstElement* fakesink, ReadFn read, std::size_t expected = 0)
      : state_(std::make_shared<State>()) {
    state_->read = read;
    state_->entries.reserve(expected);
    g_object_set(fakesink, "signal-handoffs", TRUE, nullptr);
    g_signal_connect_data(fakesink, "handoff", G_CALLBACK(&HandoffRecorder::on_handoff),
                          new std::shared_ptr<State>(state_), &HandoffRecorder::free_state,
                          static_cast<GConnectFlags>(0));
  }

  std::vector<Entry> entries() const {
    const std::lock_guard lock(state_->mutex);
    return state_->entries;
  }

 private:
  struct State {
    ReadFn read = nullptr;
    std::mutex mutex;
    std::vector<Entry> entries;
  };

  static void on_handoff(GstElement*, GstBuffer* buffer, GstPad*, gpointer data) noexcept {
    const auto& state = *static_cast<std::shared_ptr<State>*>(data);
    const std::optional<Entry> entry = state->read(buffer);
    if (!entry) return;
    try {
      const std::lock_guard lock(state->mutex);
      state->entries.push_back(*entry);
    } catch (...) {  // a missing entry fails the test; nothing may escape into GStreamer
    }
  }
  static void free_state(gpointer data, GClosure*) noexcept {
    delete static_cast<std::shared_ptr<State>*>(data);
  }

  std::shared_ptr<State> state_;
};

/// Runs `fn` and ends the test program with "FAIL: did not return within N s (hang)" (exit 1) if
/// it has not returned within `limit`: a hang fails loudly instead of stalling ctest until its
/// own timeout. Exceptions from `fn` pass through.
inline void within(std::chrono::seconds limit, const std::function<void()>& fn) {
  std::atomic<bool> done{false};
  std::thread watchdog([&] {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!done.load()) {
      std::fprintf(stderr, "FAIL: did not return within %lld s (hang)\n",
                   static_cast<long long>(limit.count()));
      std::_Exit(1);
    }
  });
  struct Join {
    std::atomic<bool>& done;
    std::thread& thread;
    ~Join() {
      done = true;
      thread.join();
    }
  } join{done, watchdog};
  fn();
}

/// A loopback (127.0.0.1) socket of `type` (SOCK_STREAM: TCP, listening; SOCK_DGRAM: UDP) bound
/// to a port the system chose, held until destruction: another program's socket on the port.
/// Fails the test when the socket calls fail.
class HeldPort {
 public:
  explicit HeldPort(int type) : fd_(::socket(AF_INET, type, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool bound = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    socklen_t len = sizeof addr;
    const bool named = bound && ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0 &&
                       (type != SOCK_STREAM || ::listen(fd_, 1) == 0);
    if (!named) ::close(fd_);
    REQUIRE(named);
    port_ = ntohs(addr.sin_port);
  }
  HeldPort(const HeldPort&) = delete;
  HeldPort& operator=(const HeldPort&) = delete;
  ~HeldPort() { ::close(fd_); }
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

/// A loopback port of `type` that was free a moment ago: held (HeldPort), read back, released,
/// so that the test's server or receiver binds it next.
inline std::uint16_t free_loopback_port(int type) { return HeldPort(type).port(); }

/// free_loopback_port(SOCK_STREAM): for RTSP servers.
inline std::uint16_t free_tcp_port() { return free_loopback_port(SOCK_STREAM); }
/// free_loopback_port(SOCK_DGRAM): for RTP and SRT (which runs over UDP).
inline std::uint16_t free_udp_port() { return free_loopback_port(SOCK_DGRAM); }

}  // namespace framepipe::test
