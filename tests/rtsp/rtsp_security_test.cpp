// RtspServer against clients that are not welcome: without credentials or with a wrong password
// (401), over TLS (rtsps://), one past max_clients, one that connects and says nothing, one that
// stops reading its TCP connection; and secrets that must not leak into messages.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "framepipe/core/writer.hpp"
#include "framepipe/rtsp/rtsp_server.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/index_receiver.hpp"
#include "support/rtsp_raw_client.hpp"
#include "support/run_program.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

constexpr Size kSize{320, 240};

bool have_ffmpeg() { return std::ifstream("/usr/bin/ffmpeg").good(); }

/// Writes index-coded I420 frames into the server's sink at 30 frames a second until destroyed,
/// as a camera would. (Unpaced, the sink takes them as fast as it drops them: one core spun, and
/// the stream's pts ran ahead of the clock.)
class Producer {
 public:
  explicit Producer(RtspServer& server)
      : writer_({.size = kSize, .fps = {30, 1}, .pacing = Pacing::RealTime}, server.sink()) {
    thread_ = std::thread([this] {
      Frame<PixelFormat::I420> frame(kSize);
      const auto start = std::chrono::steady_clock::now();
      for (std::uint32_t i = 0; !stop_.load(); ++i) {
        test::draw_index(frame.view(), i);
        writer_.write(frame.view());
        std::this_thread::sleep_until(start + (i + 1) * 33333us);
      }
      writer_.close();
    });
  }
  ~Producer() {
    stop_.store(true);
    thread_.join();
  }

