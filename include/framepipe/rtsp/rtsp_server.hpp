// RtspServer: serves one live stream at rtsp://ADDRESS:PORT/PATH with gst-rtsp-server, fed by
// the RtspSink it hands out (a Sink for Pipeline and Writer).
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "framepipe/core/error.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/gst/error.hpp"
#include "framepipe/gst/network.hpp"
#include "framepipe/gst/runtime.hpp"
#include "framepipe/rtsp/detail/gst_rtsp_server.hpp"
#include "framepipe/rtsp/rtsp_path.hpp"
#include "framepipe/rtsp/rtsp_sink.hpp"

namespace framepipe {

/// How RTSP users prove who they are (`gst_rtsp_auth_set_supported_methods`).
enum class RtspAuthMethod {
  /// RFC 2617 Digest (`gst_rtsp_auth_add_digest`): the password never crosses the network.
  Digest,
  /// Basic (`gst_rtsp_auth_make_basic`, `gst_rtsp_auth_add_basic`): the password crosses the
  /// network in base64, readable by anyone on the path; use it over TLS only.
  Basic,
};

/// A user allowed to watch an RtspServer's stream (RtspServerOptions::users).
struct RtspUser {
  /// Not empty; no ':' nor control character.
  std::string name;
  /// Not empty. Never part of a message framepipe makes (exceptions, logs).
  std::string password;
};

/// Options of an RtspServer; every member has a default.
struct RtspServerOptions {
  /// The address to listen on. Loopback by default: give "0.0.0.0" (or "::") to serve other hosts.
  std::string address = "127.0.0.1";
  /// The TCP port; 0 lets the system choose a free one (RtspServer::port() says which).
  std::uint16_t port = 0;
  /// The mount point, starting with '/'.
  std::string path = "/stream";
  /// The codec of the built-in encoder preset (encoder_description(), payloader_description()).
  VideoCodec codec = VideoCodec::H264;
  /// Replaces the preset: `<encoder> ! <payloader>`, without `name=pay0 pt=96` (added here).
  /// Empty: the preset for `codec`, with a key frame every second at the stream's rate.
  std::string encoder{};
  /// Frames lent per attached client media (AppSrcSink::Options::pool_size, DropOldest).
  std::size_t pool_size = 4;
  /// Threads that serve clients (`gst_rtsp_thread_pool_set_max_threads`): each client's RTSP
  /// and TCP-interleaved traffic runs on one of them, so one slow client does not hold up the
  /// others. 0 serves every client on the server's own thread.
  int client_threads = 8;
  /// Ask the encoder for a key frame whenever a client starts playing
  /// (`gst_video_event_new_upstream_force_key_unit`), so that it starts at once rather than at
  /// the next periodic key frame (at most a second later with the presets).
  bool key_frame_on_join = true;
  /// Users allowed to watch (GstRTSPAuth; each gets the media factory's `access` and `construct`
  /// permissions through a role, `gst_rtsp_media_factory_add_role`). Empty: anyone who reaches
  /// the address may watch. With users, a client without a valid name and password gets 401.
  std::vector<RtspUser> users{};
  /// How users authenticate.
  RtspAuthMethod auth_method = RtspAuthMethod::Digest;
  /// TLS (RTSPS): a PEM certificate file and the PEM file of its private key, both or neither
  /// (`g_tls_certificate_new_from_files`, `gst_rtsp_auth_set_tls_certificate`). Then clients
  /// connect with TLS only, and url() says rtsps://.
  std::string tls_certificate{};
  std::string tls_key{};
  /// At most this many client connections at once: one more gets 503 Service Unavailable to
  /// each request and is closed. 0: no limit.
  std::size_t max_clients = 64;
  /// A session without a request or RTCP from its client for this long is removed (a client
  /// that vanished, or that stopped reading its TCP connection); its connection is then closed
  /// as one without a session (setup_timeout). At least 1 s. gst-rtsp-server adds 5 s of grace
  /// (GstRTSPSession `extra-timeout`, which lets a client that only sends RTCP, every 5 s or so,
  /// stay), and the server looks once a second: the session goes 5 to 6 s later than this
  /// (rtsp_memory_test, at 1 s: the stalled client's connection closed 7.5 to 9.7 s after its
  /// last request). Until then the packets that client has not taken stay queued
  /// (gst-rtsp-server's per-transport backlog, about 2 kB a packet, which it drops itself once
  /// it holds over 10 s and 100 packets).
  std::chrono::seconds session_timeout{60};
  /// A connection that has had no session for this long since it connected is closed (a client
  /// that connects and says nothing, or stays after its session ended). At least 1 s.
  std::chrono::seconds setup_timeout{20};
};

/// Serves a live stream over RTSP (gst-rtsp-server) at rtsp://address:port/path: one shared media
/// (`gst_rtsp_media_factory_set_shared`), so the frames are encoded once however many clients
/// watch, from the launch line `( appsrc name=src is-live=true format=time ! <encoder> !
/// <payloader> name=pay0 pt=96 )`. When the sink's stream has audio (RtspSink::start(AudioSpec)),
/// the medias built from then on carry it as stream 1, Opus: `... appsrc name=audio ! audioconvert
/// ! audioresample ! opusenc ! rtpopuspay name=pay1 pt=97`. The server runs its own GMainContext
/// on its own thread.
///
/// Frames come in through sink(): an RtspSink, a Sink for Pipeline and Writer that attaches to the
/// media's appsrc when a client makes gst-rtsp-server build it (`media-configure`) and detaches
/// when the media goes. It never blocks the producer: frames made while nobody watches, or while
/// a client is slow, are dropped and counted. When a client starts playing, the encoder is asked
/// for a key frame (`gst_video_event_new_upstream_force_key_unit`).
///
/// The constructor binds the port: AddressInUse when another socket holds it, Error for other
/// failures. The destructor closes every client connection and stops in bounded time.
class RtspServer {
 public:
  using Options = RtspServerOptions;

