// check_rtsp_path(): the mount points a client can request, and the rule named for the others.
#include "framepipe/rtsp/rtsp_path.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace framepipe;

namespace {

std::string rule_of(const std::string& path) {
  try {
    check_rtsp_path(path);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("paths a client can request as written are accepted") {
  CHECK(rule_of("/") == "accepted");
  CHECK(rule_of("/stream") == "accepted");
  CHECK(rule_of("/live/cam-1_a.b~c") == "accepted");
  CHECK(rule_of("/a%20b") == "accepted");
  CHECK(rule_of("/x:y@z!$&'()*+,;=") == "accepted");
  CHECK(rule_of("/" + std::string(kMaxRtspPathLength - 1, 'a')) == "accepted");
}

TEST_CASE("each broken rule is named") {
  CHECK(rule_of("").find("must start with '/'") != std::string::npos);
  CHECK(rule_of("stream").find("must start with '/'") != std::string::npos);
  CHECK(rule_of("/" + std::string(kMaxRtspPathLength, 'a')).find("longer than 1024 bytes") !=
        std::string::npos);
  CHECK(rule_of("/a b").find("holds ' '") != std::string::npos);
  CHECK(rule_of("/x?y=1").find("holds '?' (a query or fragment)") != std::string::npos);
  CHECK(rule_of("/x#y").find("holds '#'") != std::string::npos);
  CHECK(rule_of("/x\r\nRange: npt=0-").find("control character") != std::string::npos);
  CHECK(rule_of(std::string("/x\0y", 4)).find("control character") != std::string::npos);
  CHECK(rule_of("/é").find("only letters, digits") != std::string::npos);
  CHECK(rule_of("//x").find("empty segment") != std::string::npos);
  CHECK(rule_of("/x//y").find("empty segment") != std::string::npos);
  CHECK(rule_of("/x/").find("empty segment") != std::string::npos);
  CHECK(rule_of("/./x").find("\".\" or \"..\" segment") != std::string::npos);
  CHECK(rule_of("/x/..").find("\".\" or \"..\" segment") != std::string::npos);
  CHECK(rule_of("/%").find("%XX escape") != std::string::npos);
  CHECK(rule_of("/%2").find("%XX escape") != std::string::npos);
  CHECK(rule_of("/%zz").find("%XX escape") != std::string::npos);
}

TEST_CASE("the message shows the path without its control characters, cut at 64 bytes") {
  const std::string text = rule_of("/x\r\ny");
  CHECK(text.find("\"/x??y\"") != std::string::npos);
  CHECK(text.find('\r') == std::string::npos);
  const std::string long_text = rule_of("/" + std::string(5000, 'a'));
  CHECK(long_text.size() < 200);
  CHECK(long_text.find("...") != std::string::npos);
}