 private:
  Writer<PixelFormat::I420, RtspSink> writer_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// The server's URL with `credentials` ("user:password") after the scheme.
std::string with_credentials(const RtspServer& server, const std::string& credentials) {
  std::string url = server.url();
  url.insert(url.find("://") + 3, credentials + "@");
  return url;
}

/// Whole, ordered pictures from ffmpeg (see rtsp_server_test): "" when they are.
std::string picture_damage(const test::FfmpegPictures& p) {
  if (p.indices.size() < 30) return "only " + std::to_string(p.indices.size()) + " frames";
  std::size_t first = 0;
  while (first < p.indices.size() && p.indices[first] == UINT32_MAX) ++first;
  for (std::size_t i = first + 1; i < p.indices.size(); ++i) {
    if (p.indices[i] == UINT32_MAX || p.indices[i] <= p.indices[i - 1]) {
      return "frame " + std::to_string(i) + " is not the next whole picture";
    }
  }
  if (p.worst() > 24) return "a picture is off by " + std::to_string(p.worst()) + " levels";
  return {};
}

test::FfmpegPictures play(const std::string& input, const test::TempDir& dir, int frames = 45) {
  return test::ffmpeg_pictures(input, kSize, frames, 20, (dir / "out.yuv").string());
}

/// Polls `condition` until it holds or `timeout` passed (a bounded wait on the server's
/// counters, which have no notification).
template <class Fn>
bool eventually(Fn condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

}  // namespace

TEST_CASE("with users, ffmpeg without credentials or with a wrong password gets 401, no frames") {
  if (!have_ffmpeg() || !test::have_element("x264enc")) {
    FRAMEPIPE_SKIP_CASE("ffmpeg (Debian ffmpeg) or x264enc missing");
  }
  for (const RtspAuthMethod method : {RtspAuthMethod::Digest, RtspAuthMethod::Basic}) {
    INFO((method == RtspAuthMethod::Digest ? "Digest" : "Basic"));
    RtspServer server({.users = {{"user", "secret"}}, .auth_method = method});
    Producer producer(server);
    const test::TempDir dir("framepipe-rtsp-auth");
    const auto anonymous = play("-rtsp_transport tcp -i " + server.url(), dir, 5);
    INFO("ffmpeg without credentials said: " << anonymous.run.output);
    CHECK(anonymous.run.exit_code != 0);
    CHECK(anonymous.run.output.find("401") != std::string::npos);
    CHECK(anonymous.indices.empty());
    const auto wrong =
        play("-rtsp_transport tcp -i " + with_credentials(server, "user:wrong"), dir, 5);
    INFO("ffmpeg with a wrong password said: " << wrong.run.output);
    CHECK(wrong.run.exit_code != 0);
    CHECK(wrong.run.output.find("401") != std::string::npos);
    CHECK(wrong.indices.empty());
    const auto right =
        play("-rtsp_transport tcp -i " + with_credentials(server, "user:secret"), dir);
    INFO("ffmpeg with the password said: " << right.run.output);
    CHECK(right.run.exit_code == 0);
    CHECK(picture_damage(right) == "");
    CHECK(server.medias_configured() == 1);  // nothing was built for the refused clients
  }
}

TEST_CASE("one client past max_clients gets 503 and is closed; the others are served") {
  RtspServer server({.max_clients = 1});
  test::RtspRawClient first(server.port());
  first.send("OPTIONS " + server.url() + " RTSP/1.0\r\nCSeq: 1\r\n\r\n");
  CHECK(first.response().find("RTSP/1.0 200") == 0);
  test::RtspRawClient second(server.port());
  second.send("DESCRIBE " + server.url() + " RTSP/1.0\r\nCSeq: 1\r\n\r\n");
  // 503, or closed before the request was read: either way no stream.
  const std::string answer = second.response();
  INFO("the client past the limit got: " << answer);
  CHECK((answer.empty() || answer.find("RTSP/1.0 503") == 0));
  CHECK(second.closed_within(5s));
  CHECK(server.refused_clients() == 1);
  first.send("OPTIONS " + server.url() + " RTSP/1.0\r\nCSeq: 2\r\n\r\n");
  CHECK(first.response().find("RTSP/1.0 200") == 0);
  CHECK(server.clients() == 1);
}

TEST_CASE("clients past max_clients that ask at once are each answered 503 and closed") {
  // Each refused client is closed while its request may still be being read: from the thread
  // that serves it, or gst-rtsp-server's connection loses its stream mid-read and spins.
  RtspServer server({.max_clients = 1});
  test::RtspRawClient first(server.port());
  first.send("OPTIONS " + server.url() + " RTSP/1.0\r\nCSeq: 1\r\n\r\n");
  REQUIRE(first.response().find("RTSP/1.0 200") == 0);
  for (int i = 0; i < 40; ++i) {
    INFO("refused client " << i);
    test::RtspRawClient refused(server.port());
    refused.send("DESCRIBE " + server.url() + " RTSP/1.0\r\nCSeq: 1\r\n\r\n");
    const std::string answer = refused.response();
    CHECK((answer.empty() || answer.find("RTSP/1.0 503") == 0));
    REQUIRE(refused.closed_within(5s));
  }
  CHECK(server.refused_clients() == 40);
  first.send("OPTIONS " + server.url() + " RTSP/1.0\r\nCSeq: 2\r\n\r\n");
  CHECK(first.response().find("RTSP/1.0 200") == 0);
  CHECK(server.clients() == 1);
}

TEST_CASE("a client that connects and says nothing is closed after setup_timeout") {
  RtspServer server({.setup_timeout = 1s});
  test::RtspRawClient silent(server.port());
  CHECK(silent.closed_within(10s));
  CHECK(server.timed_out_clients() == 1);
  CHECK(eventually([&] { return server.clients() == 0; }, 5s));
}

TEST_CASE("a TCP client that stops reading is dropped in bounded time; the others go on") {
  if (!test::have_element("x264enc") || !test::have_element("avdec_h264") ||
      !test::have_element("rtspsrc")) {
    FRAMEPIPE_SKIP_CASE("x264enc, avdec_h264 or rtspsrc missing");
  }
  RtspServer server({.session_timeout = 3s, .setup_timeout = 1s});
  Producer producer(server);
  // SETUP and PLAY over RTSP-interleaved TCP, with a small receive buffer, and then never read.
  test::RtspRawClient stalled(server.port(), 4096);
  stalled.send("SETUP " + server.url() +
               "/stream=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1"
               "\r\n\r\n");
  const std::string setup = stalled.response();
  INFO("SETUP answered: " << setup);
  REQUIRE(setup.find("RTSP/1.0 200") == 0);
  const auto at = setup.find("Session: ");
  REQUIRE(at != std::string::npos);
  const std::string session = setup.substr(at + 9, setup.find_first_of(";\r", at) - at - 9);
  CHECK(setup.find("timeout=3") != std::string::npos);
  stalled.send("PLAY " + server.url() + " RTSP/1.0\r\nCSeq: 2\r\nSession: " + session + "\r\n\r\n");
  // Another client plays whole, consecutive frames meanwhile.
  test::IndexReceiver other("rtspsrc location=" + server.url() +
                            " protocols=tcp latency=0 ! rtph264depay ! avdec_h264");
  std::vector<std::uint32_t> got;
  while (got.size() < 90) {
    const auto next = other.collect(1, 20s);
    REQUIRE_MESSAGE(next.size() == 1, "receiver error: " << other.error());
    if (got.empty() && next.front() == UINT32_MAX) continue;  // before its first key frame
    REQUIRE(next.front() != UINT32_MAX);
    if (!got.empty()) REQUIRE(next.front() > got.back());
    got.push_back(next.front());
  }
  // The stalled client's session (3 s without a request or RTCP, plus gst-rtsp-server's 5 s of
  // grace, looked at once a second) goes about 6.5 s after these 90 frames; its connection,
  // without a session, is then closed. 20 s leaves room for a loaded machine.
  CHECK(eventually([&] { return server.timed_out_clients() >= 1; }, 20s));
  CHECK(eventually([&] { return server.clients() == 1; }, 5s));
  CHECK(stalled.closed_within(10s));
}

TEST_CASE(
    "RTSPS: ffmpeg plays rtsps:// with a self-signed certificate; plain rtsp:// gets nothing") {
  if (!have_ffmpeg() || !test::have_element("x264enc") ||
      !std::ifstream("/usr/bin/openssl").good()) {
    FRAMEPIPE_SKIP_CASE("ffmpeg (Debian ffmpeg), x264enc or openssl missing");
  }
  const test::TempDir dir("framepipe-rtsps");
  const std::string certificate = (dir / "cert.pem").string();
  const std::string key = (dir / "key.pem").string();
  const auto made = test::run_program(
      "/usr/bin/openssl", "req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " +
                              key + " -out " + certificate);
  INFO("openssl said: " << made.output);
  REQUIRE(made.exit_code == 0);
  RtspServer server({.tls_certificate = certificate, .tls_key = key});
  CHECK(server.tls());
  CHECK(server.url().rfind("rtsps://127.0.0.1:", 0) == 0);
  Producer producer(server);
  const auto pictures = play("-rtsp_transport tcp -i " + server.url(), dir);
  INFO("ffmpeg said: " << pictures.run.output);
  CHECK(pictures.run.exit_code == 0);
  CHECK(picture_damage(pictures) == "");
  std::string plain = server.url();
  plain.replace(0, 5, "rtsp");
  const auto refused = play("-rtsp_transport tcp -i " + plain, dir, 5);
  CHECK(refused.run.exit_code != 0);
  CHECK(refused.indices.empty());
}

TEST_CASE("passwords appear in no exception text") {
  const std::string password = "pw-7f3a9c";
  const auto text_of = [](const RtspServerOptions& options) -> std::string {
    try {
      RtspServer server(options);
    } catch (const Error& e) {
      return e.what();
    }
    return "accepted";
  };
  for (const std::string& text :
       {text_of({.users = {{"", password}}}), text_of({.users = {{"a:b", password}}}),
        text_of({.path = "/a b", .users = {{"user", password}}}),
        text_of({.users = {{"user", password}},
        .tls_certificate = "/nonexistent/c.pem",
        .tls_key = "/nonexistent/k.pem"}),
        text_of({.users = {{"user", password}}, .tls_certificate = "/nonexistent/c.pem"})}) {
    INFO(text);
    CHECK(text != "accepted");
    CHECK(text.find(password) == std::string::npos);
  }
  CHECK_THROWS_AS(RtspServer({.users = {{"user", ""}}}), InvalidArgument);
}
