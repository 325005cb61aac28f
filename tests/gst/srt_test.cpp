// gst/srt.hpp: the parts of an srt:// URI and the UDP bind probe.
#include "framepipe/gst/srt.hpp"

#include <doctest/doctest.h>
#include <sys/socket.h>

#include <chrono>

#include "support/gst_test_support.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

TEST_CASE("parse_srt_uri reads host, port, mode and conntimeo") {
  const auto caller = detail::parse_srt_uri("srt://127.0.0.1:7001?mode=caller&conntimeo=1500");
  REQUIRE(caller.has_value());
  CHECK(caller->host == "127.0.0.1");
  CHECK(caller->port == 7001);
  CHECK(caller->mode == "caller");
  CHECK(caller->connect_timeout == 1500ms);
  const auto listener = detail::parse_srt_uri("srt://[::1]:9?mode=listener");
  REQUIRE(listener.has_value());
  CHECK(listener->host == "::1");
  CHECK(listener->mode == "listener");
  CHECK(listener->connect_timeout == 3000ms);
  CHECK(detail::parse_srt_uri("srt://h:1")->mode == "caller");
  CHECK_FALSE(detail::parse_srt_uri("udp://127.0.0.1:5004").has_value());
  CHECK_FALSE(detail::parse_srt_uri("srt://127.0.0.1").has_value());
  CHECK_FALSE(detail::parse_srt_uri("srt://127.0.0.1:70000").has_value());
}

TEST_CASE("udp_port_in_use: true while another socket holds the port, false once it is free") {
  std::uint16_t port = 0;
  {
    const test::HeldPort holder(SOCK_DGRAM);
    port = holder.port();
    CHECK(detail::udp_port_in_use("127.0.0.1", port));
    CHECK(detail::udp_port_in_use("", port));  // the wildcard address overlaps it
  }
  CHECK_FALSE(detail::udp_port_in_use("127.0.0.1", port));
  CHECK_FALSE(detail::udp_port_in_use("not-an-address", port));  // no probe possible
}
