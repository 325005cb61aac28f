// check_rtsp_path(): whether a mount point is a path every RTSP client can request.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "framepipe/core/error.hpp"

namespace framepipe {

/// The longest mount point check_rtsp_path() accepts, in bytes.
inline constexpr std::size_t kMaxRtspPathLength = 1024;

/// Throws InvalidArgument, naming the rule broken, unless `path` is a mount point a client can
/// request as written: it starts with '/'; it is at most kMaxRtspPathLength bytes; its segments
/// are not empty ("//x"), "." or ".." (clients and proxies rewrite those); and it holds only the
/// characters RFC 3986 allows in a path unescaped (letters, digits, `-._~!$&'()*+,;=:@/`) or
/// `%XX` escapes. So no space, no '?' or '#' (a client sends those as a query or drops them), and
/// no control character (CR/LF would inject headers into the RTSP messages).
inline void check_rtsp_path(std::string_view path) {
  const auto fail = [&](const std::string& rule) {
    std::string shown(path.substr(0, 64));
    for (char& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    throw InvalidArgument("framepipe::RtspServer: the path \"" + shown +
                          (path.size() > 64 ? "..." : "") + "\" " + rule);
  };
  if (path.empty() || path.front() != '/') fail("must start with '/'");
  if (path.size() > kMaxRtspPathLength) {
    fail("is longer than " + std::to_string(kMaxRtspPathLength) + " bytes");
  }
  const auto is_hex = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  };
  constexpr std::string_view kAllowed =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/";
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size() || !is_hex(path[i + 1]) || !is_hex(path[i + 2])) {
        fail("has a '%' that is not a %XX escape");
      }
      i += 2;
    } else if (kAllowed.find(c) == std::string_view::npos) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        fail("holds a control character (CR, LF...)");
      }
      if (c == '?' || c == '#') fail("holds '" + std::string(1, c) + "' (a query or fragment)");
      fail("holds '" + std::string(1, c) +
           "': only letters, digits, -._~!$&'()*+,;=:@/ and %XX escapes");
    }
  }
  if (path.size() == 1) return;  // "/"
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment.empty()) fail("has an empty segment (\"//\" or a trailing '/')");
    if (segment == "." || segment == "..") fail("has a \".\" or \"..\" segment");
    start = end + 1;
  }
}

}  // namespace framepipe
