// A consumer of framepipe::rtsp alone: an RTSP server on a loopback port the system picks, started
// and stopped.
#include <cstdio>
#include <framepipe/rtsp/rtsp_server.hpp>
#include <string>

#if !defined(FRAMEPIPE_HAS_RTSP) || !FRAMEPIPE_HAS_RTSP
#  error "framepipe::rtsp does not define FRAMEPIPE_HAS_RTSP=1"
#endif

int main() {
  framepipe::RtspServer server({.address = "127.0.0.1", .port = 0, .path = "/package"});
  const std::string url = server.url();
  if (server.port() == 0 || url.rfind("rtsp://127.0.0.1:", 0) != 0) {
    std::fprintf(stderr, "unexpected server url %s\n", url.c_str());
    return 1;
  }
  std::printf("rtsp_only: serving %s\n", url.c_str());
  return 0;
}
