// WhepServer: serves one live stream to browsers over WebRTC (WHEP) at
// http://ADDRESS:PORT/PATH/whep, fed by the WhepSink it hands out.
#pragma once

#include <gst/gst.h>
#include <libsoup/soup.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "framepipe/core/error.hpp"
#include "framepipe/gst/runtime.hpp"
#include "framepipe/web/detail/whep_shared.hpp"
#include "framepipe/web/http_server.hpp"
#include "framepipe/web/whep_sink.hpp"

namespace framepipe {

/// Serves a live stream to browsers with WHEP (the WebRTC-HTTP egress protocol), the URLs as
/// MediaMTX has them: a viewer POSTs its SDP offer (`application/sdp`) to PATH/whep and gets
/// `201 Created` with the answer and a `Location: PATH/whep/<id>` that it DELETEs to leave.
/// Non-trickle ICE: the answer comes once ICE gathering is complete, with every candidate in it
/// (PATCH gets 405). Each viewer is a webrtcbin fed from the one encode of the WhepSink
/// (sink()); a viewer goes on DELETE, when its connection fails or closes, when it has sent no
/// RTCP for Options::peer_timeout (a closed tab), and when the stream ends. The page directory
/// (Options::page_directory) is served at PATH/.
///
/// Bad requests change nothing and get: 415 (Content-Type is not application/sdp), 413 (body
/// over 64 KiB), 400 with the reason (a malformed offer, no video, not the codec sent, an offer
/// webrtcbin cannot answer), 401 (Options::bearer_token missing or wrong), 404 (an unknown
/// resource), 405 (another method), 503 (max_viewers watch, or no stream runs).
///
/// The HTTP server (http()) runs on its own thread; other routes may be added to it (HLS).
/// The constructor binds the port: AddressInUse when another socket holds it. The destructor
/// removes every viewer and stops in bounded time.
class WhepServer {
 public:
  using Options = WhepServerOptions;

  explicit WhepServer(Options options = {})
      : shared_(std::make_shared<detail::WhepShared>(checked(std::move(options)))),
        http_({.address = shared_->options.address,
               .port = shared_->options.port,
               .allow_origin = shared_->options.allow_origin,
               .max_body_size = kMaxOfferSize}) {
    shared_->set_http(&http_);
    const std::string& path = shared_->options.path;
    http_.route(path + "/whep",
                [shared = shared_](const HttpRequest& request) { on_endpoint(*shared, request); });
    http_.route(path + "/whep/",
                [shared = shared_](const HttpRequest& request) { on_resource(*shared, request); });
    if (!shared_->options.page_directory.empty()) {
      http_.serve_directory(path + "/", shared_->options.page_directory);
    }
    shared_->start_reaper();
  }

  WhepServer(const WhepServer&) = delete;
  WhepServer& operator=(const WhepServer&) = delete;

  ~WhepServer() { shutdown(); }

  /// Removes every viewer and stops the HTTP server; the destructor calls it. Idempotent. The
  /// sink keeps working (it drops and counts every frame).
  void shutdown() noexcept {
    shared_->remove_all();
    http_.shutdown();
    shared_->set_http(nullptr);
  }

  /// The Sink that feeds the viewers; hand it to a Pipeline or a Writer. Take one.
  WhepSink sink() const { return WhepSink(shared_); }

  std::uint16_t port() const noexcept { return http_.port(); }
  const std::string& path() const noexcept { return shared_->options.path; }
  /// http://address:port/PATH/whep
  std::string endpoint_url() const { return http_.url() + shared_->options.path + "/whep"; }
  /// http://address:port/PATH/, where the page directory is served.
  std::string page_url() const { return http_.url() + shared_->options.path + "/"; }
  /// The HTTP server, for more routes (HLS's playlists and segments).
  HttpServer& http() noexcept { return http_; }

  /// Viewers now (answered or being negotiated).
  std::size_t viewers() const { return shared_->viewers(); }
  /// Viewers answered with 201 so far.
  std::uint64_t viewers_joined() const noexcept { return load(&detail::WhepCounters::joined); }
  /// Viewers removed so far (DELETE, failed or closed connection, end of stream, a failed
  /// negotiation).
  std::uint64_t viewers_left() const noexcept { return load(&detail::WhepCounters::left); }
  /// Viewers whose webrtcbin has been finalised: its elements are freed.
  std::uint64_t viewers_freed() const noexcept { return load(&detail::WhepCounters::freed); }
  /// Offers refused with 503 because max_viewers watched.
  std::uint64_t viewers_refused() const noexcept { return load(&detail::WhepCounters::refused); }

