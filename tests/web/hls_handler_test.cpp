// serve_hls() on a real HttpServer, in front of a live HlsOutput (a test pattern at real-time
// pace): types and Cache-Control of the playlist and segments, 404 for every name that is not a
// finished segment of this stream (path traversal plain, encoded and absolute included), 405 for
// other methods, and ffmpeg playing the HTTP playlist on 127.0.0.1 for 2 s of frames.
#include "framepipe/web/hls_handler.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "framepipe/web/hls_output.hpp"
#include "framepipe/web/http_server.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/raw_http_client.hpp"
#include "support/run_program.hpp"
#include "web/hls_live_stream.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

bool have_program(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

bool have_hls_elements() { return test::have_element("x264enc") && test::have_element("hlssink2"); }

}  // namespace

TEST_CASE("serve_hls wants a prefix that ends in '/'") {
  HttpServer server;
  const HlsOutput hls;
  CHECK_THROWS_AS(serve_hls(server, "/clock", hls), InvalidArgument);
  CHECK_THROWS_AS(serve_hls(server, "clock/", hls), InvalidArgument);
}

TEST_CASE("A handler that outlives its HlsOutput answers 404") {
  HttpServer server;
  {
    const HlsOutput hls;
    std::ofstream(hls.playlist_path()) << "#EXTM3U\n";
    serve_hls(server, "/gone/", hls);
    CHECK(test::raw_http_get(server.port(), "/gone/index.m3u8").status == 200);
  }
  const test::RawHttpResponse gone = test::raw_http_get(server.port(), "/gone/index.m3u8");
  CHECK(gone.status == 404);
  CHECK(gone.header("cache-control") == "no-cache");
}

TEST_CASE("serve_hls: playlist and segments with their types and caching, 404 for the rest") {
  if (!have_hls_elements()) FRAMEPIPE_SKIP_CASE("x264enc (-ugly) or hlssink2 (-bad)");
  test::LiveHlsStream stream({.segment_duration = 1s, .playlist_length = 3, .max_files = 5});
  const HlsOutput& hls = stream.output();
  // A file of another program in the directory: never served.
  std::ofstream(hls.directory() / "secret.txt") << "not for the web\n";
  HttpServer server;
  serve_hls(server, "/clock/", hls);
  const std::uint16_t port = server.port();

  const std::string playlist = test::wait_for_playlist(port, "/clock/index.m3u8", 3);
  INFO("playlist:\n" << playlist << "stream error: " << stream.error());
  const test::RawHttpResponse list = test::raw_http_get(port, "/clock/index.m3u8");
  REQUIRE(list.status == 200);
  CHECK(list.header("content-type") == "application/vnd.apple.mpegurl");
  CHECK(list.header("cache-control") == "max-age=1");
  CHECK(list.header("access-control-allow-origin") == "*");  // HttpServer's CORS, for hls.js
  const std::vector<std::string> names = test::listed_segments(list.body);
  REQUIRE(names.size() == 3);

  const test::RawHttpResponse segment = test::raw_http_get(port, "/clock/" + names.front());
  REQUIRE(segment.status == 200);
  CHECK(segment.header("content-type") == "video/mp2t");
  CHECK(segment.header("cache-control") == "max-age=86400, immutable");
  REQUIRE(segment.body.size() >= 188);
  CHECK(segment.body.size() % 188 == 0);  // whole MPEG-TS packets
  CHECK(segment.body[0] == 0x47);         // the TS sync byte

  const test::RawHttpResponse head = test::raw_http_request(port, "HEAD", "/clock/" + names[0]);
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.header("content-length") == std::to_string(segment.body.size()));

  const test::RawHttpResponse post = test::raw_http_request(port, "POST", "/clock/" + names[0]);
  CHECK(post.status == 405);
  CHECK(post.header("allow") == "GET, HEAD");

  // The segment after the playlist's last is being written (or is not there yet): 404, so that
  // no cache keeps it cut short.
  const std::optional<unsigned long> sequence = test::media_sequence(list.body);
  REQUIRE(sequence.has_value());
  const std::string next = hls.segment_name(static_cast<unsigned>(*sequence + names.size() + 1));
  const test::RawHttpResponse early = test::raw_http_get(port, "/clock/" + next);
  CHECK(early.status == 404);
  CHECK(early.header("cache-control") == "no-cache");

  // Names that are not this stream's finished files, and ways out of the directory. (libsoup
  // removes dot segments before any handler runs: "/clock/./x" is "/clock/x", "/clock/../x"
  // is "/x".)
  const std::string other_stream = "segment-00000000-00000.ts";
  const std::vector<std::string> targets = {
      "/clock/secret.txt",
      "/clock/",
      "/clock/x.ts",
      "/clock/" + other_stream,
      "/clock/segment00000.ts",
      "/clock/../../../../etc/passwd",
      "/clock/..%2f..%2fetc/passwd",
      "/clock/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/clock//etc/passwd",
      "/clock/%2Fetc%2Fpasswd",
      "/clock/" + hls.directory().string() + "/secret.txt",
      "/clock/.goutputstream-ABCDEF",
      "/clock/" + names[0] + "/",
      "/clock/index.m3u8%00.ts",
      "/clock/index.m3u8/..",
  };
  for (const std::string& target : targets) {
    const test::RawHttpResponse r = test::raw_http_get(port, target);
    INFO(target << " -> " << r.status);
    CHECK((r.status == 404 || r.status == 400));  // 400: HttpServer refuses an escaped '/'
    CHECK(r.body.find("root:") == std::string::npos);
    CHECK(r.body.find("not for the web") == std::string::npos);
  }
  CHECK(stream.error().empty());
}

TEST_CASE("ffmpeg plays the HTTP playlist on 127.0.0.1: 2 s of 320x240 frames") {
  if (!have_hls_elements() || !have_program("ffmpeg")) {
    FRAMEPIPE_SKIP_CASE("x264enc (-ugly), hlssink2 (-bad) or ffmpeg");
  }
  test::LiveHlsStream stream({.segment_duration = 1s, .playlist_length = 3, .max_files = 5});
  HttpServer server;
  serve_hls(server, "/clock/", stream.output());
  test::wait_for_playlist(server.port(), "/clock/index.m3u8", 3);
  // 60 frames (2 s at 30/1) as 8-bit grey: exactly 60 x 320 x 240 bytes when every frame
  // decoded at the size sent.
  std::string frames;
  test::within(120s, [&] {
    frames = test::output_of("ffmpeg -v error -rw_timeout 10000000 -i http://127.0.0.1:" +
                             std::to_string(server.port()) +
                             "/clock/index.m3u8 -frames:v 60 -f rawvideo -pix_fmt gray -");
  });
  INFO("stream error: " << stream.error());
  CHECK(frames.size() == std::size_t{60} * 320 * 240);
  CHECK(stream.error().empty());
}
