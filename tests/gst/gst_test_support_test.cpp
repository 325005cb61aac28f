// The test helpers themselves: a helper that cannot fail, or reads strides wrongly, would make
// every test that uses it meaningless.
#include "support/gst_test_support.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "framepipe/gst/caps.hpp"

using namespace framepipe;

TEST_CASE("frame_from_sample honours the GstVideoMeta's offsets and strides") {
  ensure_gstreamer_initialized();
  const Size size{5, 3};
  // RGB24 rows of 15 bytes stored with a 32-byte stride, starting 7 bytes into the buffer.
  constexpr std::size_t kOffset = 7;
  constexpr std::size_t kStride = 32;
  const detail::BufferPtr buffer(gst_buffer_new_allocate(nullptr, kOffset + kStride * 3, nullptr));
  GstMapInfo map;
  REQUIRE(gst_buffer_map(buffer.get(), &map, GST_MAP_WRITE));
  for (std::size_t i = 0; i < map.size; ++i) map.data[i] = 0xEE;  // padding
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width * 3; ++x) {
      map.data[kOffset + static_cast<std::size_t>(y) * kStride + static_cast<std::size_t>(x)] =
          static_cast<std::uint8_t>(y * 100 + x);
    }
  }
  gst_buffer_unmap(buffer.get(), &map);
  gsize offsets[GST_VIDEO_MAX_PLANES] = {kOffset};
  gint strides[GST_VIDEO_MAX_PLANES] = {static_cast<gint>(kStride)};
  gst_buffer_add_video_meta_full(buffer.get(), GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_FORMAT_RGB,
                                 static_cast<guint>(size.width), static_cast<guint>(size.height), 1,
                                 offsets, strides);
  const detail::CapsPtr caps = caps_of({PixelFormat::RGB24, size, {30, 1}});
  const detail::SamplePtr sample(gst_sample_new(buffer.get(), caps.get(), nullptr, nullptr));

  const Frame<PixelFormat::RGB24> frame = test::frame_from_sample<PixelFormat::RGB24>(sample.get());
  REQUIRE(frame.size() == size);
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width * 3; ++x) {
      CAPTURE(y);
      CAPTURE(x);
      CHECK(frame.view().row(0, y)[x] == static_cast<std::uint8_t>(y * 100 + x));
    }
  }
}

TEST_CASE("decode_file reports a file it cannot read instead of hanging") {
  const test::TempDir dir;
  const auto started = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(test::decode_file(dir / "missing.webm"), std::runtime_error);
  {
    std::ofstream junk(dir / "junk.webm", std::ios::binary);
    junk << "this is not a media file";
  }
  CHECK_THROWS_AS(test::decode_file(dir / "junk.webm"), std::runtime_error);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
}

TEST_CASE("TempDir makes a fresh directory under the test root and removes it") {
  std::filesystem::path kept;
  {
    const test::TempDir a;
    const test::TempDir b;
    CHECK(a.path() != b.path());
    CHECK(std::filesystem::is_directory(a.path()));
    CHECK(a.path().parent_path() == test::test_temp_root());
    std::ofstream(a / "file.txt") << "x";
    kept = a.path();
  }
  CHECK(!std::filesystem::exists(kept));
}

TEST_CASE("within returns what fn did, passes its exceptions on, and ends a hang with exit 1") {
  int calls = 0;
  test::within(std::chrono::seconds(5), [&] { ++calls; });
  CHECK(calls == 1);
  CHECK_THROWS_AS(
      test::within(std::chrono::seconds(5), [] { throw std::runtime_error("from fn"); }),
      std::runtime_error);
  // A child process hangs inside within(1 s): it must end with status 1, well before the 5 s
  // sleep (a watchdog that never fires would let it exit 0).
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    test::within(std::chrono::seconds(1),
                 [] { std::this_thread::sleep_for(std::chrono::seconds(5)); });
    std::_Exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
}

TEST_CASE("free_tcp_port and free_udp_port give loopback ports that can be bound next") {
  for (const int type : {SOCK_STREAM, SOCK_DGRAM}) {
    const std::uint16_t port = type == SOCK_STREAM ? test::free_tcp_port() : test::free_udp_port();
    CAPTURE(type);
    CHECK(port != 0);
    const int fd = ::socket(AF_INET, type, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    // While this socket holds it, the port is not free: a second bind fails.
    const int second = ::socket(AF_INET, type, 0);
    REQUIRE(second >= 0);
    CHECK(::bind(second, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0);
    ::close(second);
    ::close(fd);
  }
}

TEST_CASE("HeldPort holds its loopback port until it goes") {
  for (const int type : {SOCK_STREAM, SOCK_DGRAM}) {
    CAPTURE(type);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const auto bind_to = [&](std::uint16_t port) {
      const int fd = ::socket(AF_INET, type, 0);
      REQUIRE(fd >= 0);
      addr.sin_port = htons(port);
      const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      ::close(fd);
      return bound;
    };
    std::uint16_t port = 0;
    {
      const test::HeldPort held(type);
      port = held.port();
      CHECK(port != 0);
      CHECK_FALSE(bind_to(port));  // in use while held
    }
    CHECK(bind_to(port));  // free once it went
  }
}
