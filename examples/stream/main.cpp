// Streams the text clock over the network, live: RTSP (a server clients join and leave), RTP/UDP
// (with an SDP file for players; H.264, VP8 or uncompressed RFC 4175 video), SRT (a listener),
// WHEP (WebRTC to browsers) or HLS (hlssink2's playlist and segments over HTTP), the last two with
// the player page of examples/web/ served beside them.
// Prints the command line of a receiver and, at the end, the frames sent and dropped. Runs until
// --seconds have passed or Ctrl-C.
//
//   stream --to rtsp://127.0.0.1:8554/clock [--seconds S] [--size WxH] [--fps N/D]
//          [--codec h264|vp8] [--auth USER:PASSWORD [--auth-method digest|basic]]
//          [--tls-cert CERT.pem --tls-key KEY.pem]   (served as rtsps://)
//   stream --to rtp://127.0.0.1:5004 --sdp out.sdp [--codec h264|vp8|raw] [--seconds S] ...
//   stream --to srt://127.0.0.1:7001 [--passphrase SECRET [--pbkeylen 16|24|32]] [--seconds S] ...
//          (listener; with --passphrase the stream is AES-encrypted)
//   stream --to whep://127.0.0.1:8889/clock [--codec vp8|h264] [--token TOKEN]
//          [--max-viewers N] [--page DIR] [--seconds S] ...
//          [--hls [--segment S] [--playlist-length N]]
//          (open http://127.0.0.1:8889/clock/ in a browser; VP8 by default; --hls: H.264, and the
//          same encode is served as HLS too, at PATH/hls/index.m3u8)
//   stream --to hls://127.0.0.1:8888/clock [--segment S] [--playlist-length N] [--page DIR]
//          [--hls-js FILE] [--seconds S] ...
//          (H.264 only; the playlist is http://127.0.0.1:8888/clock/hls/index.m3u8 and the page
//          http://127.0.0.1:8888/clock/?protocol=hls; 1 s segments, 3 listed, by default)
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <framepipe/framepipe.hpp>
#include <framepipe/gst/network.hpp>
#include <framepipe/rtsp/rtsp_server.hpp>
#if FRAMEPIPE_HAS_WEB
#  include <framepipe/web/hls_handler.hpp>
#  include <framepipe/web/hls_output.hpp>
#  include <framepipe/web/http_server.hpp>
#  include <framepipe/web/whep_server.hpp>
#endif
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace {

using namespace framepipe;

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) { g_interrupted.store(true); }

struct Target {
  std::string scheme, host, path;
  std::uint16_t port = 0;
};

struct Args {
  Target to;
  std::string sdp;
  std::optional<double> seconds;
  Size size{640, 360};
  FrameRate fps{30, 1};
  VideoCodec codec = VideoCodec::H264;
  /// --codec raw: uncompressed RFC 4175 video (rtp:// only).
  bool raw = false;
  /// --auth USER:PASSWORD (rtsp:// only): the one user allowed to watch.
  std::optional<RtspUser> user;
  RtspAuthMethod auth_method = RtspAuthMethod::Digest;
  /// --tls-cert, --tls-key (rtsp:// only): served as rtsps://.
  std::string tls_cert, tls_key;
  /// --passphrase, --pbkeylen (srt:// only): SRT's AES encryption.
  SrtEncryption encryption;
  bool have_pbkeylen = false;
  bool have_codec = false;
  /// --token, --max-viewers, --hls (whep:// only).
  std::string token;
  std::size_t max_viewers = 8;
  bool have_whep_option = false;
  /// --hls (whep:// only): the same H.264 encode also as HLS, at PATH/hls/.
  bool hls = false;
  /// --page (whep:// and hls://): the player page's directory.
  std::string page_dir;
  /// --hls-js (whep:// --hls and hls://): hls.js, served at PATH/hls.min.js for browsers without
  /// native HLS. Empty: the npm copy of tests/browser/node_modules, when there is one.
  std::string hls_js;
  /// --segment, --playlist-length (hls:// and whep:// --hls): HlsOptions. 1 s segments and 3 in
  /// the playlist: the lowest latency hlssink2 and players allow (about 3 segments behind).
  long segment_seconds = 1;
  unsigned playlist_length = 3;
  bool have_hls_option = false;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "stream: %s\n"
               "usage: stream --to rtsp://HOST:PORT/PATH | rtp://HOST:PORT | srt://HOST:PORT\n"
               "                   | whep://HOST:PORT/PATH | hls://HOST:PORT/PATH\n"
               "              [--sdp FILE.sdp] [--seconds S] [--size WxH] [--fps N[/D]]\n"
               "              [--codec h264|vp8|raw]   (raw: rtp:// only)\n"
               "              [--auth USER:PASSWORD [--auth-method digest|basic]]\n"
               "              [--passphrase SECRET [--pbkeylen 16|24|32]]   (srt:// only)\n"
               "              [--tls-cert CERT.pem --tls-key KEY.pem]   (rtsp:// only)\n"
               "              [--token TOKEN] [--max-viewers N] [--hls]   (whep:// only)\n"
               "              [--page DIR]   (whep:// and hls://)\n"
               "              [--segment S] [--playlist-length N] [--hls-js FILE]\n"
               "                  (hls://, and whep:// with --hls; H.264 only)\n",
               why.c_str());
  std::exit(2);
}

