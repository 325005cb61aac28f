// Serving an HlsOutput over HTTP from an HttpServer: the playlist and the finished segments, each
// with the Content-Type and Cache-Control an HTTP cache in front needs, and nothing else.
#pragma once

#include <libsoup/soup.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "framepipe/web/hls_output.hpp"
#include "framepipe/web/http_server.hpp"

namespace framepipe {

/// The `Cache-Control` of what hls_handler() serves. A cache in front (nginx `proxy_cache`, a
/// CDN) keeps a playlist for at most one segment, so that it is never more than one segment
/// behind, and a segment for long: a segment never changes (its name holds the stream's token,
/// HlsOutput::token()).
struct HlsCacheControl {
  /// The playlist's: one second, at most one segment (segments are whole seconds). nginx keeps
  /// expiry in whole seconds and may serve it up to 2 s: with 1 s segments behind nginx, give
  /// "no-cache" to stay within one segment (docs/scale-out.md).
  std::string playlist = "max-age=1";
  /// A segment's.
  std::string segment = "max-age=86400, immutable";
};

namespace detail {
/// The largest segment index `playlist` lists with `prefix` (`segment-TOKEN-`); nullopt when it
/// lists none.
inline std::optional<unsigned long> last_listed_segment(std::string_view playlist,
                                                        std::string_view prefix) {
  std::optional<unsigned long> last;
  for (std::size_t at = playlist.find(prefix); at != std::string_view::npos;
       at = playlist.find(prefix, at + 1)) {
    unsigned long index = 0;
    std::size_t digits = 0;
    for (std::size_t i = at + prefix.size();
         i < playlist.size() && playlist[i] >= '0' && playlist[i] <= '9' && digits < 9;
         ++i, ++digits) {
      index = index * 10 + static_cast<unsigned long>(playlist[i] - '0');
    }
    if (digits > 0 && (!last || index > *last)) last = index;
  }
  return last;
}

/// The whole file at `path`; nullopt when it cannot be read (a segment deleted meanwhile).
inline std::optional<std::string> read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return content;
}

/// `404 Not Found`, which no cache keeps: the segment may exist a moment later.
inline void respond_hls_not_found(SoupServerMessage* message) {
  soup_message_headers_replace(soup_server_message_get_response_headers(message), "Cache-Control",
                               "no-cache");
  HttpServer::respond(message, SOUP_STATUS_NOT_FOUND, "text/plain", "no such file\n");
}
}  // namespace detail

/// The HttpHandler that serves `hls`'s files, by the part of the path after the route's prefix:
/// GET or HEAD of `index.m3u8` (`application/vnd.apple.mpegurl`) and of each finished segment
/// `segment-TOKEN-NNNNN.ts` (`video/mp2t`), with `cache_control`. Everything else gets 404 (with
/// `Cache-Control: no-cache`): any other name (HlsOutput::is_output_file() decides, so no path
/// leaves the directory), a segment deleted already, and a segment past the playlist's last one
/// (the one being written), which a cache would otherwise keep cut short. Other methods get 405.
/// The handler holds copies of the directory and token: it may outlive `hls`, and then answers
/// 404.
inline HttpHandler hls_handler(const HlsOutput& hls, HlsCacheControl cache_control = {}) {
  return [directory = hls.directory(), token = hls.token(), prefix = hls.segment_prefix(),
          cache_control = std::move(cache_control)](const HttpRequest& request) {
    SoupServerMessage* message = request.message;
    SoupMessageHeaders* headers = soup_server_message_get_response_headers(message);
    if (request.method != "GET" && request.method != "HEAD") {
      soup_message_headers_replace(headers, "Allow", "GET, HEAD");
      HttpServer::respond(message, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain",
                          "method not allowed\n");
      return;
    }
    const std::string_view name = request.rest;
    if (!HlsOutput::is_output_file(name, token)) return detail::respond_hls_not_found(message);
    const bool is_playlist = name == HlsOutput::kPlaylistName;
    if (!is_playlist) {
      // Listed or older: finished. hlssink2 lists a segment once splitmuxsink closed it.
      const std::optional<std::string> playlist =
          detail::read_whole_file(directory / HlsOutput::kPlaylistName);
      const std::optional<unsigned long> last =
          playlist ? detail::last_listed_segment(*playlist, prefix) : std::nullopt;
      const std::optional<unsigned long> index =
          detail::last_listed_segment(name, prefix);  // the name's own number
      if (!last || !index || *index > *last) return detail::respond_hls_not_found(message);
    }
    const std::optional<std::string> content = detail::read_whole_file(directory / name);
    if (!content) return detail::respond_hls_not_found(message);
    soup_message_headers_replace(
        headers, "Cache-Control",
        (is_playlist ? cache_control.playlist : cache_control.segment).c_str());
    HttpServer::respond(message, SOUP_STATUS_OK, HlsOutput::content_type(name), *content);
  };
}

/// Serves `hls` under `prefix` (which ends in '/') of `server`: `server.route(prefix,
/// hls_handler(hls, cache_control))`. A player opens `server.url() + prefix + "index.m3u8"`.
inline void serve_hls(HttpServer& server, std::string prefix, const HlsOutput& hls,
                      HlsCacheControl cache_control = {}) {
  if (prefix.empty() || prefix.back() != '/') {
    throw InvalidArgument("framepipe: serve_hls() prefix \"" + prefix + "\" must end in '/'");
  }
  server.route(std::move(prefix), hls_handler(hls, std::move(cache_control)));
}

}  // namespace framepipe
