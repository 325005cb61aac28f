// RtspServer and RtspSink with real clients on loopback: rtspsrc receivers in the same process
// decode the index code drawn into every frame.
#include "framepipe/rtsp/rtsp_server.hpp"

#include <doctest/doctest.h>
#include <gst/gst.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "framepipe/core/writer.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/index_receiver.hpp"
#include "support/run_program.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

constexpr Size kSize{320, 240};
constexpr FrameRate kFps{30, 1};

bool have_h264_chain() {
  return test::have_element("x264enc") && test::have_element("avdec_h264") &&
         test::have_element("rtspsrc");
}

/// A producer thread: writes index-coded I420 frames into the server's sink in real time until
/// stopped, frame i at pts i / 30 s; from frame `jump_after` + 1 on, `jump` later (a source whose
/// clock jumps ahead, or that was paused: its timestamps then run ahead of the media's clock).
class Producer {
 public:
  explicit Producer(RtspServer& server, std::chrono::milliseconds jump = 0ms,
                    std::uint32_t jump_after = 0)
      : writer_({.size = kSize,
                 .fps = kFps,
                 .timestamps = Timestamps::Explicit,
                 .pacing = Pacing::RealTime},
                server.sink()) {
    thread_ = std::thread([this, jump, jump_after] {
      Frame<PixelFormat::I420> frame(kSize);
      const auto start = std::chrono::steady_clock::now();
      for (std::uint32_t i = 0; !stop_.load(); ++i) {
        test::draw_index(frame.view(), i);
        const auto pts = i * 33333us + (jump > 0ms && i > jump_after ? jump : 0ms);
        writer_.write(frame.view(),
                      static_cast<std::uint64_t>(std::chrono::nanoseconds(pts).count()));
        {
          const std::lock_guard lock(mutex_);
          made_.store(i + 1);
        }
        made_changed_.notify_all();
        std::this_thread::sleep_until(start + (i + 1) * 33333us);
      }
      writer_.close();
    });
  }
  ~Producer() { stop(); }
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  std::uint32_t made() const { return made_.load(); }
  /// Waits until `count` frames were made (a condition, bounded by 30 s).
  void wait_made(std::uint32_t count) {
    std::unique_lock lock(mutex_);
    REQUIRE(made_changed_.wait_for(lock, 30s, [&] { return made_.load() >= count; }));
  }
  RtspSink& sink() { return writer_.sink(); }

 private:
  Writer<PixelFormat::I420, RtspSink> writer_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint32_t> made_{0};
  std::mutex mutex_;
  std::condition_variable made_changed_;
  std::thread thread_;
};

std::string client(const RtspServer& server) {
  return "rtspsrc location=" + server.url() +
         " protocols=tcp latency=0 ! rtph264depay ! avdec_h264 output-corrupt=false";
}

/// The next `count` indices a client decodes, after the partial pictures that may come first: a
/// client whose first packets are the last slices of a frame (x264enc's zerolatency preset cuts
/// every frame into slices) decodes the rest of that picture, whose top, where the index code is,
/// never came. Such pictures come only before the client's first whole key frame, which the
/// server sends when a client joins. `leading` counts them.
std::vector<std::uint32_t> collect_whole(test::IndexReceiver& receiver, std::size_t count,
                                         std::size_t& leading) {
  std::vector<std::uint32_t> got;
  leading = 0;
  while (got.size() < count) {
    const auto next = receiver.collect(1, 30s);
    REQUIRE_MESSAGE(next.size() == 1, "receiver error: " << receiver.error());
    if (got.empty() && next.front() == UINT32_MAX) {
      REQUIRE(++leading < 30);  // a key frame on join, and every second: one came within 30
      continue;
    }
    got.push_back(next.front());
  }
  return got;
}

/// Indices received in order, without repeats; a gap only where frames were dropped.
void check_consecutive(const std::vector<std::uint32_t>& got, std::uint64_t dropped) {
  REQUIRE(!got.empty());
  std::uint64_t gaps = 0;
  for (std::size_t i = 1; i < got.size(); ++i) {
    REQUIRE_MESSAGE(got[i] != UINT32_MAX, "frame " << i << " has no readable index");
    REQUIRE_MESSAGE(got[i] > got[i - 1], "index " << got[i] << " after " << got[i - 1]);
    gaps += got[i] - got[i - 1] - 1;
  }
  CHECK(gaps <= dropped);
}

}  // namespace

