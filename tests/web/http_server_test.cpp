// HttpServer with a real HTTP client (libsoup's SoupSession) on loopback: routes, files from a
// directory, CORS, the body limit, errors.
#include "framepipe/web/http_server.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "web/http_client.hpp"

using namespace framepipe;
using test::http_request;

namespace {

std::filesystem::path scratch_dir(const std::string& name) {
  const char* tmp = std::getenv("FRAMEPIPE_TEST_TMPDIR");
  std::filesystem::path dir = std::filesystem::path(tmp != nullptr ? tmp : "/tmp") / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

}  // namespace

TEST_CASE("HttpServer listens on loopback, on a port the system picks") {
  HttpServer server;
  CHECK(server.port() != 0);
  CHECK(server.address() == "127.0.0.1");
  CHECK(server.url() == "http://127.0.0.1:" + std::to_string(server.port()));
  // Nothing routed yet: 404, with CORS.
  const auto response = http_request("GET", server.url() + "/nothing");
  CHECK(response.status == 404);
  CHECK(response.header("access-control-allow-origin") == "*");
}

TEST_CASE("HttpServer routes to the longest matching prefix") {
  HttpServer server;
  server.route("/a/", [](const HttpRequest& request) {
    HttpServer::respond(request.message, 200, "text/plain",
                        "a:" + std::string(request.method) + ":" + std::string(request.rest));
  });
  server.route("/a/b/", [](const HttpRequest& request) {
    HttpServer::respond(request.message, 201, "text/plain", "ab:" + std::string(request.rest));
  });
  server.route("/exact", [](const HttpRequest& request) {
    HttpServer::respond(request.message, 200, "text/plain", std::string(request.path));
  });
  CHECK(http_request("GET", server.url() + "/a/x").body == "a:GET:x");
  const auto post = http_request("POST", server.url() + "/a/b/c%20d", "text/plain", "hello");
  CHECK(post.status == 201);
  CHECK(post.body == "ab:c d");
  CHECK(http_request("GET", server.url() + "/exact").body == "/exact");
  CHECK(http_request("GET", server.url() + "/exact/more").status == 404);
  CHECK(http_request("GET", server.url() + "/a").status == 404);
  // An escaped '/' would join segments: refused before any handler.
  CHECK(http_request("GET", server.url() + "/a/x%2Fy").status == 400);
  CHECK(server.remove_route("/a/b/"));
  CHECK_FALSE(server.remove_route("/a/b/"));
  CHECK(http_request("GET", server.url() + "/a/b/c").body == "a:GET:b/c");
}

TEST_CASE("HttpServer answers CORS preflights on known paths") {
  HttpServer server;
  server.route("/p/", [](const HttpRequest& request) {
    HttpServer::respond(request.message, 200, "text/plain", "x");
  });
  const auto preflight =
      http_request("OPTIONS", server.url() + "/p/whep", {}, {},
                   {{"Origin", "http://example.test"}, {"Access-Control-Request-Method", "POST"}});
  CHECK(preflight.status == 204);
  CHECK(preflight.header("access-control-allow-origin") == "*");
  CHECK(preflight.header("access-control-allow-methods").find("POST") != std::string::npos);
  CHECK(preflight.header("access-control-allow-methods").find("DELETE") != std::string::npos);
  CHECK(preflight.header("access-control-allow-headers").find("Content-Type") != std::string::npos);
  CHECK(preflight.header("access-control-expose-headers").find("Location") != std::string::npos);
  CHECK(http_request("OPTIONS", server.url() + "/elsewhere").status == 404);

  HttpServer closed({.allow_origin = ""});
  closed.route("/p/", [](const HttpRequest& request) {
    HttpServer::respond(request.message, 405, "text/plain", std::string(request.method));
  });
  const auto plain = http_request("OPTIONS", closed.url() + "/p/x");
  CHECK(plain.status == 405);  // the handler's own answer
  CHECK(plain.header("access-control-allow-origin").empty());
}

TEST_CASE("HttpServer refuses bodies over max_body_size with 413") {
  HttpServer server({.max_body_size = 1000});
  int calls = 0;
  server.route("/up", [&calls](const HttpRequest& request) {
    ++calls;  // the server's thread; read after the responses below
    HttpServer::respond(request.message, 200, "text/plain", "ok");
  });
  CHECK(http_request("POST", server.url() + "/up", "application/sdp", std::string(1000, 'x'))
            .status == 200);
  const auto big =
      http_request("POST", server.url() + "/up", "application/sdp", std::string(1001, 'x'));
  CHECK(big.status == 413);
  CHECK(big.header("access-control-allow-origin") == "*");
  CHECK(http_request("POST", server.url() + "/up", "application/sdp", std::string(1 << 20, 'x'))
            .status == 413);
  CHECK(calls == 1);
}

TEST_CASE("HttpServer turns a handler's exception into 500 with its message") {
  HttpServer server;
  server.route("/boom", [](const HttpRequest&) { throw Error("it broke"); });
  const auto response = http_request("GET", server.url() + "/boom");
  CHECK(response.status == 500);
  CHECK(response.body == "it broke\n");
}

TEST_CASE("HttpServer serves the files of a directory, and nothing outside it") {
  const auto dir = scratch_dir("http_server_test_files");
  std::filesystem::create_directories(dir / "sub");
  write_file(dir / "index.html", "<p>hi</p>");
  write_file(dir / "live.m3u8", "#EXTM3U\n");
  write_file(dir / "sub" / "seg0.ts", std::string("\x47\x00\x11", 3));
  write_file(dir / ".hidden", "secret");
  write_file(dir.parent_path() / "http_server_test_outside.txt", "outside");
  std::filesystem::create_symlink(dir.parent_path() / "http_server_test_outside.txt",
                                  dir / "link.txt");

  HttpServer server;
  server.serve_directory("/hls/", dir,
                         {.cache_control = {{".m3u8", "max-age=1"}, {".ts", "max-age=60"}}});
  const auto index = http_request("GET", server.url() + "/hls/");
  CHECK(index.status == 200);
  CHECK(index.body == "<p>hi</p>");
  CHECK(index.header("content-type").rfind("text/html", 0) == 0);
  const auto playlist = http_request("GET", server.url() + "/hls/live.m3u8");
  CHECK(playlist.status == 200);
  CHECK(playlist.body == "#EXTM3U\n");
  CHECK(playlist.header("content-type") == "application/vnd.apple.mpegurl");
  CHECK(playlist.header("cache-control") == "max-age=1");
  const auto segment = http_request("GET", server.url() + "/hls/sub/seg0.ts");
  CHECK(segment.status == 200);
  CHECK(segment.body == std::string("\x47\x00\x11", 3));
  CHECK(segment.header("content-type") == "video/mp2t");
  CHECK(segment.header("cache-control") == "max-age=60");
  CHECK(http_request("HEAD", server.url() + "/hls/live.m3u8").status == 200);
  CHECK(http_request("POST", server.url() + "/hls/live.m3u8", "text/plain", "x").status == 405);
  CHECK(http_request("GET", server.url() + "/hls/missing.ts").status == 404);
  CHECK(http_request("GET", server.url() + "/hls/.hidden").status == 404);
  CHECK(http_request("GET", server.url() + "/hls/%2E%2E/http_server_test_outside.txt").status ==
        404);
  CHECK(http_request("GET", server.url() + "/hls/link.txt").status == 404);
  CHECK(http_request("GET", server.url() + "/hls/sub").status == 404);  // a directory

  CHECK_THROWS_AS(server.serve_directory("/x/", dir / "no-such-dir"), InvalidArgument);
  CHECK_THROWS_AS(server.serve_directory("/x", dir), InvalidArgument);
}

TEST_CASE("HttpServer runs invoke()'d tasks on its thread, and reports a port in use") {
  HttpServer server;
  std::promise<std::thread::id> ran;
  server.invoke([&ran] { ran.set_value(std::this_thread::get_id()); });
  auto id = ran.get_future();
  REQUIRE(id.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(id.get() != std::this_thread::get_id());

  CHECK_THROWS_AS(HttpServer({.port = server.port()}), AddressInUse);
  CHECK_THROWS_AS(HttpServer({.address = "not-an-address"}), InvalidArgument);
  server.shutdown();
  server.shutdown();
  server.invoke([] {});  // dropped
  CHECK(http_request("GET", server.url() + "/").status == 0);
}
