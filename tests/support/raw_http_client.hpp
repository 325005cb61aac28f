// A minimal HTTP/1.0 client on loopback for the tests of HTTP servers and caches: the request
// line goes out byte for byte as given (so a test can send "..", "%2e" and other paths a real
// client would normalise), the response is read until the server closes, with a time limit.
// HTTP/1.0 keeps responses unchunked, each on its own connection.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace framepipe::test {

/// What raw_http_request() got back. status 0: no answer (connect or read failed, or timed out).
struct RawHttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< names lowercased, values trimmed
  std::string body;

  /// The header `name` (lowercase), "" when absent.
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

/// Sends `METHOD target HTTP/1.0` (plus `extra_headers`, each ending in "\r\n") to
/// 127.0.0.1:port and reads the whole response, within `timeout` per socket operation.
inline RawHttpResponse raw_http_request(
    std::uint16_t port, const std::string& method, const std::string& target,
    const std::string& extra_headers = {},
    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  RawHttpResponse response;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return response;
  struct Close {
    int fd;
    ~Close() { close(fd); }
  } closer{fd};
  timeval limit{};
  limit.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  limit.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    return response;
  }
  const std::string request = method + " " + target +
                              " HTTP/1.0\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n" +
                              extra_headers + "\r\n";
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return response;
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char chunk[65536];
  while (true) {
    const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n < 0) return response;  // timed out or failed: no answer
    if (n == 0) break;
    raw.append(chunk, static_cast<std::size_t>(n));
  }
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.compare(0, 5, "HTTP/") != 0) return response;
  const std::string_view head(raw.data(), head_end);
  const std::size_t line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  const std::size_t space = status_line.find(' ');
  if (space == std::string_view::npos) return response;
  response.status = std::atoi(std::string(status_line.substr(space + 1, 3)).c_str());
  for (std::size_t at = line_end; at != std::string_view::npos && at < head.size();) {
    const std::size_t start = at + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string_view line =
        head.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string name(line.substr(0, colon));
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
      response.headers[name] = std::string(value);
    }
    at = end;
  }
  response.body = raw.substr(head_end + 4);
  return response;
}

/// raw_http_request(port, "GET", target).
inline RawHttpResponse raw_http_get(std::uint16_t port, const std::string& target) {
  return raw_http_request(port, "GET", target);
}

}  // namespace framepipe::test
