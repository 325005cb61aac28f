// WhepServer's HTTP side with plain HTTP requests (libsoup's client) on loopback: the answer,
// Location and DELETE, the error codes, the viewer limit, and that a viewer's elements are freed
// and counted when it leaves.
#include "framepipe/web/whep_server.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "web/http_client.hpp"
#include "web/whep_test_support.hpp"

using namespace framepipe;
using namespace std::chrono_literals;
using test::browser_offer;
using test::http_request;

namespace {

constexpr Size kSize{160, 120};

bool have_webrtc() {
  return test::have_element("webrtcbin") && test::have_element("nicesrc") &&
         test::have_element("vp8enc") && test::have_element("rtpvp8pay");
}

/// Waits (bounded, 10 s) until `done()` holds; the server's teardown and GLib's finalisation run
/// on other threads.
template <class Done>
bool eventually(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

void grey(FrameView<PixelFormat::I420> view, std::uint32_t) {
  test::fill_i420(view, 128, 128, 128);
}

test::HttpResponse post_offer(
    const WhepServer& server, const std::string& offer,
    const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  return http_request("POST", server.endpoint_url(), "application/sdp", offer, headers);
}

}  // namespace

TEST_CASE("WhepServer answers an offer with 201, the answer and a Location it DELETEs") {
  if (!have_webrtc()) FRAMEPIPE_SKIP_CASE("webrtcbin, libnice's plugin or vp8enc missing");
  WhepServer server({.path = "/clock"});
  CHECK(server.endpoint_url() ==
        "http://127.0.0.1:" + std::to_string(server.port()) + "/clock/whep");
  test::WhepProducer producer(server, kSize, grey);

  const auto answer = post_offer(server, browser_offer());
  REQUIRE_MESSAGE(answer.status == 201, answer.body);
  CHECK(answer.header("content-type") == "application/sdp");
  CHECK(answer.header("access-control-allow-origin") == "*");
  const std::string location = answer.header("location");
  REQUIRE(location.rfind("/clock/whep/", 0) == 0);
  CHECK(location.size() == std::string("/clock/whep/").size() + 32);
  CHECK(answer.body.find("a=sendonly") != std::string::npos);
  CHECK(answer.body.find("VP8/90000") != std::string::npos);
  CHECK(answer.body.find("a=candidate:") != std::string::npos);  // non-trickle: all in
  CHECK(answer.body.find("a=fingerprint:") != std::string::npos);
  CHECK(server.viewers() == 1);
  CHECK(server.viewers_joined() == 1);

  // PATCH (trickle ICE) is not supported; DELETE removes the viewer and frees its elements.
  CHECK(http_request("PATCH", "http://127.0.0.1:" + std::to_string(server.port()) + location,
                     "application/trickle-ice-sdpfrag", "a=end-of-candidates\r\n")
            .status == 405);
  const std::string resource = "http://127.0.0.1:" + std::to_string(server.port()) + location;
  CHECK(http_request("DELETE", resource).status == 200);
  CHECK(server.viewers() == 0);
  CHECK(server.viewers_left() == 1);
  CHECK(eventually([&] { return server.viewers_freed() == 1; }));
  CHECK(http_request("DELETE", resource).status == 404);

  producer.stop();
  const WhepSink& sink = producer.sink();
  CHECK(sink.made() == producer.made());
  CHECK(sink.made() == sink.sent() + sink.dropped());
  CHECK(sink.sent() > 0);     // while the viewer was there
  CHECK(sink.dropped() > 0);  // before and after it
}

TEST_CASE("WhepServer refuses bad requests with clear codes, and they change nothing") {
  if (!have_webrtc()) FRAMEPIPE_SKIP_CASE("webrtcbin, libnice's plugin or vp8enc missing");
  WhepServer server({.path = "/live/cam-1"});
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());

  // No stream runs yet.
  auto response = post_offer(server, browser_offer());
  CHECK(response.status == 503);
  CHECK(response.body.find("no stream") != std::string::npos);

  test::WhepProducer producer(server, kSize, grey);
  response = http_request("POST", server.endpoint_url(), "text/plain", browser_offer());
  CHECK(response.status == 415);
  response = post_offer(server, std::string(WhepServer::kMaxOfferSize + 1, 'x'));
  CHECK(response.status == 413);
  response = post_offer(server, "hello");
  CHECK(response.status == 400);
  CHECK(response.body.find("malformed") != std::string::npos);
  response = post_offer(server, browser_offer("recvonly", "audio"));
  CHECK(response.status == 400);
  CHECK(response.body.find("no video") != std::string::npos);
  response = post_offer(server, test::vp9_only_offer());
  CHECK(response.status == 400);
  CHECK(response.body.find("VP8") != std::string::npos);
  response = post_offer(server, browser_offer("sendonly"));
  CHECK(response.status == 400);
  CHECK(http_request("GET", server.endpoint_url()).status == 405);
  CHECK(
      http_request("DELETE", server.endpoint_url() + "/0123456789abcdef0123456789abcdef").status ==
      404);
  CHECK(http_request("GET", base + "/live/cam-2/whep").status == 404);
  CHECK(http_request("GET", base + "/").status == 404);
  // A CORS preflight, as a page from another origin sends before its POST.
  response = http_request("OPTIONS", server.endpoint_url(), {}, {},
                          {{"Origin", "http://example.test"},
                           {"Access-Control-Request-Method", "POST"},
                           {"Access-Control-Request-Headers", "content-type"}});
  CHECK(response.status == 204);
  CHECK(response.header("access-control-allow-methods").find("POST") != std::string::npos);
  CHECK(response.header("access-control-expose-headers").find("Location") != std::string::npos);