  explicit RtspServer(Options options = {}) : options_(std::move(options)) {
    check_rtsp_path(options_.path);
    if (options_.pool_size == 0) {
      throw InvalidArgument("framepipe::RtspServer: pool_size must be at least 1");
    }
    check_security_options(options_);
    ensure_gstreamer_initialized();
    check_launch_line(launch_line(options_, FrameRate{30, 1}, false));
    shared_ = std::make_shared<detail::RtspShared>();
    shared_->pool_size = options_.pool_size;
    shared_->key_frame_on_join = options_.key_frame_on_join;
    shared_->max_clients = options_.max_clients;
    shared_->session_timeout_seconds = static_cast<unsigned>(options_.session_timeout.count());
    try {
      start();
    } catch (...) {
      release();  // the factory and the closures' RtspShared hold each other until withdraw_all()
      throw;
    }
  }

  RtspServer(const RtspServer&) = delete;
  RtspServer& operator=(const RtspServer&) = delete;

  /// Closes every client connection, stops the server thread and releases the port.
  ~RtspServer() { shutdown(); }

  /// The port the server listens on (the one the system chose when Options::port was 0).
  std::uint16_t port() const noexcept { return port_; }
  /// The address the server listens on.
  const std::string& address() const noexcept { return options_.address; }
  /// The mount point.
  const std::string& path() const noexcept { return options_.path; }
  /// rtsp://address:port/path, for clients.
  std::string url() const {
    return std::string(tls() ? "rtsps://" : "rtsp://") + detail::uri_host(options_.address) + ":" +
           std::to_string(port_) + options_.path;
  }
  /// Whether clients must use TLS (Options::tls_certificate): url() says rtsps://.
  bool tls() const noexcept { return !options_.tls_certificate.empty(); }
  /// Connections refused so far because max_clients were connected.
  std::uint64_t refused_clients() const noexcept {
    return shared_->refused_clients.load(std::memory_order_relaxed);
  }
  /// Connections closed so far because they had no session for setup_timeout (a silent client,
  /// or one whose session timed out).
  std::uint64_t timed_out_clients() const noexcept {
    return shared_->timed_out_clients.load(std::memory_order_relaxed);
  }
  /// Clients connected now (RTSP connections, whether or not they play).
  std::size_t clients() const noexcept { return shared_->clients.load(std::memory_order_relaxed); }
  /// Medias built so far (one per time the first client arrived after nobody watched).
  std::uint64_t medias_configured() const noexcept {
    return shared_->medias.load(std::memory_order_relaxed);
  }

