// HttpServer: a small HTTP/1.1 server (libsoup 3's SoupServer) on its own GMainContext thread,
// routing requests by path prefix to handlers, with files served from directories. WHEP and HLS
// mount on it.
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "framepipe/core/error.hpp"
#include "framepipe/gst/error.hpp"
#include "framepipe/gst/network.hpp"
#include "framepipe/gst/runtime.hpp"

namespace framepipe {

/// Options of an HttpServer; every member has a default.
struct HttpServerOptions {
  /// The address to listen on, an IP literal. Loopback by default: give "0.0.0.0" (or "::") to
  /// serve other hosts.
  std::string address = "127.0.0.1";
  /// The TCP port; 0 lets the system choose a free one (HttpServer::port() says which).
  std::uint16_t port = 0;
  /// `Access-Control-Allow-Origin` of every response, and the origin CORS preflights
  /// (`OPTIONS`) are answered for, so that a page from another origin can use the server.
  /// Empty: no CORS headers, and `OPTIONS` goes to the route's handler.
  std::string allow_origin = "*";
  /// A request body longer than this gets `413 Payload Too Large`: one that says so in its
  /// `Content-Length` before it is read (an early handler), a chunked one once read.
  std::size_t max_body_size = 64 * 1024;
};

/// One request, as a route's handler sees it (on the server's thread).
struct HttpRequest {
  /// The message: read its request with `soup_server_message_get_request_*`, answer it with
  /// HttpServer::respond() or `soup_server_message_set_*`. To answer later, take a reference,
  /// `soup_server_message_pause()` it, and answer and `soup_server_message_unpause()` it on the
  /// server's thread (HttpServer::invoke()).
  SoupServerMessage* message = nullptr;
  /// "GET", "POST"...
  std::string_view method;
  /// The whole path, percent-decoded (a `%2F` is refused with 400 before any handler runs).
  std::string_view path;
  /// The part of `path` after the route's prefix.
  std::string_view rest;
};

/// A route's handler. Runs on the server's thread; an exception it throws becomes
/// `500 Internal Server Error` with its message.
using HttpHandler = std::function<void(const HttpRequest&)>;

/// How HttpServer::serve_directory() serves files.
struct HttpDirectoryOptions {
  /// `Cache-Control` by file name suffix (".m3u8" -> "max-age=1"); the longest matching suffix
  /// wins. Files no suffix matches get `fallback_cache_control` (none when empty).
  std::map<std::string, std::string> cache_control{};
  std::string fallback_cache_control{};
};

/// Serves HTTP/1.1 with libsoup 3 (`SoupServer`) on its own GMainContext and thread. Requests go
/// to the route whose prefix is the longest match of their path: a prefix ending in '/' takes
/// every path under it, any other prefix only itself. An unknown path gets 404; with CORS on
/// (Options::allow_origin), every response carries `Access-Control-Allow-Origin` and a
/// preflight on a known path gets 204 with the methods and headers allowed.
///
/// The constructor binds the port: AddressInUse when another socket holds it, Error for other
/// failures. Routes may be added and removed from any thread, while the server runs. The
/// destructor closes every connection and stops in bounded time.
class HttpServer {
 public:
  using Options = HttpServerOptions;

  explicit HttpServer(Options options = {}) : options_(std::move(options)) {
    if (options_.max_body_size == 0) {
      throw InvalidArgument("framepipe::HttpServer: max_body_size must be at least 1");
    }
    context_.reset(g_main_context_new());
    loop_.reset(g_main_loop_new(context_.get(), FALSE));
    std::promise<std::uint16_t> bound;
    std::future<std::uint16_t> port = bound.get_future();
    // The server is made, listens and is dropped on its own thread, with its context the
    // thread-default one: libsoup attaches its listening and connection sources there.
    thread_ = std::thread([this, bound = std::move(bound)]() mutable { run(bound); });
    try {
      port_ = port.get();
    } catch (...) {
      thread_.join();
      throw;
    }
  }

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Closes every connection and stops the server thread.
  ~HttpServer() { shutdown(); }

  /// The port the server listens on (the one the system chose when Options::port was 0).
  std::uint16_t port() const noexcept { return port_; }
  /// The address the server listens on.
  const std::string& address() const noexcept { return options_.address; }
  /// http://address:port, without a trailing '/'.
  std::string url() const {
    return "http://" + detail::uri_host(options_.address) + ":" + std::to_string(port_);
  }
  const Options& options() const noexcept { return options_; }

  /// Sends requests under `prefix` (which starts with '/') to `handler`, replacing a route of
  /// the same prefix.
  void route(std::string prefix, HttpHandler handler) {
    check_prefix(prefix);
    if (!handler) throw InvalidArgument("framepipe::HttpServer: route() without a handler");
    const std::lock_guard lock(mutex_);
    routes_[std::move(prefix)] = std::make_shared<const HttpHandler>(std::move(handler));
  }

