// Streams the text clock over the network, live: RTSP (a server clients join and leave), RTP/UDP
// (with an SDP file for players; H.264, VP8 or uncompressed RFC 4175 video), SRT (a listener) or
// WHEP (WebRTC to browsers, with the player page of examples/web/ served beside it).
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
//          (open http://127.0.0.1:8889/clock/ in a browser; VP8 by default)
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
#  include <framepipe/web/whep_server.hpp>
#endif
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
  /// --token, --max-viewers, --page (whep:// only).
  std::string token;
  std::size_t max_viewers = 8;
  std::string page_dir;
  bool have_whep_option = false;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "stream: %s\n"
               "usage: stream --to rtsp://HOST:PORT/PATH | rtp://HOST:PORT | srt://HOST:PORT\n"
               "                   | whep://HOST:PORT/PATH\n"
               "              [--sdp FILE.sdp] [--seconds S] [--size WxH] [--fps N[/D]]\n"
               "              [--codec h264|vp8|raw]   (raw: rtp:// only)\n"
               "              [--auth USER:PASSWORD [--auth-method digest|basic]]\n"
               "              [--passphrase SECRET [--pbkeylen 16|24|32]]   (srt:// only)\n"
               "              [--tls-cert CERT.pem --tls-key KEY.pem]   (rtsp:// only)\n"
               "              [--token TOKEN] [--max-viewers N] [--page DIR]   (whep:// only)\n",
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
  if (t.scheme != "rtsp" && t.scheme != "rtp" && t.scheme != "srt" && t.scheme != "whep") {
    usage("--to: rtsp://, rtp:// or srt://, or whep://");
  }
  if ((t.scheme == "rtsp" || t.scheme == "whep") && t.path.empty()) t.path = "/clock";
  if (t.scheme == "whep" && t.path.size() > 1 && t.path.back() == '/') t.path.pop_back();
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
    } else if (arg == "--page") {
      a.page_dir = value();
      a.have_whep_option = true;
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
    usage("--token, --max-viewers and --page are for whep:// only");
  }
  if (a.raw && a.to.scheme == "whep") usage("--codec raw is for rtp:// only");
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

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  Args args = parse(argc, argv);
  // WebRTC: VP8 unless asked (every browser decodes it); the others default to H.264.
  if (args.to.scheme == "whep" && !args.have_codec) args.codec = VideoCodec::VP8;
  const Args& a = args;
  const char* codec = a.codec == VideoCodec::H264 ? "H264" : "VP8";
  const std::string depay =
      a.codec == VideoCodec::H264 ? "rtph264depay ! avdec_h264" : "rtpvp8depay ! vp8dec";
  try {
    Stats stats;
    if (a.to.scheme == "whep") {
#if FRAMEPIPE_HAS_WEB
      WhepServerOptions options{.address = a.to.host,
                                .port = a.to.port,
                                .path = a.to.path,
                                .codec = a.codec,
                                .max_viewers = a.max_viewers,
                                .bearer_token = a.token};
#  ifdef FRAMEPIPE_EXAMPLES_WEB_DIR
      options.page_directory = a.page_dir.empty() ? FRAMEPIPE_EXAMPLES_WEB_DIR : a.page_dir;
#  else
      options.page_directory = a.page_dir;
#  endif
      WhepServer server(options);
      std::printf("serving WHEP at %s (%s, at most %zu viewers%s)\n", server.endpoint_url().c_str(),
                  codec, a.max_viewers, a.token.empty() ? "" : ", bearer token");
      if (!options.page_directory.empty()) {
        std::printf("open: %s%s in a browser\n", server.page_url().c_str(),
                    a.token.empty() ? "" : "?token=TOKEN");
      }
      std::fflush(stdout);
      stats = run(a, server.sink());
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