  CHECK(server.viewers() == 0);
  CHECK(server.viewers_joined() == 0);
  CHECK(server.viewers_left() == 0);
}

TEST_CASE("WhepServer with a bearer token refuses requests without it (401)") {
  if (!have_webrtc()) FRAMEPIPE_SKIP_CASE("webrtcbin, libnice's plugin or vp8enc missing");
  WhepServer server({.bearer_token = "s3cret-token"});
  test::WhepProducer producer(server, kSize, grey);
  auto response = post_offer(server, browser_offer());
  CHECK(response.status == 401);
  CHECK(response.header("www-authenticate") == "Bearer");
  CHECK(post_offer(server, browser_offer(), {{"Authorization", "Bearer wrong-token!"}}).status ==
        401);
  CHECK(post_offer(server, browser_offer(), {{"Authorization", "Bearer s3cret-tokem"}}).status ==
        401);
  response = post_offer(server, browser_offer(), {{"Authorization", "Bearer s3cret-token"}});
  REQUIRE(response.status == 201);
  const std::string resource =
      "http://127.0.0.1:" + std::to_string(server.port()) + response.header("location");
  CHECK(http_request("DELETE", resource).status == 401);
  CHECK(server.viewers() == 1);
  CHECK(
      http_request("DELETE", resource, {}, {}, {{"Authorization", "Bearer s3cret-token"}}).status ==
      200);
  CHECK(server.viewers() == 0);
}

TEST_CASE("WhepServer refuses one viewer past max_viewers with 503, and frees every viewer") {
  if (!have_webrtc()) FRAMEPIPE_SKIP_CASE("webrtcbin, libnice's plugin or vp8enc missing");
  std::uint64_t freed = 0;
  {
    WhepServer server({.max_viewers = 2});
    test::WhepProducer producer(server, kSize, grey);
    CHECK(post_offer(server, browser_offer()).status == 201);
    CHECK(post_offer(server, browser_offer()).status == 201);
    const auto third = post_offer(server, browser_offer());
    CHECK(third.status == 503);
    CHECK(third.body.find("max_viewers") != std::string::npos);
    CHECK(server.viewers() == 2);
    CHECK(server.viewers_refused() == 1);
    // The stream ends: its viewers go with it.
    producer.stop();
    CHECK(server.viewers() == 0);
    CHECK(server.viewers_left() == 2);
    CHECK(eventually([&] { return server.viewers_freed() == 2; }));
    freed = server.viewers_freed();
  }
  CHECK(freed == 2);
}

TEST_CASE("WhepServer answers H.264 constrained baseline offers when it sends H.264") {
  if (!have_webrtc() || !test::have_element("x264enc") || !test::have_element("rtph264pay")) {
    FRAMEPIPE_SKIP_CASE("x264enc or rtph264pay missing");
  }
  WhepServer server({.codec = VideoCodec::H264});
  test::WhepProducer producer(server, kSize, grey);
  const auto answer = post_offer(server, browser_offer());
  REQUIRE_MESSAGE(answer.status == 201, answer.body);
  CHECK(answer.body.find("H264/90000") != std::string::npos);
  CHECK(answer.body.find("42e01f") != std::string::npos);
  CHECK(answer.body.find("VP8/90000") == std::string::npos);
}

TEST_CASE("WhepServer checks its options") {
  CHECK_THROWS_AS(WhepServer({.path = "clock"}), InvalidArgument);
  CHECK_THROWS_AS(WhepServer({.path = "/clock/"}), InvalidArgument);
  CHECK_THROWS_AS(WhepServer({.path = "/a b"}), InvalidArgument);
  CHECK_THROWS_AS(WhepServer({.pool_size = 0}), InvalidArgument);
}

TEST_CASE("WhepServer removes and frees a viewer that never sends RTCP (peer_timeout)") {
  if (!have_webrtc()) FRAMEPIPE_SKIP_CASE("webrtcbin, libnice's plugin or vp8enc missing");
  // The offer's candidates lead nowhere: like a tab killed right after its POST, this viewer
  // never connects nor sends RTCP, and never DELETEs.
  WhepServer server({.peer_timeout = std::chrono::seconds(1)});
  test::WhepProducer producer(server, kSize, grey);
  REQUIRE(post_offer(server, browser_offer()).status == 201);
  CHECK(server.viewers() == 1);
  CHECK(eventually([&] { return server.viewers() == 0; }));
  CHECK(server.viewers_left() == 1);
  CHECK(eventually([&] { return server.viewers_freed() == 1; }));
  CHECK_THROWS_AS(WhepServer({.peer_timeout = std::chrono::milliseconds(500)}), InvalidArgument);
}
