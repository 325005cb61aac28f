// RtspServer: serves one live stream at rtsp://ADDRESS:PORT/PATH with gst-rtsp-server, fed by
// the RtspSink it hands out (a Sink for Pipeline and Writer).
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "framepipe/core/error.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/gst/network.hpp"
#include "framepipe/gst/runtime.hpp"
#include "framepipe/rtsp/detail/gst_rtsp_server.hpp"
#include "framepipe/rtsp/rtsp_sink.hpp"

namespace framepipe {

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
};

/// Serves a live stream over RTSP (gst-rtsp-server) at rtsp://address:port/path: one shared media
/// (`gst_rtsp_media_factory_set_shared`), so the frames are encoded once however many clients
/// watch, from the launch line `( appsrc name=src is-live=true format=time ! <encoder> !
/// <payloader> name=pay0 pt=96 )`. The server runs its own GMainContext on its own thread.
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
    if (options_.path.empty() || options_.path.front() != '/') {
      throw InvalidArgument("framepipe::RtspServer: the path must start with '/', got \"" +
                            options_.path + "\"");
    }
    if (options_.pool_size == 0) {
      throw InvalidArgument("framepipe::RtspServer: pool_size must be at least 1");
    }
    ensure_gstreamer_initialized();
    shared_ = std::make_shared<detail::RtspShared>();
    shared_->pool_size = options_.pool_size;
    shared_->key_frame_on_join = options_.key_frame_on_join;
    context_ = g_main_context_new();
    loop_ = g_main_loop_new(context_, FALSE);
    server_ = gst_rtsp_server_new();
    gst_rtsp_server_set_address(server_, options_.address.c_str());
    gst_rtsp_server_set_service(server_, std::to_string(options_.port).c_str());
    if (options_.client_threads > 0) {
      GstRTSPThreadPool* threads = gst_rtsp_server_get_thread_pool(server_);
      gst_rtsp_thread_pool_set_max_threads(threads, options_.client_threads);
      g_object_unref(threads);
    }

    factory_ = gst_rtsp_media_factory_new();
    gst_rtsp_media_factory_set_shared(factory_, TRUE);
    shared_->launch_line = [options = options_](FrameRate fps) {
      return launch_line(options, fps);
    };
    shared_->set_factory(GST_RTSP_MEDIA_FACTORY(g_object_ref(factory_)));
    shared_->set_rate(FrameRate{30, 1});
    auto* user = new std::shared_ptr<detail::RtspShared>(shared_);
    g_signal_connect_data(factory_, "media-configure", G_CALLBACK(&RtspServer::on_media_configure),
                          user, &RtspServer::free_shared, GConnectFlags{});
    GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server_);
    gst_rtsp_mount_points_add_factory(mounts, options_.path.c_str(),
                                      GST_RTSP_MEDIA_FACTORY(g_object_ref(factory_)));
    g_object_unref(mounts);

    user = new std::shared_ptr<detail::RtspShared>(shared_);
    g_signal_connect_data(server_, "client-connected", G_CALLBACK(&RtspServer::on_client_connected),
                          user, &RtspServer::free_shared, GConnectFlags{});

    // gst_rtsp_server_attach() without its error: create the source here, so that a port in use
    // becomes an exception.
    GError* raw_error = nullptr;
    source_ = gst_rtsp_server_create_source(server_, nullptr, &raw_error);
    if (source_ == nullptr) {
      const detail::GErrorPtr error(raw_error);
      const std::string message = error ? error->message : "gst_rtsp_server_create_source() failed";
      const bool in_use =
          error && g_error_matches(error.get(), G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
      release();
      if (in_use) throw AddressInUse(options_.address, options_.port, message);
      throw Error("framepipe::RtspServer: cannot listen on " + options_.address + ":" +
                  std::to_string(options_.port) + ": " + message);
    }
    g_source_attach(source_, context_);
    port_ = static_cast<std::uint16_t>(gst_rtsp_server_get_bound_port(server_));
    // Removes timed-out sessions; without it a client that vanished keeps its media alive.
    GSource* cleanup = g_timeout_source_new_seconds(2);
    g_source_set_callback(cleanup, &RtspServer::on_cleanup_timer, server_, nullptr);
    g_source_attach(cleanup, context_);
    g_source_unref(cleanup);
    thread_ = std::thread([loop = loop_, context = context_] {
      g_main_context_push_thread_default(context);
      g_main_loop_run(loop);
      g_main_context_pop_thread_default(context);
    });
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
    return "rtsp://" + detail::uri_host(options_.address) + ":" + std::to_string(port_) +
           options_.path;
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
    if (server_ == nullptr) return;
    if (thread_.joinable()) {
      // Closing the clients (gst_rtsp_server_client_filter) tears their sessions down; it runs on
      // the server thread, where the clients' own sources live, and then the loop quits.
      GSource* stop = g_idle_source_new();
      g_source_set_callback(stop, &RtspServer::on_stop, this, nullptr);
      g_source_attach(stop, context_);
      g_source_unref(stop);
      thread_.join();
    }
    release();
  }

 private:
  /// The factory's launch line; the sink's start() sets it again with the stream's rate, so that
  /// the preset makes a key frame every second.
  static std::string launch_line(const Options& options, FrameRate fps) {
    const std::string chain =
        options.encoder.empty()
            ? encoder_description(options.codec, fps) + " ! " + payloader_description(options.codec)
            : options.encoder;
    return "( appsrc name=src is-live=true format=time ! " + chain + " name=pay0 pt=96 )";
  }

  static void free_shared(gpointer data, GClosure*) {
    delete static_cast<std::shared_ptr<detail::RtspShared>*>(data);
  }

  static void on_media_configure(GstRTSPMediaFactory*, GstRTSPMedia* media,
                                 gpointer data) noexcept {
    const auto& shared = *static_cast<std::shared_ptr<detail::RtspShared>*>(data);
    GstElement* element = gst_rtsp_media_get_element(media);
    GstObject* parent = element != nullptr ? gst_object_get_parent(GST_OBJECT(element)) : nullptr;
    if (element != nullptr) gst_object_unref(element);
    if (parent == nullptr) return;
    const std::uint64_t generation = shared->publish(ElementRef::adopt(GST_ELEMENT(parent)));
    // Live: a client that leaves must not pause the others, and the media goes with the last
    // one (gst-rtsp-server's default for a non-reusable media).
    gst_rtsp_media_set_suspend_mode(media, GST_RTSP_SUSPEND_MODE_NONE);
    auto* user =
        new std::pair<std::shared_ptr<detail::RtspShared>, std::uint64_t>(shared, generation);
    g_signal_connect_data(
        media, "unprepared", G_CALLBACK(&RtspServer::on_media_unprepared), user,
        [](gpointer d, GClosure*) {
          delete static_cast<std::pair<std::shared_ptr<detail::RtspShared>, std::uint64_t>*>(d);
        },
        GConnectFlags{});
  }

  static void on_media_unprepared(GstRTSPMedia*, gpointer data) noexcept {
    const auto& [shared, generation] =
        *static_cast<std::pair<std::shared_ptr<detail::RtspShared>, std::uint64_t>*>(data);
    shared->withdraw(generation);
  }

  static void on_client_connected(GstRTSPServer*, GstRTSPClient* client, gpointer data) noexcept {
    const auto& shared = *static_cast<std::shared_ptr<detail::RtspShared>*>(data);
    shared->clients.fetch_add(1, std::memory_order_relaxed);
    auto* user = new std::shared_ptr<detail::RtspShared>(shared);
    g_signal_connect_data(client, "play-request", G_CALLBACK(&RtspServer::on_play_request), user,
                          &RtspServer::free_shared, GConnectFlags{});
    user = new std::shared_ptr<detail::RtspShared>(shared);
    g_signal_connect_data(client, "closed", G_CALLBACK(&RtspServer::on_client_closed), user,
                          &RtspServer::free_shared, GConnectFlags{});
  }

  static void on_play_request(GstRTSPClient*, GstRTSPContext*, gpointer data) noexcept {
    const auto& shared = *static_cast<std::shared_ptr<detail::RtspShared>*>(data);
    if (shared->key_frame_on_join) shared->key_frame_wanted.store(true, std::memory_order_release);
  }

  static void on_client_closed(GstRTSPClient*, gpointer data) noexcept {
    const auto& shared = *static_cast<std::shared_ptr<detail::RtspShared>*>(data);
    shared->clients.fetch_sub(1, std::memory_order_relaxed);
  }

  static gboolean on_cleanup_timer(gpointer server) noexcept {
    GstRTSPSessionPool* pool = gst_rtsp_server_get_session_pool(GST_RTSP_SERVER(server));
    gst_rtsp_session_pool_cleanup(pool);
    g_object_unref(pool);
    return G_SOURCE_CONTINUE;
  }

  static gboolean on_stop(gpointer self) noexcept {
    auto* s = static_cast<RtspServer*>(self);
    g_source_destroy(s->source_);  // accept no new connection
    GList* closed = gst_rtsp_server_client_filter(
        s->server_, [](GstRTSPServer*, GstRTSPClient*, gpointer) { return GST_RTSP_FILTER_REMOVE; },
        nullptr);
    g_list_free_full(closed, g_object_unref);
    g_main_loop_quit(s->loop_);
    return G_SOURCE_REMOVE;
  }

  /// Drops every GLib object; the thread is not running.
  void release() noexcept {
    if (shared_) shared_->withdraw_all();
    if (source_ != nullptr) {
      g_source_destroy(source_);
      g_source_unref(source_);
      source_ = nullptr;
    }
    if (factory_ != nullptr) g_object_unref(factory_);
    factory_ = nullptr;
    if (server_ != nullptr) g_object_unref(server_);
    server_ = nullptr;
    if (loop_ != nullptr) g_main_loop_unref(loop_);
    loop_ = nullptr;
    if (context_ != nullptr) {
      // Sources the clients left behind (their watches) are dispatched no more.
      while (g_main_context_iteration(context_, FALSE)) {
      }
      g_main_context_unref(context_);
    }
    context_ = nullptr;
  }

  Options options_;
  std::shared_ptr<detail::RtspShared> shared_;
  GMainContext* context_ = nullptr;
  GMainLoop* loop_ = nullptr;
  GstRTSPServer* server_ = nullptr;
  GstRTSPMediaFactory* factory_ = nullptr;
  GSource* source_ = nullptr;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace framepipe
