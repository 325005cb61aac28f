// HLS behind an HTTP cache: Debian's nginx, run as a child process with a config generated here
// (proxy_cache, proxy_cache_lock, X-Cache-Status), in front of serve_hls() on an HttpServer fed
// by a live HlsOutput. 50 fetcher threads play the stream through nginx for a few segment
// durations, as players do (reload the playlist, fetch each new segment). What is checked:
//   - at least 95% of segment fetches are cache hits (X-Cache-Status), and the origin saw each
//     segment requested about once (its own count);
//   - the playlist nginx serves is never more than one segment behind the origin's at the same
//     moment (EXT-X-MEDIA-SEQUENCE of the origin, read just before nginx's).
// Skipped (77) without nginx. The numbers are printed for docs/scale-out.md.
#include <doctest/doctest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "framepipe/web/hls_handler.hpp"
#include "framepipe/web/hls_output.hpp"
#include "framepipe/web/http_server.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/raw_http_client.hpp"
#include "web/hls_live_stream.hpp"

extern char** environ;

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

/// nginx's path: /usr/sbin/nginx (Debian's, often not on a user's PATH), else the PATH's.
std::string find_nginx() {
  if (access("/usr/sbin/nginx", X_OK) == 0) return "/usr/sbin/nginx";
  FILE* pipe = popen("command -v nginx 2>/dev/null", "r");
  if (pipe == nullptr) return {};
  char line[512] = {};
  const bool got = std::fgets(line, sizeof line, pipe) != nullptr;
  pclose(pipe);
  std::string path = got ? line : "";
  while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
  return path;
}

/// The caching reverse proxy's config: every path under `prefix` from the origin, playlists and
/// segments cached for as long as the origin's Cache-Control says (proxy_cache_valid is the
/// fallback: short for playlists, long for segments), one origin request at a time per URL
/// (proxy_cache_lock), and the cache's verdict in X-Cache-Status.
std::string nginx_config(const test::TempDir& dir, std::uint16_t listen_port,
                         std::uint16_t origin_port) {
  const std::string root = dir.path().string();
  const std::string origin = "http://127.0.0.1:" + std::to_string(origin_port);
  const std::string cache_settings =
      "      proxy_pass " + origin +
      ";\n"
      "      proxy_cache hls;\n"
      "      proxy_cache_lock on;\n"
      "      proxy_cache_lock_timeout 10s;\n"
      "      add_header X-Cache-Status $upstream_cache_status always;\n";
  std::string config;
  // As root, nginx's workers would switch to `nobody`, who cannot write the cache in a test's
  // directory.
  if (geteuid() == 0) config += "user root root;\n";
  config +=
      "worker_processes 1;\n"
      "pid " +
      root + "/nginx.pid;\n" + "error_log " + root +
      "/error.log warn;\n"
      "events { worker_connections 1024; }\n"
      "http {\n"
      "  access_log off;\n"
      "  client_body_temp_path " +
      root + "/client_body;\n" + "  proxy_temp_path " + root + "/proxy;\n" +
      "  fastcgi_temp_path " + root + "/fastcgi;\n" + "  uwsgi_temp_path " + root + "/uwsgi;\n" +
      "  scgi_temp_path " + root + "/scgi;\n" + "  proxy_cache_path " + root +
      "/cache levels=1:2 keys_zone=hls:4m max_size=256m inactive=10m use_temp_path=off;\n" +
      "  server {\n"
      "    listen 127.0.0.1:" +
      std::to_string(listen_port) +
      ";\n"
      "    location ~ \\.m3u8$ {\n" +
      cache_settings +
      "      proxy_cache_valid 200 1s;\n"
      "    }\n"
      "    location / {\n" +
      cache_settings +
      "      proxy_cache_valid 200 10m;\n"
      "    }\n"
      "  }\n"
      "}\n";
  return config;
}

/// True once something accepts TCP connections on 127.0.0.1:port.
bool accepts(std::uint16_t port) {
  return test::raw_http_request(port, "GET", "/", {}, 2s).status != 0;
}

