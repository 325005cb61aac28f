// What framepipe knows of SRT addresses: the parts of an `srt://HOST:PORT?query` URI, and the
// UDP bind probe that tells a port in use from the other bind failures libsrt reports alike.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace framepipe::detail {

/// What an `srt://HOST:PORT?query` URI names.
struct SrtUri {
  std::string host;
  std::uint16_t port = 0;
  std::string mode = "caller";                      ///< srtsink's and srtsrc's default
  std::chrono::milliseconds connect_timeout{3000};  ///< `conntimeo`, libsrt's default 3 s
};

/// The value of `key` in a `a=1&b=2` query; nullopt when absent.
inline std::optional<std::string> query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return std::string(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

/// Parses `srt://HOST:PORT?query` ("[::1]" for IPv6); nullopt for anything else.
inline std::optional<SrtUri> parse_srt_uri(std::string_view uri) {
  constexpr std::string_view kScheme = "srt://";
  if (uri.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  uri.remove_prefix(kScheme.size());
  const std::size_t question = uri.find('?');
  const std::string_view query =
      question == std::string_view::npos ? std::string_view{} : uri.substr(question + 1);
  std::string_view authority = uri.substr(0, question);
  if (!authority.empty() && authority.back() == '/') authority.remove_suffix(1);
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  SrtUri parsed;
  std::string_view host = authority.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  parsed.host = std::string(host);
  unsigned long port = 0;
  for (const char c : authority.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return std::nullopt;
    port = port * 10 + static_cast<unsigned long>(c - '0');
  }
  if (port == 0 || port > 65535) return std::nullopt;
  parsed.port = static_cast<std::uint16_t>(port);
  if (auto mode = query_value(query, "mode")) parsed.mode = *mode;
  if (auto timeout = query_value(query, "conntimeo")) {
    parsed.connect_timeout = std::chrono::milliseconds(std::strtol(timeout->c_str(), nullptr, 10));
  }
  return parsed;
}

/// True when binding a UDP socket to host:port fails with EADDRINUSE (`bind()`): the way to tell
/// a port in use from other bind failures that libsrt reports alike ("Cannot bind to ...").
inline bool udp_port_in_use(const std::string& host, std::uint16_t port) noexcept {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
  if (host.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    if (inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1) return false;
    family = AF_INET6;
    length = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    const std::string any = host.empty() ? "0.0.0.0" : host;
    if (inet_pton(AF_INET, any.c_str(), &a->sin_addr) != 1) return false;
    length = sizeof(sockaddr_in);
  }
  const int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool in_use =
      ::bind(fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0 && errno == EADDRINUSE;
  ::close(fd);
  return in_use;
}

}  // namespace framepipe::detail