  /// Serves the files under `directory` at `prefix` (which ends in '/'): GET and HEAD of
  /// prefix + "a/b.ts" answer with directory/a/b.ts, its type from its suffix. A path with a
  /// ".." or "." segment, a hidden name, or a file outside `directory` (through a link) gets
  /// 404; other methods get 405. Each file is read whole when asked for (playlists, segments,
  /// a page): not for large files.
  void serve_directory(std::string prefix, std::filesystem::path directory,
                       HttpDirectoryOptions options = {}) {
    if (prefix.empty() || prefix.back() != '/') {
      throw InvalidArgument("framepipe::HttpServer: serve_directory() prefix \"" + prefix +
                            "\" must end in '/'");
    }
    std::error_code error;
    std::filesystem::path root = std::filesystem::canonical(directory, error);
    if (error || !std::filesystem::is_directory(root)) {
      throw InvalidArgument("framepipe::HttpServer: serve_directory(): " + directory.string() +
                            " is not a directory");
    }
    route(std::move(prefix),
          [root = std::move(root), options = std::move(options)](const HttpRequest& request) {
            serve_file(request, root, options);
          });
  }

  /// Removes the route of exactly `prefix`; false when there was none. A request already in
  /// its handler finishes there.
  bool remove_route(std::string_view prefix) {
    const std::lock_guard lock(mutex_);
    const auto it = routes_.find(std::string(prefix));
    if (it == routes_.end()) return false;
    routes_.erase(it);
    return true;
  }

  /// Runs `task` on the server's thread (an idle source on its GMainContext), where messages are
  /// answered and unpaused; dropped when the server has stopped. An exception it throws is
  /// dropped.
  void invoke(std::function<void()> task) {
    const std::lock_guard lock(mutex_);
    if (!running_) return;
    // Always from a source, never inline (g_main_context_invoke would run it at once when
    // called on the server's thread, under this mutex).
    auto owned = std::make_unique<std::function<void()>>(std::move(task));
    GSource* source = g_idle_source_new();
    g_source_set_callback(
        source,
        [](gpointer data) noexcept -> gboolean {
          try {
            (*static_cast<std::function<void()>*>(data))();
          } catch (...) {
          }
          return G_SOURCE_REMOVE;
        },
        owned.release(), [](gpointer data) { delete static_cast<std::function<void()>*>(data); });
    g_source_attach(source, context_.get());
    g_source_unref(source);
  }

  /// Answers `message` with `status` and, unless `content_type` is empty, `body`
  /// (`soup_server_message_set_status`, `soup_server_message_set_response`).
  static void respond(SoupServerMessage* message, unsigned status,
                      std::string_view content_type = {}, std::string_view body = {}) {
    soup_server_message_set_status(message, status, nullptr);
    if (!content_type.empty()) {
      soup_server_message_set_response(message, std::string(content_type).c_str(), SOUP_MEMORY_COPY,
                                       body.data(), body.size());
    }
  }

  /// Closes every connection and stops the server; the destructor calls it. Idempotent. Tasks
  /// given to invoke() and not yet run are dropped.
  void shutdown() noexcept {
    {
      const std::lock_guard lock(mutex_);
      if (!running_) {
        if (thread_.joinable()) thread_.join();
        return;
      }
      running_ = false;
      GSource* stop = g_idle_source_new();
      g_source_set_callback(
          stop,
          [](gpointer loop) noexcept -> gboolean {
            g_main_loop_quit(static_cast<GMainLoop*>(loop));
            return G_SOURCE_REMOVE;
          },
          loop_.get(), nullptr);
      g_source_attach(stop, context_.get());
      g_source_unref(stop);
    }
    thread_.join();
  }

 private:
  /// The server thread: makes the server, listens, reports the port (or the failure), serves,
  /// and drops the server when the loop quits.
  void run(std::promise<std::uint16_t>& bound) noexcept {
    g_main_context_push_thread_default(context_.get());
    detail::GObjectPtr<SoupServer> server;
    try {
      // raw-paths: the handler decodes the path itself, refusing an escaped '/'.
      server.reset(soup_server_new("server-header", "framepipe ", "raw-paths", TRUE, nullptr));
      listen(server.get());
      soup_server_add_early_handler(server.get(), nullptr, &HttpServer::on_headers, this, nullptr);
      soup_server_add_handler(server.get(), nullptr, &HttpServer::on_request, this, nullptr);
      {
        const std::lock_guard lock(mutex_);
        running_ = true;
      }
      bound.set_value(bound_port(server.get()));
    } catch (...) {
      server.reset();
      g_main_context_pop_thread_default(context_.get());
      bound.set_exception(std::current_exception());
      return;
    }
    g_main_loop_run(loop_.get());
    // invoke()'s last tasks (answers to paused requests) while the connections are still open,
    // then what closing the connections leaves behind.
    while (g_main_context_iteration(context_.get(), FALSE)) {
    }
    soup_server_disconnect(server.get());
    server.reset();
    while (g_main_context_iteration(context_.get(), FALSE)) {
    }
    g_main_context_pop_thread_default(context_.get());
  }

