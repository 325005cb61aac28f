// A raw RTSP client over a loopback TCP socket, for the tests that play a hostile or a plain
// client against RtspServer: requests by hand, responses read byte by byte (nothing after a
// response is consumed), and whether the server closed the connection.
#pragma once

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

namespace framepipe::test {

/// A connected loopback TCP socket speaking RTSP (RAII).
class RtspRawClient {
 public:
  /// Connects to 127.0.0.1:`port`; `receive_buffer` > 0 sets SO_RCVBUF (a client that stops
  /// reading then stalls the server's sends sooner).
  explicit RtspRawClient(std::uint16_t port, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    if (receive_buffer > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  }
  RtspRawClient(const RtspRawClient&) = delete;
  RtspRawClient& operator=(const RtspRawClient&) = delete;
  ~RtspRawClient() { ::close(fd_); }
  int fd() const noexcept { return fd_; }

  void send(const std::string& text) {
    REQUIRE(::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(text.size()));
  }

  /// Reads one RTSP response, its body included (Content-Length); "" when none began within
  /// `timeout`, what came when the server closed the connection first.
  std::string response(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t body = std::string::npos;
    while (body == std::string::npos || got.size() < body) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {};
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return {};
      char c = 0;
      if (::recv(fd_, &c, 1, 0) != 1) return got;
      got += c;
      if (body == std::string::npos && got.size() >= 4 &&
          got.compare(got.size() - 4, 4, "\r\n\r\n") == 0) {
        const auto at = got.find("Content-Length: ");
        body = got.size() + (at == std::string::npos ? 0 : std::stoul(got.substr(at + 16)));
      }
    }
    return got;
  }

  /// DESCRIBE, SETUP (RTP/AVP/TCP interleaved 0-1) and PLAY `url`: true when each got 200.
  bool play(const std::string& url) {
    send("DESCRIBE " + url + " RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n");
    const std::string describe = response();
    INFO("DESCRIBE answered: " << describe);
    if (describe.find("RTSP/1.0 200") != 0) return false;
    send("SETUP " + url +
         "/stream=0 RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n");
    const std::string setup = response();
    INFO("SETUP answered: " << setup);
    const auto at = setup.find("Session: ");
    if (setup.find("RTSP/1.0 200") != 0 || at == std::string::npos) return false;
    const std::string session = setup.substr(at + 9, setup.find_first_of(";\r", at) - at - 9);
    send("PLAY " + url + " RTSP/1.0\r\nCSeq: 3\r\nSession: " + session + "\r\n\r\n");
    const std::string play = response();
    INFO("PLAY answered: " << play);
    return play.find("RTSP/1.0 200") == 0;
  }

  /// Reads what is left until the server closes the connection: true when it did within
  /// `timeout`.
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<char, 65536> sink{};
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      if (::recv(fd_, sink.data(), sink.size(), 0) <= 0) return true;
    }
  }

 private:
  int fd_ = -1;
};

}  // namespace framepipe::test
