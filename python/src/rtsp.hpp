// PyRtspServer: framepipe.RtspServer's C++ side, shared by rtsp.cpp (the class) and pipeline.cpp
// (a Pipeline whose target is a server feeds its RtspSink).
#pragma once

#if FRAMEPIPE_HAS_RTSP

#  include <cstdint>
#  include <framepipe/rtsp/rtsp_server.hpp>
#  include <memory>
#  include <mutex>
#  include <string>
#  include <utility>

namespace framepipe::python {

/// Owns the C++ RtspServer until close(); sink() hands out its one RtspSink.
class PyRtspServer {
 public:
  /// Binds the port and starts the server thread; call without the GIL.
  explicit PyRtspServer(RtspServerOptions options)
      : server_(std::make_unique<RtspServer>(std::move(options))),
        url_(server_->url()),
        port_(server_->port()) {}

  const std::string& url() const { return url_; }
  std::uint16_t port() const { return port_; }

  /// `read(server)` under the lock, or `closed_value` once the server is closed.
  template <class Read, class T>
  T read(Read&& read, T closed_value) const {
    const std::lock_guard lock(mutex_);
    return server_ ? read(*server_) : closed_value;
  }
  /// A Sink that feeds the server's stream (hand it to one Pipeline at a time); Error once
  /// closed.
  RtspSink sink() const {
    const std::lock_guard lock(mutex_);
    if (!server_) throw Error("framepipe.RtspServer: the server is closed");
    return server_->sink();
  }
  /// Closes every client connection and stops the server (bounded); idempotent. Call without
  /// the GIL.
  void close() {
    std::unique_ptr<RtspServer> server;
    {
      const std::lock_guard lock(mutex_);
      server = std::move(server_);
    }
    server.reset();
  }
  bool closed() const {
    const std::lock_guard lock(mutex_);
    return !server_;
  }

 private:
  mutable std::mutex mutex_;
  std::unique_ptr<RtspServer> server_;
  std::string url_;
  std::uint16_t port_;
};

}  // namespace framepipe::python

#endif