  /// The largest offer accepted (413 past it).
  static constexpr std::size_t kMaxOfferSize = 64 * 1024;

 private:
  static Options checked(Options options) {
    const std::string& p = options.path;
    if (p.size() < 2 || p.front() != '/' || p.back() == '/' || p.find("//") != std::string::npos) {
      throw InvalidArgument("framepipe::WhepServer: path \"" + p +
                            "\" must start with '/', name something, and not end with '/'");
    }
    for (const char c : p) {
      if (!(g_ascii_isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.')) {
        throw InvalidArgument("framepipe::WhepServer: path \"" + p +
                              "\" may hold letters, digits, '/', '-', '_' and '.' only");
      }
    }
    if (options.peer_timeout < std::chrono::seconds(1)) {
      throw InvalidArgument("framepipe::WhepServer: peer_timeout must be at least 1 s");
    }
    if (options.pool_size == 0) {
      throw InvalidArgument("framepipe::WhepServer: pool_size must be at least 1");
    }
    ensure_gstreamer_initialized();
    for (const char* element : {"webrtcbin", "nicesrc", "dtlssrtpenc"}) {
      GstElementFactory* factory = gst_element_factory_find(element);
      if (factory == nullptr) {
        throw MissingElement(element, std::string("framepipe::WhepServer needs ") + element +
                                          " (gstreamer1.0-plugins-bad, gstreamer1.0-nice)");
      }
      gst_object_unref(factory);
    }
    return options;
  }

  /// Whether the request carries the bearer token (when one is set); answers 401 if not.
  static bool authorized(const detail::WhepShared& shared, const HttpRequest& request) {
    const std::string& token = shared.options.bearer_token;
    if (token.empty()) return true;
    const char* given = soup_message_headers_get_one(
        soup_server_message_get_request_headers(request.message), "Authorization");
    const std::string expected = "Bearer " + token;
    bool same = given != nullptr && std::string_view(given).size() == expected.size();
    if (same) {
      unsigned char differ = 0;  // compared in full: the time says nothing of the token
      for (std::size_t i = 0; i < expected.size(); ++i) {
        differ |= static_cast<unsigned char>(given[i] ^ expected[i]);
      }
      same = differ == 0;
    }
    if (!same) {
      soup_message_headers_replace(soup_server_message_get_response_headers(request.message),
                                   "WWW-Authenticate", "Bearer");
      HttpServer::respond(request.message, SOUP_STATUS_UNAUTHORIZED, "text/plain",
                          "a valid bearer token is required\n");
    }
    return same;
  }

  static void not_allowed(const HttpRequest& request, const char* allow) {
    soup_message_headers_replace(soup_server_message_get_response_headers(request.message), "Allow",
                                 allow);
    HttpServer::respond(request.message, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain",
                        "method not allowed\n");
  }

  /// PATH/whep: POST an offer.
  static void on_endpoint(detail::WhepShared& shared, const HttpRequest& request) {
    if (request.method != "POST") {
      not_allowed(request, "POST, OPTIONS");
      return;
    }
    if (!authorized(shared, request)) return;
    shared.on_post(request);
  }

  /// PATH/whep/<id>: DELETE the viewer.
  static void on_resource(detail::WhepShared& shared, const HttpRequest& request) {
    if (request.method != "DELETE") {
      // PATCH (trickle ICE, ICE restarts) is not supported: the answer has every candidate.
      not_allowed(request, "DELETE, OPTIONS");
      return;
    }
    if (!authorized(shared, request)) return;
    if (!shared.remove(std::string(request.rest))) {
      HttpServer::respond(request.message, SOUP_STATUS_NOT_FOUND, "text/plain", "no such viewer\n");
      return;
    }
    HttpServer::respond(request.message, SOUP_STATUS_OK);
  }

  std::uint64_t load(std::atomic<std::uint64_t> detail::WhepCounters::*counter) const noexcept {
    return (shared_->counters.*counter).load(std::memory_order_relaxed);
  }

  std::shared_ptr<detail::WhepShared> shared_;
  HttpServer http_;
};

}  // namespace framepipe