  /// The Sink that feeds this server's stream; hand it to a Pipeline or a Writer. It may outlive
  /// the server (it then drops and counts every frame). Several sinks of one server would feed
  /// one appsrc: take one.
  RtspSink sink() const { return RtspSink(shared_); }

  /// Ends every client connection and stops the server; the destructor calls it. Idempotent.
  void shutdown() noexcept {
    if (!server_) return;
    if (thread_.joinable()) {
      // Closing the clients (gst_rtsp_server_client_filter) tears their sessions down; it runs on
      // the server thread, where the clients' own sources live, and then the loop quits.
      GSource* stop = g_idle_source_new();
      g_source_set_callback(stop, &RtspServer::on_stop, this, nullptr);
      g_source_attach(stop, context_.get());
      g_source_unref(stop);
      thread_.join();
    }
    release();
  }

 private:
  /// Builds the server and its thread (the constructor's second half).
  void start() {
    context_.reset(g_main_context_new());
    loop_.reset(g_main_loop_new(context_.get(), FALSE));
    server_.reset(gst_rtsp_server_new());
    GstRTSPServer* server = server_.get();
    gst_rtsp_server_set_address(server, options_.address.c_str());
    gst_rtsp_server_set_service(server, std::to_string(options_.port).c_str());
    if (options_.client_threads > 0) {
      GstRTSPThreadPool* threads = gst_rtsp_server_get_thread_pool(server);
      gst_rtsp_thread_pool_set_max_threads(threads, options_.client_threads);
      g_object_unref(threads);
    }

    factory_.reset(gst_rtsp_media_factory_new());
    GstRTSPMediaFactory* factory = factory_.get();
    gst_rtsp_media_factory_set_shared(factory, TRUE);
    shared_->launch_line = [options = options_](FrameRate fps, bool audio) {
      return launch_line(options, fps, audio);
    };
    shared_->set_factory(GST_RTSP_MEDIA_FACTORY(g_object_ref(factory)));
    shared_->set_stream(FrameRate{30, 1}, std::nullopt);
    connect(factory, "media-configure", G_CALLBACK(&RtspServer::on_media_configure));
    set_up_auth(server, factory);
    GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server);
    gst_rtsp_mount_points_add_factory(mounts, options_.path.c_str(),
                                      GST_RTSP_MEDIA_FACTORY(g_object_ref(factory)));
    g_object_unref(mounts);
    connect(server, "client-connected", G_CALLBACK(&RtspServer::on_client_connected));

    // gst_rtsp_server_attach() without its error: create the source here, so that a port in use
    // becomes an exception.
    GError* raw_error = nullptr;
    source_.reset(gst_rtsp_server_create_source(server, nullptr, &raw_error));
    if (!source_) {
      const detail::GErrorPtr error(raw_error);
      const std::string message = error ? error->message : "gst_rtsp_server_create_source() failed";
      if (error && g_error_matches(error.get(), G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)) {
        throw AddressInUse(options_.address, options_.port, message);
      }
      throw Error("framepipe::RtspServer: cannot listen on " + options_.address + ":" +
                  std::to_string(options_.port) + ": " + message);
    }
    g_source_attach(source_.get(), context_.get());
    port_ = static_cast<std::uint16_t>(gst_rtsp_server_get_bound_port(server));
    // Removes timed-out sessions; without it a client that vanished keeps its media alive.
    cleanup_.reset(g_timeout_source_new_seconds(1));
    g_source_set_callback(cleanup_.get(), &RtspServer::on_cleanup_timer, this, nullptr);
    g_source_attach(cleanup_.get(), context_.get());
    thread_ = std::thread([loop = loop_.get(), context = context_.get()] {
      g_main_context_push_thread_default(context);
      g_main_loop_run(loop);
      g_main_context_pop_thread_default(context);
    });
  }