  void listen(SoupServer* server) const {
    const detail::GObjectPtr<GSocketAddress> address(
        g_inet_socket_address_new_from_string(options_.address.c_str(), options_.port));
    if (!address) {
      throw InvalidArgument("framepipe::HttpServer: \"" + options_.address +
                            "\" is not an IP address");
    }
    GError* raw_error = nullptr;
    if (soup_server_listen(server, address.get(), SoupServerListenOptions{}, &raw_error) == FALSE) {
      const detail::GErrorPtr error(raw_error);
      const std::string message = error ? error->message : "soup_server_listen() failed";
      if (error && g_error_matches(error.get(), G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)) {
        throw AddressInUse(options_.address, options_.port, message);
      }
      throw Error("framepipe::HttpServer: cannot listen on " + options_.address + ":" +
                  std::to_string(options_.port) + ": " + message);
    }
  }

  /// The port of the listening socket. Not from soup_server_get_uris(), which leaks a
  /// GSocketAddress per call in libsoup 3.2.
  static std::uint16_t bound_port(SoupServer* server) {
    GSList* listeners = soup_server_get_listeners(server);  // the list is ours, not the sockets
    int port = -1;
    if (listeners != nullptr) {
      const detail::GObjectPtr<GSocketAddress> local(
          g_socket_get_local_address(G_SOCKET(listeners->data), nullptr));
      if (local && G_IS_INET_SOCKET_ADDRESS(local.get())) {
        port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local.get()));
      }
    }
    g_slist_free(listeners);
    if (port <= 0 || port > 65535) throw Error("framepipe::HttpServer: no bound port");
    return static_cast<std::uint16_t>(port);
  }

  static void check_prefix(const std::string& prefix) {
    if (prefix.empty() || prefix.front() != '/') {
      throw InvalidArgument("framepipe::HttpServer: route prefix \"" + prefix +
                            "\" must start with '/'");
    }
  }

  /// The handler of the longest prefix that matches `path`, and that prefix's length.
  std::pair<std::shared_ptr<const HttpHandler>, std::size_t> find_route(std::string_view path) {
    const std::lock_guard lock(mutex_);
    std::pair<std::shared_ptr<const HttpHandler>, std::size_t> best{nullptr, 0};
    for (const auto& [prefix, handler] : routes_) {
      const bool matches =
          prefix.back() == '/' ? path.substr(0, prefix.size()) == prefix : path == prefix;
      if (matches && (!best.first || prefix.size() > best.second)) best = {handler, prefix.size()};
    }
    return best;
  }

  /// After the headers, before the body: 413 for a declared body over max_body_size, so that
  /// it is never read.
  static void on_headers(SoupServer*, SoupServerMessage* message, const char*, GHashTable*,
                         gpointer self) noexcept {
    const auto* s = static_cast<HttpServer*>(self);
    SoupMessageHeaders* headers = soup_server_message_get_request_headers(message);
    if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CONTENT_LENGTH &&
        static_cast<std::uint64_t>(soup_message_headers_get_content_length(headers)) >
            s->options_.max_body_size) {
      s->add_cors(message);
      soup_server_message_set_status(message, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, nullptr);
      soup_message_headers_replace(soup_server_message_get_response_headers(message), "Connection",
                                   "close");
    }
  }

  static void on_request(SoupServer*, SoupServerMessage* message, const char* raw_path, GHashTable*,
                         gpointer self) noexcept {
    auto* s = static_cast<HttpServer*>(self);
    if (soup_server_message_get_status(message) != SOUP_STATUS_NONE) return;  // on_headers
    try {
      s->add_cors(message);
      // '/' may not come from an escape: a "%2F" would join two segments into one.
      const detail::GCharPtr decoded(g_uri_unescape_string(raw_path, "/"));
      if (!decoded) {
        respond(message, SOUP_STATUS_BAD_REQUEST, "text/plain", "malformed path\n");
        return;
      }
      const std::string_view path(decoded.get());
      const auto [handler, prefix_size] = s->find_route(path);
      if (!handler) {
        respond(message, SOUP_STATUS_NOT_FOUND, "text/plain", "no such resource\n");
        return;
      }
      const std::string_view method = soup_server_message_get_method(message);
      if (method == "OPTIONS" && !s->options_.allow_origin.empty()) {
        SoupMessageHeaders* headers = soup_server_message_get_response_headers(message);
        soup_message_headers_replace(headers, "Access-Control-Allow-Methods",
                                     "GET, HEAD, POST, PATCH, DELETE, OPTIONS");
        soup_message_headers_replace(headers, "Access-Control-Allow-Headers",
                                     "Authorization, Content-Type, If-Match");
        soup_message_headers_replace(headers, "Access-Control-Max-Age", "600");
        respond(message, SOUP_STATUS_NO_CONTENT);
        return;
      }
      if (SoupMessageBody* body = soup_server_message_get_request_body(message);
          body != nullptr && static_cast<std::uint64_t>(body->length) > s->options_.max_body_size) {
        respond(message, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "text/plain",
                "request body over " + std::to_string(s->options_.max_body_size) + " bytes\n");
        return;
      }
      (*handler)(HttpRequest{message, method, path, path.substr(prefix_size)});
    } catch (const std::exception& error) {
      respond(message, SOUP_STATUS_INTERNAL_SERVER_ERROR, "text/plain",
              std::string(error.what()) + "\n");
    } catch (...) {
      respond(message, SOUP_STATUS_INTERNAL_SERVER_ERROR, "text/plain", "internal error\n");
    }
  }

  void add_cors(SoupServerMessage* message) const noexcept {
    if (options_.allow_origin.empty()) return;
    SoupMessageHeaders* headers = soup_server_message_get_response_headers(message);
    soup_message_headers_replace(headers, "Access-Control-Allow-Origin",
                                 options_.allow_origin.c_str());
    soup_message_headers_replace(headers, "Access-Control-Expose-Headers", "Location, ETag, Link");
  }

  static std::string_view content_type_of(std::string_view name) {
    static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
        {".m3u8", "application/vnd.apple.mpegurl"},
        {".ts", "video/mp2t"},
        {".m4s", "video/iso.segment"},
        {".mp4", "video/mp4"},
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".png", "image/png"},
        {".svg", "image/svg+xml"},
        {".txt", "text/plain; charset=utf-8"},
    };
    for (const auto& [suffix, type] : kTypes) {
      if (name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
        return type;
      }
    }
    return "application/octet-stream";
  }

  static void serve_file(const HttpRequest& request, const std::filesystem::path& root,
                         const HttpDirectoryOptions& options) {
    if (request.method != "GET" && request.method != "HEAD") {
      soup_message_headers_replace(soup_server_message_get_response_headers(request.message),
                                   "Allow", "GET, HEAD");
      respond(request.message, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain",
              "method not allowed\n");
      return;
    }
    std::string_view rest = request.rest;
    if (rest.empty()) rest = "index.html";
    std::filesystem::path file = root;
    for (std::size_t start = 0; start <= rest.size();) {
      const std::size_t end = std::min(rest.find('/', start), rest.size());
      const std::string_view segment = rest.substr(start, end - start);
      if (segment.empty() || segment.front() == '.' ||
          segment.find('\0') != std::string_view::npos) {
        respond(request.message, SOUP_STATUS_NOT_FOUND, "text/plain", "no such file\n");
        return;
      }
      file /= std::string(segment);
      start = end + 1;
    }
    std::error_code error;
    const std::filesystem::path real = std::filesystem::canonical(file, error);
    const auto [outside, unused] =
        std::mismatch(root.begin(), root.end(), real.begin(), real.end());
    if (error || outside != root.end() || !std::filesystem::is_regular_file(real, error)) {
      respond(request.message, SOUP_STATUS_NOT_FOUND, "text/plain", "no such file\n");
      return;
    }
    std::ifstream in(real, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      respond(request.message, SOUP_STATUS_NOT_FOUND, "text/plain", "no such file\n");
      return;
    }
    const std::string name = real.filename().string();
    std::string_view cache_control = options.fallback_cache_control;
    std::size_t matched = 0;
    for (const auto& [suffix, value] : options.cache_control) {
      if (suffix.size() > matched && name.size() >= suffix.size() &&
          std::string_view(name).substr(name.size() - suffix.size()) == suffix) {
        cache_control = value;
        matched = suffix.size();
      }
    }
    if (!cache_control.empty()) {
      soup_message_headers_replace(soup_server_message_get_response_headers(request.message),
                                   "Cache-Control", std::string(cache_control).c_str());
    }
    respond(request.message, SOUP_STATUS_OK, content_type_of(name), content);
  }

  Options options_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const HttpHandler>, std::less<>> routes_;
  bool running_ = false;
  detail::GMainContextPtr context_;
  detail::GMainLoopPtr loop_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace framepipe