Target parse_target(std::string_view url) {
  Target t;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) usage("--to needs SCHEME://HOST:PORT");
  t.scheme = std::string(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  const auto slash = rest.find('/');
  if (slash != std::string_view::npos) {
    t.path = std::string(rest.substr(slash));
    rest = rest.substr(0, slash);
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) usage("--to needs a port");
  t.host = std::string(rest.substr(0, colon));
  if (t.host.size() > 2 && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
  const long port = std::strtol(std::string(rest.substr(colon + 1)).c_str(), nullptr, 10);
  if (port <= 0 || port > 65535) usage("bad port in --to");
  t.port = static_cast<std::uint16_t>(port);
  if (t.scheme != "rtsp" && t.scheme != "rtp" && t.scheme != "srt" && t.scheme != "whep" &&
      t.scheme != "hls") {
    usage("--to: rtsp://, rtp:// or srt://, whep:// or hls://");
  }
  const bool web = t.scheme == "whep" || t.scheme == "hls";
  if ((t.scheme == "rtsp" || web) && t.path.empty()) t.path = "/clock";
  if (web && t.path.size() > 1 && t.path.back() == '/') t.path.pop_back();
  return t;
}

Args parse(int argc, char** argv) {
  Args a;
  bool have_to = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "--to") {
      a.to = parse_target(value());
      have_to = true;
    } else if (arg == "--sdp") {
      a.sdp = value();
    } else if (arg == "--seconds") {
      a.seconds = std::strtod(value().c_str(), nullptr);
      if (!(*a.seconds > 0)) usage("--seconds must be positive");
    } else if (arg == "--size") {
      const std::string v = value();
      int w = 0, h = 0;
      if (std::sscanf(v.c_str(), "%dx%d", &w, &h) != 2 || w < 16 || h < 16) usage("--size WxH");
      a.size = {w, h};
    } else if (arg == "--fps") {
      const std::string v = value();
      long long n = 0, d = 1;
      if (std::sscanf(v.c_str(), "%lld/%lld", &n, &d) < 1 || n <= 0 || d <= 0) usage("--fps N[/D]");
      a.fps = {n, d};
    } else if (arg == "--codec") {
      const std::string name = value();
      a.raw = name == "raw";
      const auto c = parse_codec(name);
      if (!c && !a.raw) usage("--codec h264, vp8 or raw");
      if (c) a.codec = *c;
      a.have_codec = true;
    } else if (arg == "--auth") {
      const std::string v = value();
      const auto colon = v.find(':');
      // The password is not repeated in any message.
      if (colon == std::string::npos || colon == 0 || colon + 1 == v.size()) {
        usage("--auth USER:PASSWORD");
      }
      a.user = RtspUser{v.substr(0, colon), v.substr(colon + 1)};
    } else if (arg == "--auth-method") {
      const std::string v = value();
      if (v != "digest" && v != "basic") usage("--auth-method digest or basic");
      a.auth_method = v == "basic" ? RtspAuthMethod::Basic : RtspAuthMethod::Digest;
    } else if (arg == "--tls-cert") {
      a.tls_cert = value();
    } else if (arg == "--tls-key") {
      a.tls_key = value();
    } else if (arg == "--passphrase") {
      // Checked by srt_listener_description(), whose message never repeats it.
      a.encryption.passphrase = value();
      if (a.encryption.passphrase.empty()) usage("--passphrase needs 10 to 79 characters");
    } else if (arg == "--pbkeylen") {
      const std::string v = value();
      if (v != "16" && v != "24" && v != "32") usage("--pbkeylen 16, 24 or 32");
      a.encryption.pbkeylen = std::atoi(v.c_str());
      a.have_pbkeylen = true;
    } else if (arg == "--token") {
      a.token = value();
      a.have_whep_option = true;
    } else if (arg == "--max-viewers") {
      const long n = std::strtol(value().c_str(), nullptr, 10);
      if (n < 1) usage("--max-viewers must be at least 1");
      a.max_viewers = static_cast<std::size_t>(n);
      a.have_whep_option = true;
    } else if (arg == "--hls") {
      a.hls = true;
      a.have_whep_option = true;
    } else if (arg == "--page") {
      a.page_dir = value();
    } else if (arg == "--hls-js") {
      a.hls_js = value();
      a.have_hls_option = true;
    } else if (arg == "--segment") {
      a.segment_seconds = std::strtol(value().c_str(), nullptr, 10);
      if (a.segment_seconds < 1) usage("--segment must be a whole number of seconds, at least 1");
      a.have_hls_option = true;
    } else if (arg == "--playlist-length") {
      const long n = std::strtol(value().c_str(), nullptr, 10);
      if (n < 3 || n > 100) usage("--playlist-length must be 3 to 100");
      a.playlist_length = static_cast<unsigned>(n);
      a.have_hls_option = true;
    } else {
      usage("unknown option " + std::string(arg));
    }
  }
  if (!have_to) usage("--to is required");
  if (!a.sdp.empty() && a.to.scheme != "rtp") usage("--sdp is for rtp://");
  if (a.raw && a.to.scheme != "rtp") usage("--codec raw is for rtp:// only");
  if ((a.user || !a.tls_cert.empty() || !a.tls_key.empty()) && a.to.scheme != "rtsp") {
    usage("--auth and --tls-cert/--tls-key are for rtsp:// only");
  }
  if (a.tls_cert.empty() != a.tls_key.empty()) usage("give both --tls-cert and --tls-key");
  if (!a.encryption.passphrase.empty() && a.to.scheme != "srt") {
    usage("--passphrase is for srt:// only");
  }
  if (a.have_pbkeylen && a.encryption.passphrase.empty()) usage("--pbkeylen needs --passphrase");
  if (a.have_whep_option && a.to.scheme != "whep") {
    usage("--token, --max-viewers and --hls are for whep:// only");
  }
  const bool web = a.to.scheme == "whep" || a.to.scheme == "hls";
  if (!a.page_dir.empty() && !web) usage("--page is for whep:// and hls://");
  const bool hls = a.to.scheme == "hls" || a.hls;
  if (a.have_hls_option && !hls) {
    usage("--segment, --playlist-length and --hls-js are for hls:// (or whep:// with --hls)");
  }
  if (a.raw && web) usage("--codec raw is for rtp:// only");
  // hlssink2 takes H.264 only (MPEG-TS segments): VP8 cannot go there.
  if (hls && a.have_codec && a.codec != VideoCodec::H264) {
    usage(a.to.scheme == "hls" ? "hls:// is H.264 only (--codec h264)"
                               : "--hls needs --codec h264 (HLS is H.264 only)");
  }
  return a;
}