  /// The role every user of Options::users gets; the factory grants it access and construct.
  static constexpr const char* kViewerRole = "framepipe-viewer";

  /// Throws InvalidArgument for users, TLS files and limits no server can use. The messages
  /// name users, never their passwords.
  static void check_security_options(const Options& options) {
    for (const RtspUser& user : options.users) {
      if (user.name.empty()) throw InvalidArgument("framepipe::RtspServer: a user has no name");
      for (const char c : user.name) {
        if (c == ':' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          throw InvalidArgument(
              "framepipe::RtspServer: a user name holds ':' or a control character");
        }
      }
      if (user.password.empty()) {
        throw InvalidArgument("framepipe::RtspServer: user \"" + user.name + "\" has no password");
      }
    }
    if (options.tls_certificate.empty() != options.tls_key.empty()) {
      throw InvalidArgument(
          "framepipe::RtspServer: give both tls_certificate and tls_key, or neither");
    }
    if (options.session_timeout < std::chrono::seconds(1) ||
        options.setup_timeout < std::chrono::seconds(1)) {
      throw InvalidArgument(
          "framepipe::RtspServer: session_timeout and setup_timeout must be at least 1 s");
    }
  }

  /// GstRTSPAuth for Options::users and the TLS certificate (`gst_rtsp_server_set_auth`); none
  /// when neither is asked for. Without users, TLS clients get the viewer role by default.
  void set_up_auth(GstRTSPServer* server, GstRTSPMediaFactory* factory) {
    if (options_.users.empty() && !tls()) return;
    const detail::GObjectPtr<GstRTSPAuth> auth(gst_rtsp_auth_new());
    if (tls()) {
      GError* raw_error = nullptr;
      const detail::GObjectPtr<GTlsCertificate> certificate(g_tls_certificate_new_from_files(
          options_.tls_certificate.c_str(), options_.tls_key.c_str(), &raw_error));
      const detail::GErrorPtr error(raw_error);
      if (!certificate) {
        throw InvalidArgument("framepipe::RtspServer: cannot load the TLS certificate " +
                              options_.tls_certificate + " and key " + options_.tls_key + ": " +
                              (error ? error->message : "unknown reason"));
      }
      gst_rtsp_auth_set_tls_certificate(auth.get(), certificate.get());
    }
    GstRTSPToken* token =
        gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, kViewerRole, nullptr);
    if (options_.users.empty()) {
      gst_rtsp_auth_set_default_token(auth.get(), token);
    } else {
      for (const RtspUser& user : options_.users) {
        if (options_.auth_method == RtspAuthMethod::Basic) {
          const detail::GCharPtr basic(
              gst_rtsp_auth_make_basic(user.name.c_str(), user.password.c_str()));
          gst_rtsp_auth_add_basic(auth.get(), basic.get(), token);
        } else {
          gst_rtsp_auth_add_digest(auth.get(), user.name.c_str(), user.password.c_str(), token);
        }
      }
      gst_rtsp_auth_set_supported_methods(auth.get(), options_.auth_method == RtspAuthMethod::Basic
                                                          ? GST_RTSP_AUTH_BASIC
                                                          : GST_RTSP_AUTH_DIGEST);
    }
    gst_rtsp_token_unref(token);
    if (!options_.users.empty()) hide_credentials_from_log();
    gst_rtsp_media_factory_add_role(factory, kViewerRole, GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
                                    G_TYPE_BOOLEAN, TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
                                    G_TYPE_BOOLEAN, TRUE, nullptr);
    gst_rtsp_server_set_auth(server, auth.get());
  }

  /// gst-rtsp-server dumps every request, its Authorization header included, when its
  /// "rtspclient" debug category is at LOG or more (GST_DEBUG=rtspclient:6): with Basic, the
  /// password in base64; with Digest, a hash open to a dictionary attack. With users, the
  /// category is held at DEBUG.
  static void hide_credentials_from_log() {
    g_type_class_unref(g_type_class_ref(GST_TYPE_RTSP_CLIENT));  // registers the category
    GstDebugCategory* category = nullptr;
    GST_DEBUG_CATEGORY_GET(category, "rtspclient");
    if (category != nullptr && gst_debug_category_get_threshold(category) > GST_LEVEL_DEBUG) {
      gst_debug_category_set_threshold(category, GST_LEVEL_DEBUG);
    }
  }

  /// Connects `callback` to `signal` of `instance` with a copy of the shared state as its data,
  /// freed with the handler.
  void connect(gpointer instance, const char* signal, GCallback callback) {
    auto user = std::make_unique<std::shared_ptr<detail::RtspShared>>(shared_);
    g_signal_connect_data(instance, signal, callback, user.release(), &RtspServer::free_shared,
                          GConnectFlags{});
  }

  /// Parses the media's launch line once (`gst_parse_launch_full`), so that a custom encoder
  /// naming an element that is not installed, or that does not parse, fails here rather than
  /// giving every client 503 while the frames are dropped.
  static void check_launch_line(const std::string& line) {
    GstParseContext* context = gst_parse_context_new();
    GError* raw_error = nullptr;
    GstElement* parsed =
        gst_parse_launch_full(line.c_str(), context, GST_PARSE_FLAG_FATAL_ERRORS, &raw_error);
    const detail::GErrorPtr error(raw_error);
    const detail::ElementPtr element(parsed != nullptr ? GST_ELEMENT(gst_object_ref_sink(parsed))
                                                       : nullptr);
    std::string missing;
    if (gchar** names = gst_parse_context_get_missing_elements(context); names != nullptr) {
      for (gchar** n = names; *n != nullptr; ++n) {
        missing += (missing.empty() ? "" : ", ") + std::string(*n);
      }
      g_strfreev(names);
    }
    gst_parse_context_free(context);
    if (error || !element) {
      const std::string message = error ? error->message : "gst_parse_launch_full() failed";
      if (error && error->domain == GST_PARSE_ERROR &&
          error->code == GST_PARSE_ERROR_NO_SUCH_ELEMENT) {
        throw MissingElement(missing.empty() ? std::string("?") : missing, message);
      }
      throw ParseError(line, message);
    }
  }

  /// The factory's launch line; the sink's start() sets it again with the stream's rate, so that
  /// the preset makes a key frame every second, and its start(AudioSpec) with the audio stream
  /// (detail::rtsp_audio_branch()).
  static std::string launch_line(const Options& options, FrameRate fps, bool audio) {
    const std::string chain = options.encoder.empty() ? encoder_description(options.codec, fps) +
                                                            " ! " + rtsp_payloader(options.codec)
                                                      : options.encoder;
    return "( appsrc name=src is-live=true format=time ! " + chain + " name=pay0 pt=96" +
           (audio ? "  " + detail::rtsp_audio_branch() : std::string()) + " )";
  }

  /// The preset's payloader. H.264: `rtph264pay config-interval=0`. x264enc repeats SPS and PPS
  /// before every IDR picture itself, and the SDP carries them (sprop-parameter-sets); with
  /// `config-interval=-1` the payloader also inserted them before every IDR *slice*, and since
  /// x264enc's zerolatency tune cuts each picture into slices, an SPS between two slices of one
  /// picture starts a new access unit (H.264 7.4.1.2.3): ffmpeg split every key frame in two and
  /// the P frames after it referenced the broken half (digits smeared after every key frame).
  static std::string rtsp_payloader(VideoCodec codec) {
    return codec == VideoCodec::H264 ? "rtph264pay config-interval=0"
                                     : payloader_description(codec);
  }

  static void free_shared(gpointer data, GClosure*) {
    delete static_cast<std::shared_ptr<detail::RtspShared>*>(data);
  }

  /// `media-configure`: the sink attaches to the new media. An exception (bad_alloc) is stored
  /// and the sink's next call rethrows it; the media then has no producer, its clients get no
  /// frames.
  static void on_media_configure(GstRTSPMediaFactory*, GstRTSPMedia* media,
                                 gpointer data) noexcept {
    const auto& shared = *static_cast<std::shared_ptr<detail::RtspShared>*>(data);
    try {
      GstElement* element = gst_rtsp_media_get_element(media);
      GstObject* parent = element != nullptr ? gst_object_get_parent(GST_OBJECT(element)) : nullptr;
      if (element != nullptr) gst_object_unref(element);
      if (parent == nullptr) return;
      ElementRef pipeline = ElementRef::adopt(GST_ELEMENT(parent));
      using Unprepared = std::pair<std::shared_ptr<detail::RtspShared>, std::uint64_t>;
      auto user = std::make_unique<Unprepared>(shared, 0);
      user->second = shared->publish(std::move(pipeline));
      // Live: a client that leaves must not pause the others, and the media goes with the last
      // one (gst-rtsp-server's default for a non-reusable media).
      gst_rtsp_media_set_suspend_mode(media, GST_RTSP_SUSPEND_MODE_NONE);
      g_signal_connect_data(
          media, "unprepared", G_CALLBACK(&RtspServer::on_media_unprepared), user.release(),
          [](gpointer d, GClosure*) { delete static_cast<Unprepared*>(d); }, GConnectFlags{});
    } catch (...) {
      shared->fail(std::current_exception());
    }
  }

  static void on_media_unprepared(GstRTSPMedia*, gpointer data) noexcept {
    const auto& [shared, generation] =
        *static_cast<std::pair<std::shared_ptr<detail::RtspShared>, std::uint64_t>*>(data);
    shared->withdraw(generation);
  }

  /// `client-connected`: counts the client, watches it play and close, and sets the timeout of
  /// its sessions. One past max_clients gets 503 to its first request and is closed (or closed by
  /// the cleanup timer if it says nothing). An exception is stored (the sink's next call rethrows
  /// it) and the client is served uncounted.
  static void on_client_connected(GstRTSPServer*, GstRTSPClient* client, gpointer data) noexcept {
    const auto& shared = *static_cast<std::shared_ptr<detail::RtspShared>*>(data);
    try {
      const auto connect_client = [&](const char* signal, GCallback callback) {
        auto user = std::make_unique<std::shared_ptr<detail::RtspShared>>(shared);
        g_signal_connect_data(client, signal, callback, user.release(), &RtspServer::free_shared,
                              GConnectFlags{});
      };
      connect_client("closed", G_CALLBACK(&RtspServer::on_client_closed));
      if (!shared->admit(client)) {
        shared->refused_clients.fetch_add(1, std::memory_order_relaxed);
        // Each request gets 503, and the client is then closed from its own thread
        // (on_refused_request); one that says nothing is closed by the cleanup timer within a
        // second. (Not pre-options-request: in 1.22 its error path frees the response twice.)
        for (const char* request :
             {"pre-describe-request", "pre-setup-request", "pre-play-request"}) {
          connect_client(request, G_CALLBACK(&RtspServer::on_refused_request));
        }
        return;
      }
      connect_client("play-request", G_CALLBACK(&RtspServer::on_play_request));
      connect_client("new-session", G_CALLBACK(&RtspServer::on_new_session));
      shared->clients.fetch_add(1, std::memory_order_relaxed);
    } catch (...) {
      shared->fail(std::current_exception());
    }
  }

  /// A request of a client past max_clients: 503, and the client is closed once this dispatch
  /// of its connection ends, on the thread that serves it. (Closed from any other thread while
  /// it reads a request, gst-rtsp-server 1.22's connection loses its stream mid-read and that
  /// thread spins on it for good.)
  static GstRTSPStatusCode on_refused_request(GstRTSPClient* client, GstRTSPContext*,
                                              gpointer) noexcept {
    GSource* current = g_main_current_source();
    if (current != nullptr) {
      GSource* close = g_idle_source_new();
      g_source_set_callback(
          close,
          [](gpointer c) {
            gst_rtsp_client_close(GST_RTSP_CLIENT(c));
            return G_SOURCE_REMOVE;
          },
          g_object_ref(client), g_object_unref);
      g_source_attach(close, g_source_get_context(current));
      g_source_unref(close);
    }
    return GST_RTSP_STS_SERVICE_UNAVAILABLE;
  }

  static void on_new_session(GstRTSPClient*, GstRTSPSession* session, gpointer data) noexcept {
    const auto& shared = *static_cast<std::shared_ptr<detail::RtspShared>*>(data);
    gst_rtsp_session_set_timeout(session, shared->session_timeout_seconds);
  }

  static void on_play_request(GstRTSPClient*, GstRTSPContext*, gpointer data) noexcept {
    const auto& shared = *static_cast<std::shared_ptr<detail::RtspShared>*>(data);
    if (shared->key_frame_on_join) shared->key_frame_wanted.store(true, std::memory_order_release);
  }

  static void on_client_closed(GstRTSPClient* client, gpointer data) noexcept {
    const auto& shared = *static_cast<std::shared_ptr<detail::RtspShared>*>(data);
    if (!shared->refused(client)) shared->clients.fetch_sub(1, std::memory_order_relaxed);
    shared->forget(client);
  }

  /// Every second on the server thread: removes timed-out sessions (without it a client that
  /// vanished keeps its media alive), then closes the connections refused over max_clients and
  /// those without a session for setup_timeout.
  static gboolean on_cleanup_timer(gpointer self) noexcept {
    auto* s = static_cast<RtspServer*>(self);
    GstRTSPSessionPool* pool = gst_rtsp_server_get_session_pool(s->server_.get());
    gst_rtsp_session_pool_cleanup(pool);
    g_object_unref(pool);
    GList* closed = gst_rtsp_server_client_filter(s->server_.get(), &RtspServer::close_stale, s);
    g_list_free_full(closed, g_object_unref);
    return G_SOURCE_CONTINUE;
  }

  static GstRTSPFilterResult close_stale(GstRTSPServer*, GstRTSPClient* client,
                                         gpointer self) noexcept {
    auto* s = static_cast<RtspServer*>(self);
    detail::RtspShared& shared = *s->shared_;
    if (shared.refused(client)) return GST_RTSP_FILTER_REMOVE;
    if (!shared.connected_longer_than(client, s->options_.setup_timeout)) {
      return GST_RTSP_FILTER_KEEP;
    }
    GList* sessions = gst_rtsp_client_session_filter(client, nullptr, nullptr);
    const bool idle = sessions == nullptr;
    g_list_free_full(sessions, g_object_unref);
    if (!idle) return GST_RTSP_FILTER_KEEP;
    shared.timed_out_clients.fetch_add(1, std::memory_order_relaxed);
    return GST_RTSP_FILTER_REMOVE;
  }

  static gboolean on_stop(gpointer self) noexcept {
    auto* s = static_cast<RtspServer*>(self);
    g_source_destroy(s->source_.get());  // accept no new connection
    // Not again: release() iterates the context once the server is gone.
    g_source_destroy(s->cleanup_.get());
    GList* closed = gst_rtsp_server_client_filter(
        s->server_.get(),
        [](GstRTSPServer*, GstRTSPClient*, gpointer) { return GST_RTSP_FILTER_REMOVE; }, nullptr);
    g_list_free_full(closed, g_object_unref);
    g_main_loop_quit(s->loop_.get());
    return G_SOURCE_REMOVE;
  }

  /// Drops every GLib object; the thread is not running.
  void release() noexcept {
    if (shared_) shared_->withdraw_all();
    cleanup_.reset();
    source_.reset();
    factory_.reset();
    server_.reset();
    loop_.reset();
    if (context_) {
      // Sources the clients left behind (their watches) are dispatched no more.
      while (g_main_context_iteration(context_.get(), FALSE)) {
      }
    }
    context_.reset();
  }

  Options options_;
  std::shared_ptr<detail::RtspShared> shared_;
  // Declared in the order they are made: a constructor that throws drops them in reverse.
  detail::GMainContextPtr context_;
  detail::GMainLoopPtr loop_;
  detail::GObjectPtr<GstRTSPServer> server_;
  detail::GObjectPtr<GstRTSPMediaFactory> factory_;
  detail::GSourcePtr source_;
  detail::GSourcePtr cleanup_;  ///< the cleanup timer (on_cleanup_timer)
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace framepipe