/// nginx in the foreground (`-g 'daemon off;'`) with `config`, stopped (SIGTERM, then SIGKILL
/// after 10 s) and reaped on destruction.
class NginxProcess {
 public:
  NginxProcess(const std::string& nginx, const test::TempDir& dir, const std::string& config,
               std::uint16_t port) {
    const std::string conf = (dir / "nginx.conf").string();
    std::ofstream(conf) << config;
    const std::string prefix = dir.path().string() + "/";
    const std::string error_log = (dir / "error.log").string();
    std::vector<std::string> args = {nginx, "-p",      prefix, "-c",         conf,
                                     "-e",  error_log, "-g",   "daemon off;"};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    REQUIRE(posix_spawn(&pid_, nginx.c_str(), nullptr, nullptr, argv.data(), environ) == 0);
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (!accepts(port)) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("nginx exited at start; its log:\n" << read(error_log) << "config:\n" << config);
      }
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(20ms);  // nginx binds within milliseconds: look again soon
    }
  }
  NginxProcess(const NginxProcess&) = delete;
  NginxProcess& operator=(const NginxProcess&) = delete;
  ~NginxProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        return;
      }
      std::this_thread::sleep_for(10ms);
    }
  }

  static std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  pid_t pid_ = -1;
};

/// What the fetchers saw, shared between their threads.
struct FetchTally {
  std::mutex mutex;
  std::map<std::string, int> segment_verdicts;  ///< X-Cache-Status -> segment fetches
  std::map<std::string, int> playlist_verdicts;
  std::set<std::string> segments;  ///< distinct segments fetched
  int failed = 0;                  ///< answers other than 200
  std::string first_failure;
};

}  // namespace