/// Runs the clock into `sink` until --seconds or Ctrl-C; returns the Stats.
template <class S>
Stats run(const Args& a, S sink) {
  Pipeline p{TextClockGenerator{{.size = a.size}}, I420Packer{}, std::move(sink)};
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done.load()) {
      if (g_interrupted.load()) {
        p.request_stop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  RunOptions options{.fps = a.fps, .pacing = Pacing::RealTime};
  options.duration = a.seconds
                         ? std::chrono::nanoseconds(static_cast<std::int64_t>(*a.seconds * 1e9))
                         : std::chrono::hours(24 * 365);
  Stats stats;
  try {
    stats = p.run(options);
  } catch (...) {
    done.store(true);
    watcher.join();
    throw;
  }
  done.store(true);
  watcher.join();
  return stats;
}

#if FRAMEPIPE_HAS_WEB
/// The player page's directory: --page, else examples/web/ of the source tree.
std::string page_directory(const Args& a) {
  if (!a.page_dir.empty()) return a.page_dir;
#  ifdef FRAMEPIPE_EXAMPLES_WEB_DIR
  return FRAMEPIPE_EXAMPLES_WEB_DIR;
#  else
  return {};
#  endif
}

/// The HLS the page and players read: --segment, --playlist-length, and files on disk for two
/// more segments (the one being written, one kept after it leaves the playlist).
HlsOptions hls_options(const Args& a) {
  return {.segment_duration = std::chrono::seconds(a.segment_seconds),
          .playlist_length = a.playlist_length,
          .max_files = a.playlist_length + 2};
}

/// The Cache-Control of the playlist: with 1 s segments a playlist kept for 1 s by the browser (or
/// a cache in front) would be up to a whole segment stale, so it is never kept.
HlsCacheControl hls_cache_control(const Args& a) {
  HlsCacheControl control;
  if (a.segment_seconds == 1) control.playlist = "no-cache";
  return control;
}

/// Serves hls.js (--hls-js, else npm's copy under tests/browser/node_modules) at PATH/hls.min.js,
/// where the page loads it when the browser has no native HLS. False when there is none; a
/// --hls-js that cannot be read throws.
bool serve_hls_js(HttpServer& server, const Args& a) {
  std::string path = a.hls_js;
#  ifdef FRAMEPIPE_HLS_JS
  if (path.empty()) path = FRAMEPIPE_HLS_JS;
#  endif
  if (path.empty()) return false;
  std::ifstream in(path, std::ios::binary);
  std::string script;
  if (in) script.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (script.empty()) {
    if (!a.hls_js.empty()) throw Error("cannot read --hls-js " + a.hls_js);
    return false;
  }
  server.route(a.to.path + "/hls.min.js", [script = std::move(script)](const HttpRequest& request) {
    HttpServer::respond(request.message, 200, "text/javascript; charset=utf-8", script);
  });
  return true;
}

/// Mounts `hls` at PATH/hls/ of `server` with hls.js beside it, and prints where to play it.
void serve_and_print_hls(HttpServer& server, const Args& a, const HlsOutput& hls) {
  serve_hls(server, a.to.path + "/hls/", hls, hls_cache_control(a));
  const bool have_hls_js = serve_hls_js(server, a);
  const std::string playlist = server.url() + a.to.path + "/hls/index.m3u8";
  std::printf("serving HLS at %s (H264, %ld s segments, %u in the playlist)\n", playlist.c_str(),
              a.segment_seconds, a.playlist_length);
  if (!have_hls_js) {
    std::printf(
        "no hls.js (npm ci in tests/browser, or --hls-js FILE): the page plays HLS only where the "
        "browser does natively\n");
  }
  std::printf("receive: ffplay %s\n", playlist.c_str());
  std::printf(
      "     or: gst-launch-1.0 souphttpsrc location=%s ! hlsdemux ! decodebin ! videoconvert ! "
      "autovideosink\n",
      playlist.c_str());
}
#endif

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  Args args = parse(argc, argv);
  // WebRTC: VP8 unless asked (every browser decodes it); the others default to H.264.
  // With --hls, H.264: the one encode feeds HLS too.
  if (args.to.scheme == "whep" && !args.have_codec && !args.hls) args.codec = VideoCodec::VP8;
  const Args& a = args;
  const char* codec = a.codec == VideoCodec::H264 ? "H264" : "VP8";
  const std::string depay =
      a.codec == VideoCodec::H264 ? "rtph264depay ! avdec_h264" : "rtpvp8depay ! vp8dec";
  try {
    Stats stats;
    if (a.to.scheme == "whep" || a.to.scheme == "hls") {
#if FRAMEPIPE_HAS_WEB
      // Declared before the server and the pipeline: the directory outlives what writes it.
      std::optional<HlsOutput> hls;
      if (a.to.scheme == "hls" || a.hls) hls.emplace(hls_options(a));
      const std::string page = page_directory(a);
      if (a.to.scheme == "hls") {
        HttpServer server({.address = a.to.host, .port = a.to.port});
        if (!page.empty()) server.serve_directory(a.to.path + "/", page);
        serve_and_print_hls(server, a, *hls);
        if (!page.empty()) {
          std::printf("open: %s%s/?protocol=hls in a browser\n", server.url().c_str(),
                      a.to.path.c_str());
        }
        std::fflush(stdout);
        stats = run(a, AppSrcSink(hls->description(a.fps), live_sink_options()));
      } else {
        WhepServerOptions options{.address = a.to.host,
                                  .port = a.to.port,
                                  .path = a.to.path,
                                  .codec = a.codec,
                                  .max_viewers = a.max_viewers,
                                  .bearer_token = a.token,
                                  .page_directory = page};
        // The one encode's other output: HLS from the same H.264 (WhepSink's encoder makes a key
        // frame every second, where the whole-second segments end).
        if (hls) options.encoded_branches = {hls->tee_branch_description()};
        WhepServer server(options);
        std::printf("serving WHEP at %s (%s, at most %zu viewers%s)\n",
                    server.endpoint_url().c_str(), codec, a.max_viewers,
                    a.token.empty() ? "" : ", bearer token");
        if (hls) serve_and_print_hls(server.http(), a, *hls);
        if (!page.empty()) {
          std::printf("open: %s%s in a browser\n", server.page_url().c_str(),
                      a.token.empty() ? "" : "?token=TOKEN");
          if (hls) std::printf("  or: %s?protocol=hls (HLS)\n", server.page_url().c_str());
        }
        std::fflush(stdout);
        stats = run(a, server.sink());
      }
#else
      std::fprintf(stderr,
                   "stream: this build has no framepipe::web (libsoup-3.0-dev, "
                   "libgstreamer-plugins-bad1.0-dev)\n");
      return 1;
#endif
    } else if (a.to.scheme == "rtsp") {
      RtspServerOptions options{
          .address = a.to.host, .port = a.to.port, .path = a.to.path, .codec = a.codec};
      if (a.user) options.users = {*a.user};
      options.auth_method = a.auth_method;
      options.tls_certificate = a.tls_cert;
      options.tls_key = a.tls_key;
      RtspServer server(options);
      // With --auth the receivers name the user and a placeholder: the password is never printed.
      std::string url = server.url();
      std::string gst_auth;
      if (a.user) {
        url.insert(url.find("://") + 3, a.user->name + ":PASSWORD@");
        gst_auth = " user-id=" + a.user->name + " user-pw=PASSWORD";
      }
      const std::string gst_tls = server.tls() ? " tls-validation-flags=0" : "";
      std::printf("serving %s (%s%s%s)\n", server.url().c_str(), codec, a.user ? ", user " : "",
                  a.user ? a.user->name.c_str() : "");
      if (a.user) std::printf("PASSWORD: the password given to --auth\n");
      std::printf("receive: ffplay -rtsp_transport tcp %s\n", url.c_str());
      std::printf(
          "     or: gst-launch-1.0 rtspsrc location=%s%s%s latency=100 ! %s ! videoconvert "
          "! autovideosink\n",
          server.url().c_str(), gst_auth.c_str(), gst_tls.c_str(), depay.c_str());
      std::fflush(stdout);
      RtspSink sink = server.sink();
      stats = run(a, std::move(sink));
    } else if (a.to.scheme == "rtp" && a.raw) {
      if (!a.sdp.empty()) write_raw_sdp(a.sdp, a.to.host, a.to.port, a.size, a.fps);
      std::printf("sending RTP/UDP (raw RFC 4175, UYVY %dx%d) to %s:%u\n", a.size.width,
                  a.size.height, a.to.host.c_str(), a.to.port);
      if (!a.sdp.empty()) {
        std::printf("receive: ffplay -protocol_whitelist file,udp,rtp -i %s\n", a.sdp.c_str());
      }
      std::printf(
          "     or: gst-launch-1.0 udpsrc address=%s port=%u buffer-size=4000000 "
          "caps=\"application/x-rtp,media=video,clock-rate=90000,encoding-name=RAW,"
          "sampling=YCbCr-4:2:2,depth=(string)8,width=(string)%d,height=(string)%d,"
          "colorimetry=(string)BT601-5,payload=96\" ! rtpjitterbuffer latency=50 ! rtpvrawdepay ! "
          "videoconvert ! autovideosink\n",
          a.to.host.c_str(), a.to.port, a.size.width, a.size.height);
      std::fflush(stdout);
      stats =
          run(a, AppSrcSink(rtp_raw_udp_description(a.to.host, a.to.port), live_sink_options()));
    } else if (a.to.scheme == "rtp") {
      if (!a.sdp.empty()) write_sdp(a.sdp, a.to.host, a.to.port, a.codec);
      std::printf("sending RTP/UDP (%s) to %s:%u\n", codec, a.to.host.c_str(), a.to.port);
      if (!a.sdp.empty()) {
        std::printf("receive: ffplay -protocol_whitelist file,udp,rtp -i %s\n", a.sdp.c_str());
      }
      std::printf(
          "     or: gst-launch-1.0 udpsrc address=%s port=%u caps=\"application/x-rtp,"
          "media=video,clock-rate=90000,encoding-name=%s,payload=96\" ! "
          "rtpjitterbuffer latency=50 ! %s ! videoconvert ! autovideosink\n",
          a.to.host.c_str(), a.to.port, codec, depay.c_str());
      std::fflush(stdout);
      stats = run(a, AppSrcSink(rtp_udp_description(a.codec, a.to.host, a.to.port, a.fps),
                                live_sink_options()));
    } else {
      // Built first: it checks --passphrase (InvalidArgument) before anything is printed.
      const std::string description =
          srt_listener_description(a.to.port, a.codec, a.to.host, a.fps, a.encryption);
      const bool encrypted = !a.encryption.passphrase.empty();
      std::printf("SRT listener on %s:%u (%s in %s%s)\n", a.to.host.c_str(), a.to.port, codec,
                  a.codec == VideoCodec::H264 ? "MPEG-TS" : "WebM",
                  encrypted ? ", AES-encrypted" : "");
      // The receivers carry a placeholder, never the passphrase itself.
      const std::string key_length = std::to_string(a.encryption.pbkeylen);
      const std::string query = encrypted ? "?passphrase=PASSPHRASE&pbkeylen=" + key_length : "";
      const std::string properties =
          encrypted ? " passphrase=PASSPHRASE pbkeylen=" + key_length : "";
      // Quoted when encrypted: the shell would take the & of the query for its own.
      const char* quote = encrypted ? "\"" : "";
      std::printf("receive: ffplay %ssrt://%s:%u%s%s\n", quote, a.to.host.c_str(), a.to.port,
                  query.c_str(), quote);
      std::printf(
          "     or: gst-launch-1.0 srtsrc uri=srt://%s:%u%s ! decodebin ! videoconvert ! "
          "autovideosink\n",
          a.to.host.c_str(), a.to.port, properties.c_str());
      if (encrypted) std::printf("(PASSPHRASE: the one given to --passphrase)\n");
      std::fflush(stdout);
      stats = run(a, AppSrcSink(description, live_sink_options()));
    }
    std::printf("frames made %llu, sent %llu, dropped %llu (late %llu)%s\n",
                static_cast<unsigned long long>(stats.frames + stats.late),
                static_cast<unsigned long long>(stats.frames + stats.late - stats.dropped),
                static_cast<unsigned long long>(stats.dropped),
                static_cast<unsigned long long>(stats.late),
                g_interrupted.load() ? " (stopped by a signal)" : "");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stream: %s\n", e.what());
    return 1;
  }
}