TEST_CASE("one client receives consecutive index-coded frames, a key frame first") {
  if (!have_h264_chain()) {
    FRAMEPIPE_SKIP_CASE("x264enc, avdec_h264 or rtspsrc missing");
  }
  RtspServer server({.path = "/test"});
  CHECK(server.port() != 0);
  CHECK(server.url() == "rtsp://127.0.0.1:" + std::to_string(server.port()) + "/test");
  Producer producer(server);
  producer.wait_made(10);  // frames made while nobody watches are dropped
  test::IndexReceiver receiver(client(server));
  std::size_t leading = 0;
  const auto got = collect_whole(receiver, 45, leading);
  check_consecutive(got, producer.sink().dropped());
  CHECK(server.medias_configured() == 1);
  receiver.stop();
  producer.stop();
  const RtspSink& sink = producer.sink();
  CHECK(sink.made() == producer.made());
  CHECK(sink.made() == sink.sent() + sink.dropped());
  CHECK(sink.dropped() >= 5);  // the 300 ms before the client came
}

TEST_CASE("four clients joining at different times share one media; one leaves mid-stream") {
  if (!have_h264_chain()) {
    FRAMEPIPE_SKIP_CASE("x264enc, avdec_h264 or rtspsrc missing");
  }
  RtspServer server;
  Producer producer(server);
  std::vector<std::unique_ptr<test::IndexReceiver>> clients;
  std::vector<std::uint32_t> joined_at;
  for (int c = 0; c < 4; ++c) {
    joined_at.push_back(producer.made());
    clients.push_back(std::make_unique<test::IndexReceiver>(client(server)));
    producer.wait_made(producer.made() + 12);  // the next client joins 12 frames later
  }
  // The second client leaves after a few frames; the others go on.
  std::size_t leading = 0;
  collect_whole(*clients[1], 5, leading);  // it decodes whole frames, then leaves
  clients[1].reset();
  for (int c = 0; c < 4; ++c) {
    if (c == 1) continue;
    INFO("client " << c << " joined at frame " << joined_at[static_cast<std::size_t>(c)]);
    const auto got = collect_whole(*clients[static_cast<std::size_t>(c)], 30, leading);
    CHECK(got.front() >= joined_at[static_cast<std::size_t>(c)]);
    check_consecutive(got, producer.sink().dropped());
  }
  CHECK(server.medias_configured() == 1);  // one encode for everybody
  producer.stop();
  const RtspSink& sink = producer.sink();
  CHECK(sink.made() == sink.sent() + sink.dropped());
}

TEST_CASE("clients joining at the same instant each get a key frame, then consecutive frames") {
  if (!have_h264_chain()) {
    FRAMEPIPE_SKIP_CASE("x264enc, avdec_h264 or rtspsrc missing");
  }
  constexpr std::size_t kClients = 16;
  RtspServer server({.key_frame_on_join = true});
  Producer producer(server);
  std::vector<std::unique_ptr<test::IndexReceiver>> clients;
  const std::uint32_t joined_at = producer.made();
  for (std::size_t c = 0; c < kClients; ++c) {
    clients.push_back(std::make_unique<test::IndexReceiver>(client(server)));
  }
  std::size_t partial = 0;
  for (std::size_t c = 0; c < kClients; ++c) {
    INFO("client " << c << " of " << kClients);
    std::size_t leading = 0;
    const auto got = collect_whole(*clients[c], 30, leading);
    partial += leading;
    CHECK(got.front() >= joined_at);
    check_consecutive(got, producer.sink().dropped());
  }
  MESSAGE(partial << " partial pictures before the first key frame, over " << kClients
                  << " clients");
  CHECK(server.medias_configured() == 1);
  clients.clear();
  producer.stop();
  const RtspSink& sink = producer.sink();
  CHECK(sink.made() == sink.sent() + sink.dropped());
}

