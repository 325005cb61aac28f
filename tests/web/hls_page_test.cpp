// The HLS page in a real browser: Debian's Chromium, headless, driven by puppeteer-core
// (tests/browser/hls_page.mjs), opens a player page served by the same HttpServer as a live
// HlsOutput (serve_hls()), and plays at least 2 s of the stream at the size sent. The page plays
// HLS natively where the browser says it can (`canPlayType('application/vnd.apple.mpegurl')`),
// else through hls.js (Media Source Extensions). Skipped (77) without chromium, node, or
// tests/browser/node_modules (`npm ci` there; FRAMEPIPE_BROWSER_NODE_MODULES overrides).
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "framepipe/web/hls_handler.hpp"
#include "framepipe/web/hls_output.hpp"
#include "framepipe/web/http_server.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"
#include "web/hls_live_stream.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

/// A player page with no framework: native HLS where the browser has it, else hls.js from
/// /hls.js. It reports through window.hlsResult (what tests/browser/hls_page.mjs reads).
constexpr std::string_view kPage = R"html(<!doctype html>
<html><head><meta charset="utf-8"><title>framepipe HLS test page</title></head>
<body>
<video id="video" muted playsinline autoplay width="320" height="240"></video>
<script>
const params = new URLSearchParams(location.search);
const seconds = Number(params.get('seconds') || 2);
const source = 'hls/index.m3u8';
const video = document.getElementById('video');
const canPlayType = video.canPlayType('application/vnd.apple.mpegurl');
// ?player=hlsjs: hls.js even where the browser plays HLS itself (the path other browsers take).
const native = canPlayType !== '' && params.get('player') !== 'hlsjs';
const result = window.hlsResult = { done: false, error: null, native,
                                    canPlayType, played: 0, videoWidth: 0, videoHeight: 0,
                                    edgeDistance: null };
let hls = null;
let first = null;
function edgeDistance() {
  if (hls) return hls.latency;
  const seekable = video.seekable;
  return seekable.length ? seekable.end(seekable.length - 1) - video.currentTime : null;
}
function finish(error) {
  if (result.done || result.error) return;
  result.videoWidth = video.videoWidth;
  result.videoHeight = video.videoHeight;
  result.played = first === null ? 0 : video.currentTime - first;
  result.edgeDistance = edgeDistance();
  result.error = error;
  result.done = !error;
}
video.addEventListener('timeupdate', () => {
  if (first === null) first = video.currentTime;
  result.played = video.currentTime - first;
  if (result.played >= seconds && video.videoWidth > 0) finish(null);
});
video.addEventListener('error', () =>
  finish('video error: ' + (video.error ? video.error.code + ' ' + video.error.message : '?')));
const play = () => video.play().catch((e) => console.log('play(): ' + e));
if (result.native) {
  video.src = source;
  play();
} else {
  const script = document.createElement('script');
  script.src = '/hls.js';
  script.onerror = () => finish('cannot load /hls.js');
  script.onload = () => {
    if (!Hls.isSupported()) return finish('hls.js: no Media Source Extensions');
    hls = new Hls();
    hls.on(Hls.Events.ERROR, (event, data) => {
      if (data.fatal) finish('hls.js: ' + data.type + ' ' + data.details);
    });
    hls.loadSource(source);
    hls.attachMedia(video);
    play();
  };
  document.head.appendChild(script);
}
</script>
</body></html>
)html";

bool have_program(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

std::filesystem::path node_modules() {
  if (const char* dir = std::getenv("FRAMEPIPE_BROWSER_NODE_MODULES"); dir && *dir) return dir;
  return std::filesystem::path(FRAMEPIPE_TESTS_SOURCE_DIR) / "browser" / "node_modules";
}

/// The number after `"key":` in `json`; nullopt when absent or not a number.
std::optional<double> json_number(const std::string& json, const std::string& key) {
  const std::size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return std::nullopt;
  const char* start = json.c_str() + at + key.size() + 3;
  char* end = nullptr;
  const double value = std::strtod(start, &end);
  if (end == start) return std::nullopt;
  return value;
}

}  // namespace

TEST_CASE("Chromium plays the HLS page: at least 2 s of 320x240 video") {
  const char* chromium = "/usr/bin/chromium";
  const std::filesystem::path modules = node_modules();
  if (access(chromium, X_OK) != 0 || !have_program("node") ||
      !std::filesystem::exists(modules / "puppeteer-core") ||
      !std::filesystem::exists(modules / "hls.js")) {
    FRAMEPIPE_SKIP_CASE("chromium, node, or tests/browser/node_modules (npm ci in tests/browser)");
  }
  if (!test::have_element("x264enc") || !test::have_element("hlssink2")) {
    FRAMEPIPE_SKIP_CASE("x264enc (-ugly) or hlssink2 (-bad)");
  }
  test::LiveHlsStream stream({.segment_duration = 1s, .playlist_length = 3, .max_files = 5});
  HttpServer server;
  serve_hls(server, "/clock/hls/", stream.output());
  server.route("/clock/", [](const HttpRequest& request) {
    if (!request.rest.empty()) {
      HttpServer::respond(request.message, 404, "text/plain", "no such file\n");
      return;
    }
    HttpServer::respond(request.message, 200, "text/html; charset=utf-8", kPage);
  });
  std::ifstream in(modules / "hls.js/dist/hls.min.js", std::ios::binary);
  std::string hls_js((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(hls_js.size() > 1000);
  server.route("/hls.js", [script = std::move(hls_js)](const HttpRequest& request) {
    HttpServer::respond(request.message, 200, "text/javascript; charset=utf-8", script);
  });
  // A player starts three segments back from the live edge: let there be three.
  test::wait_for_playlist(server.port(), "/clock/hls/index.m3u8", 3);

  const std::string script =
      (std::filesystem::path(FRAMEPIPE_TESTS_SOURCE_DIR) / "browser" / "hls_page.mjs").string();
  // The browser's own player when it has one (Chromium 156 says "maybe"), then hls.js.
  for (const std::string player : {"auto", "hlsjs"}) {
    test::RunResult run;
    test::within(120s, [&] {
      run = test::run_program("node", "\"" + script + "\" \"" + server.url() +
                                          "/clock/?player=" + player + "\" " + chromium + " \"" +
                                          modules.string() + "\" 2");
    });
    INFO("stream error: " << stream.error());
    MESSAGE("player=" << player << ": " << run.output);
    CHECK(run.exit_code == 0);
    CHECK(run.output.find("\"done\":true") != std::string::npos);
    if (player == "hlsjs") CHECK(run.output.find("\"native\":false") != std::string::npos);
    CHECK(json_number(run.output, "videoWidth") == 320.0);
    CHECK(json_number(run.output, "videoHeight") == 240.0);
    CHECK(json_number(run.output, "played").value_or(0) >= 2.0);
  }
}