TEST_CASE("50 players through nginx: >= 95% segment cache hits, playlists never a segment stale") {
  const std::string nginx = find_nginx();
  if (nginx.empty()) FRAMEPIPE_SKIP_CASE("nginx (apt-get install nginx)");
  if (!test::have_element("x264enc") || !test::have_element("hlssink2")) {
    FRAMEPIPE_SKIP_CASE("x264enc (-ugly) or hlssink2 (-bad)");
  }
  constexpr int kFetchers = 50;
  constexpr auto kSegment = 2s;
  constexpr auto kPlayFor = 4 * kSegment;

  // The origin counts what reaches it through nginx ("/clock/"); the staleness check reads the
  // same files directly ("/direct/"), uncounted.
  std::mutex origin_mutex;
  std::map<std::string, int> origin_requests;
  test::LiveHlsStream stream({.segment_duration = kSegment, .playlist_length = 3, .max_files = 6});
  HttpServer origin;
  const HttpHandler serve = hls_handler(stream.output());
  origin.route("/clock/", [&, serve](const HttpRequest& request) {
    {
      const std::lock_guard lock(origin_mutex);
      ++origin_requests[std::string(request.rest)];
    }
    serve(request);
  });
  origin.route("/direct/", serve);

  const test::TempDir dir("nginx-cache");
  const std::uint16_t port = test::free_tcp_port();
  const NginxProcess proxy(nginx, dir, nginx_config(dir, port, origin.port()), port);
  test::wait_for_playlist(origin.port(), "/direct/index.m3u8", 2, 60s);

  FetchTally tally;
  std::atomic<int> playlist_lag_max{-100};
  std::atomic<int> lag_samples{0};
  const auto stop_at = std::chrono::steady_clock::now() + kPlayFor;
  std::vector<std::thread> threads;
  for (int i = 0; i < kFetchers; ++i) {
    threads.emplace_back([&] {
      std::set<std::string> fetched;
      while (std::chrono::steady_clock::now() < stop_at) {
        const test::RawHttpResponse list = test::raw_http_get(port, "/clock/index.m3u8");
        std::vector<std::pair<std::string, test::RawHttpResponse>> got;
        if (list.status == 200) {
          for (const std::string& name : test::listed_segments(list.body)) {
            if (fetched.insert(name).second) {
              got.emplace_back(name, test::raw_http_get(port, "/clock/" + name));
            }
          }
        }
        {
          const std::lock_guard lock(tally.mutex);
          ++tally.playlist_verdicts[list.header("x-cache-status")];
          if (list.status != 200) {
            ++tally.failed;
            if (tally.first_failure.empty()) {
              tally.first_failure = "playlist " + std::to_string(list.status) + " " + list.body;
            }
          }
          for (const auto& [name, response] : got) {
            tally.segments.insert(name);
            if (response.status != 200) {
              ++tally.failed;
              if (tally.first_failure.empty()) {
                tally.first_failure = name + " " + std::to_string(response.status);
              }
              continue;
            }
            ++tally.segment_verdicts[response.header("x-cache-status")];
          }
        }
        // A player reloads a live playlist about every half target duration.
        std::this_thread::sleep_for(std::chrono::milliseconds(kSegment) / 4);
      }
    });
  }
  // Staleness: the origin's media sequence, then nginx's, as close together as two requests go.
  threads.emplace_back([&] {
    while (std::chrono::steady_clock::now() < stop_at) {
      const auto at_origin =
          test::media_sequence(test::raw_http_get(origin.port(), "/direct/index.m3u8").body);
      const auto at_nginx =
          test::media_sequence(test::raw_http_get(port, "/clock/index.m3u8").body);
      if (at_origin && at_nginx) {
        const int lag = static_cast<int>(*at_origin) - static_cast<int>(*at_nginx);
        int seen = playlist_lag_max.load();
        while (lag > seen && !playlist_lag_max.compare_exchange_weak(seen, lag)) {
        }
        ++lag_samples;
      }
      std::this_thread::sleep_for(50ms);  // sampling interval, not synchronisation
    }
  });
  for (std::thread& thread : threads) thread.join();

  int segment_fetches = 0;
  for (const auto& [verdict, count] : tally.segment_verdicts) segment_fetches += count;
  const int hits = tally.segment_verdicts["HIT"];
  int origin_segment_requests = 0;
  int origin_playlist_requests = 0;
  for (const auto& [name, count] : origin_requests) {
    (name == HlsOutput::kPlaylistName ? origin_playlist_requests : origin_segment_requests) +=
        count;
  }
  int playlist_fetches = 0;
  for (const auto& [verdict, count] : tally.playlist_verdicts) playlist_fetches += count;
  std::ostringstream report;
  report << kFetchers << " fetchers, " << std::chrono::seconds(kPlayFor).count() << " s, "
         << std::chrono::seconds(kSegment).count() << " s segments: " << segment_fetches
         << " segment fetches of " << tally.segments.size() << " segments, " << hits << " HIT ("
         << (segment_fetches > 0 ? 100.0 * hits / segment_fetches : 0.0) << "%); origin saw "
         << origin_segment_requests << " segment and " << origin_playlist_requests
         << " playlist requests for " << playlist_fetches << " playlist fetches ("
         << tally.playlist_verdicts["HIT"] << " HIT); playlist lag behind the origin at most "
         << playlist_lag_max.load() << " segment(s) over " << lag_samples.load() << " samples";
  MESSAGE(report.str());
  INFO(report.str());
  INFO("first failure: " << tally.first_failure << "; stream error: " << stream.error()
                         << "; nginx log:\n"
                         << NginxProcess::read((dir / "error.log").string()));
  CHECK(tally.failed == 0);
  REQUIRE(tally.segments.size() >= 4);  // a few segment durations of new segments
  CHECK(segment_fetches >= kFetchers * 4);
  CHECK(hits * 100 >= 95 * segment_fetches);
  // proxy_cache_lock: one origin request per segment, however many players asked at once.
  CHECK(origin_segment_requests == static_cast<int>(tally.segments.size()));
  REQUIRE(lag_samples.load() >= 10);
  CHECK(playlist_lag_max.load() <= 1);
  CHECK(stream.error().empty());
}