TEST_CASE("timestamps that run ahead of the media's clock do not hold the media up") {
  if (!have_h264_chain()) {
    FRAMEPIPE_SKIP_CASE("x264enc, avdec_h264 or rtspsrc missing");
  }
  // From frame 45 on the timestamps are a second ahead of the media's clock (as after a
  // producer held up for a second just when the media came, while 16 clients started at once,
  // then catching up): unless the sink sets them back, gst-rtsp-server's sink waits a second for
  // each frame it sends, and appsrc's leaky queue drops the rest (one frame in 30 arrived).
  RtspServer server({.key_frame_on_join = false});
  test::IndexReceiver receiver(client(server));
  Producer producer(server, 1000ms, 45);
  const auto before = receiver.collect(20, 20s);
  INFO("receiver error: " << receiver.error());
  REQUIRE(before.size() == 20);
  producer.wait_made(47);
  const std::uint32_t after_stall = producer.made();
  std::vector<std::uint32_t> got;
  while (got.empty() || got.back() < after_stall) {  // skip what was queued before
    const auto next = receiver.collect(1, 10s);
    REQUIRE(next.size() == 1);
    got = next;
  }
  // Held up, 60 frames would take a minute, and only about one frame in 30 would arrive.
  const auto rest = receiver.collect(60, 20s);
  REQUIRE(rest.size() == 60);
  check_consecutive(rest, producer.sink().dropped());
  const std::uint32_t span = rest.back() - rest.front() + 1;
  INFO("frames " << rest.front() << " to " << rest.back() << " sent, 60 of them arrived");
  CHECK(span < 2 * 60);  // most frames of the span arrived
  CHECK(producer.sink().retimed() >= 1);
  producer.stop();
  CHECK(producer.sink().made() == producer.sink().sent() + producer.sink().dropped());
}

TEST_CASE("the server shuts down with clients connected, in bounded time") {
  if (!have_h264_chain()) {
    FRAMEPIPE_SKIP_CASE("x264enc, avdec_h264 or rtspsrc missing");
  }
  auto server = std::make_unique<RtspServer>();
  Producer producer(*server);
  test::IndexReceiver a(client(*server));
  test::IndexReceiver b(client(*server));
  REQUIRE(a.collect(5, 20s).size() == 5);
  REQUIRE(b.collect(5, 20s).size() == 5);
  CHECK(server->clients() == 2);
  const auto before = std::chrono::steady_clock::now();
  server.reset();
  const auto took = std::chrono::steady_clock::now() - before;
  MESSAGE("shutdown with 2 clients took "
          << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  // The producer goes on without a server: every frame now is dropped and counted.
  const std::uint64_t dropped_before = producer.sink().dropped();
  producer.wait_made(producer.made() + 10);  // frames made after the server went
  CHECK(producer.sink().dropped() > dropped_before);
  CHECK_FALSE(producer.sink().attached());
  producer.stop();
  CHECK(producer.sink().made() == producer.sink().sent() + producer.sink().dropped());
}

TEST_CASE("without clients every frame is dropped and counted, and the producer never waits") {
  RtspServer server;
  auto sink = server.sink();
  Writer<PixelFormat::I420, RtspSink> writer({.size = kSize, .fps = kFps}, std::move(sink));
  Frame<PixelFormat::I420> frame(kSize);
  for (std::uint32_t i = 0; i < 100; ++i) {
    test::draw_index(frame.view(), i);
    writer.write(frame.view());
  }
  const Stats stats = writer.close();
  CHECK(stats.dropped == 100);
  CHECK(writer.sink().made() == 100);
  CHECK(writer.sink().sent() == 0);
  CHECK(server.medias_configured() == 0);
}

TEST_CASE("audio without clients is dropped and counted; wrong audio calls throw") {
  if (!test::have_element("opusenc") || !test::have_element("rtpopuspay")) {
    FRAMEPIPE_SKIP_CASE("opusenc or rtpopuspay missing");
  }
  RtspServer server;
  RtspSink sink = server.sink();
  CHECK_THROWS_AS(sink.start(AudioSpec{}), Error);  // before start(StreamSpec)
  sink.start(StreamSpec{.format = PixelFormat::I420, .size = kSize, .fps = kFps});
  CHECK_THROWS_AS(sink.acquire_audio<AudioFormat::S16LE>(480), Error);  // before start(AudioSpec)
  sink.start(AudioSpec{AudioFormat::S16LE, 48000, 2});
  CHECK_THROWS_AS(sink.acquire_audio<AudioFormat::F32LE>(480), InvalidArgument);
  CHECK_THROWS_AS(sink.acquire_audio<AudioFormat::S16LE>(0), InvalidArgument);
  CHECK_THROWS_AS(sink.acquire_audio<AudioFormat::S16LE>(RtspSink::kAudioBufferFrames + 1),
                  InvalidArgument);
  for (std::uint64_t i = 0; i < 20; ++i) {
    const AudioView<AudioFormat::S16LE> lent = sink.acquire_audio<AudioFormat::S16LE>(480);
    CHECK(lent.frames() == 480);
    sink.submit_audio(AudioTime::at(i * 480, 480, 48000));
  }
  sink.finish();
  CHECK(sink.audio_made() == 20);
  CHECK(sink.audio_dropped() == 20);
  CHECK(sink.audio_sent() == 0);
  CHECK(sink.made() == 0);
  // What Writer and Pipeline merge into their Stats.
  CHECK(sink.counters().audio_buffers == 20);
  CHECK(sink.counters().audio_dropped == 20);
}

TEST_CASE("a port already in use is AddressInUse") {
  {
    const test::HeldPort holder(SOCK_STREAM);  // another program's server on the port
    const auto port = holder.port();
    try {
      RtspServer server({.port = port});
      FAIL("the server listened on a port in use");
    } catch (const AddressInUse& e) {
      CHECK(e.port() == port);
      CHECK(e.address() == "127.0.0.1");
    }
  }
  CHECK_THROWS_AS(RtspServer({.path = "no-slash"}), InvalidArgument);
}

TEST_CASE("a client of a VP8 server decodes the index code") {
  if (!test::have_element("vp8enc") || !test::have_element("vp8dec") ||
      !test::have_element("rtspsrc")) {
    FRAMEPIPE_SKIP_CASE("vp8enc, vp8dec or rtspsrc missing");
  }
  RtspServer server({.codec = VideoCodec::VP8});
  Producer producer(server);
  test::IndexReceiver receiver("rtspsrc location=" + server.url() +
                               " protocols=tcp latency=0 ! rtpvp8depay ! vp8dec");
  const auto got = receiver.collect(20, 20s);
  INFO("receiver error: " << receiver.error());
  REQUIRE(got.size() == 20);
  check_consecutive(got, producer.sink().dropped());
}

TEST_CASE("ffprobe, a client nobody here wrote, opens the RTSP URL") {
  if (!std::ifstream("/usr/bin/ffprobe") || !test::have_element("x264enc")) {
    FRAMEPIPE_SKIP_CASE("ffprobe (Debian ffmpeg) or x264enc missing");
  }
  RtspServer server;
  Producer producer(server);
  const auto result =
      test::run_program("/usr/bin/timeout",
                        "20 /usr/bin/ffprobe -v error -rtsp_transport tcp -select_streams v:0 "
                        "-show_entries stream=codec_name,width,height -of csv=p=0 " +
                            server.url());
  INFO("ffprobe said: " << result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("h264,320,240") != std::string::npos);
}

namespace {

/// ffmpeg's pictures of `server`'s stream (the producer draws the index code): 90 frames, three
/// seconds, so three key frames of the preset.
test::FfmpegPictures ffmpeg_pictures_of(const RtspServer& server, const std::string& name) {
  const test::TempDir dir("framepipe-rtsp-ffmpeg");
  return test::ffmpeg_pictures("-rtsp_transport tcp -i " + server.url(), kSize, 90, 30,
                               (dir / name).string());
}

/// Whole pictures: every frame from the first readable one on reads, in order, and looks like
/// the frame that was sent (clean encoding noise is a few levels; a split key frame and the P
/// frames that reference its broken half are off by about a hundred in the damaged blocks).
constexpr int kMaxPictureError = 24;
std::string picture_damage(const test::FfmpegPictures& p) {
  if (p.indices.size() < 60) return "only " + std::to_string(p.indices.size()) + " frames";
  std::size_t first = 0;
  while (first < p.indices.size() && p.indices[first] == UINT32_MAX) ++first;
  if (first > 30) return "no readable frame among the first 30";
  for (std::size_t i = first + 1; i < p.indices.size(); ++i) {
    if (p.indices[i] == UINT32_MAX) return "frame " + std::to_string(i) + " does not read";
    if (p.indices[i] <= p.indices[i - 1]) {
      return "index " + std::to_string(p.indices[i]) + " after " + std::to_string(p.indices[i - 1]);
    }
  }
  if (p.worst() > kMaxPictureError) {
    return "a picture is off by " + std::to_string(p.worst()) + " levels in a block";
  }
  return {};
}

}  // namespace

TEST_CASE("ffmpeg decodes whole pictures of the H.264 preset, key frames included") {
  if (!std::ifstream("/usr/bin/ffmpeg") || !test::have_element("x264enc")) {
    FRAMEPIPE_SKIP_CASE("ffmpeg (Debian ffmpeg) or x264enc missing");
  }
  RtspServer server;
  Producer producer(server);
  const auto pictures = ffmpeg_pictures_of(server, "preset.yuv");
  INFO("ffmpeg said: " << pictures.run.output);
  MESSAGE(pictures.indices.size() << " frames, worst block off by " << pictures.worst()
                                  << " levels");
  CHECK(pictures.run.exit_code == 0);
  CHECK(picture_damage(pictures) == "");
}

TEST_CASE("the picture check sees the key frames rtph264pay config-interval=-1 splits") {
  if (!std::ifstream("/usr/bin/ffmpeg") || !test::have_element("x264enc")) {
    FRAMEPIPE_SKIP_CASE("ffmpeg (Debian ffmpeg) or x264enc missing");
  }
  // The preset before the fix: SPS/PPS before every IDR slice starts a new access unit in the
  // middle of each key frame.
  RtspServer server({.encoder = "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 "
                                "! rtph264pay config-interval=-1"});
  Producer producer(server);
  const auto pictures = ffmpeg_pictures_of(server, "split.yuv");
  INFO("ffmpeg said: " << pictures.run.output);
  MESSAGE("config-interval=-1: " << picture_damage(pictures));
  CHECK(picture_damage(pictures) != "");
}

TEST_CASE("paths no client can request are InvalidArgument, naming the rule") {
  const auto rule_of = [](const std::string& path) -> std::string {
    try {
      RtspServer server({.path = path});
    } catch (const InvalidArgument& e) {
      return e.what();
    }
    return "accepted";
  };
  CHECK(rule_of("no-slash").find("must start with '/'") != std::string::npos);
  CHECK(rule_of("/a b").find("only letters, digits") != std::string::npos);
  CHECK(rule_of("//x").find("empty segment") != std::string::npos);
  CHECK(rule_of("/x/").find("empty segment") != std::string::npos);
  CHECK(rule_of("/x?y=1").find("query") != std::string::npos);
  CHECK(rule_of("/x#y").find("query or fragment") != std::string::npos);
  CHECK(rule_of("/x\r\nRange: npt=0-").find("control character") != std::string::npos);
  CHECK(rule_of("/../x").find("\"..\"") != std::string::npos);
  CHECK(rule_of("/%zz").find("%XX") != std::string::npos);
  CHECK(rule_of("/" + std::string(10000, 'a')).find("longer than 1024") != std::string::npos);
  CHECK(rule_of("/live/cam-1_a.b~c%20d") == "accepted");
  CHECK(rule_of("/") == "accepted");
}

TEST_CASE("a custom encoder naming a missing element is MissingElement when the server is made") {
  try {
    RtspServer server({.encoder = "framepipe-no-such-encoder ! rtph264pay"});
    FAIL("the server accepted an encoder that is not installed");
  } catch (const MissingElement& e) {
    CHECK(e.element() == "framepipe-no-such-encoder");
  }
  CHECK_THROWS_AS(RtspServer({.encoder = "x264enc ! ! rtph264pay"}), ParseError);
}
