// WHEP with audio in a real browser: Debian's Chromium, headless, driven by puppeteer-core through
// tests/browser/whep_audio.mjs, offers recvonly video and audio to a WhepServer fed with video and
// a 440 Hz tone: getStats' audio inbound-rtp receives Opus packets and decodes samples with
// energy, and the video plays too.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "framepipe/web/whep_server.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "web/whep_test_support.hpp"

using namespace framepipe;

namespace {

const std::filesystem::path kSource = FRAMEPIPE_SOURCE_DIR;

/// Why the browser test cannot run here ("" when it can).
std::string missing_browser() {
  const char* chromium = std::getenv("FRAMEPIPE_CHROMIUM");
  if (::access(chromium != nullptr ? chromium : "/usr/bin/chromium", X_OK) != 0) {
    return "no /usr/bin/chromium (Debian's chromium; scripts/install-deps.sh --test)";
  }
  if (std::system("node --version > /dev/null 2>&1") != 0) return "no node (Debian's nodejs)";
  if (!std::filesystem::exists(kSource / "tests/browser/node_modules/puppeteer-core")) {
    return "no tests/browser/node_modules (scripts/install-deps.sh --test runs npm ci there)";
  }
  for (const char* e : {"webrtcbin", "nicesrc", "vp8enc", "opusenc", "rtpopuspay"}) {
    if (!test::have_element(e)) return "webrtcbin, libnice's plugin, vp8enc or opusenc missing";
  }
  return {};
}

/// The value of `key=` in a line of whep_audio.mjs.
std::string field(const std::string& line, const std::string& key) {
  std::istringstream words(line);
  std::string word;
  while (words >> word) {
    if (word.rfind(key + "=", 0) == 0) return word.substr(key.size() + 1);
  }
  return {};
}

}  // namespace

TEST_CASE("Chromium receives and decodes a WHEP stream's Opus audio beside its video") {
  if (const std::string why = missing_browser(); !why.empty()) FRAMEPIPE_SKIP_CASE(why.c_str());
  // A blank page of the server's origin, from which the script posts its offer.
  const char* tmp = std::getenv("FRAMEPIPE_TEST_TMPDIR");
  const std::filesystem::path pages =
      std::filesystem::path(tmp != nullptr ? tmp : "/tmp") / "whep_audio_browser_test";
  std::filesystem::create_directories(pages);
  std::ofstream(pages / "index.html") << "<!doctype html><title>WHEP audio</title><body></body>\n";
  WhepServer server({.path = "/tone", .page_directory = pages.string()});
  test::WhepAvProducer producer(server, {320, 240});
  std::string command = "cd '";
  for (const std::string& part :
       {(kSource / "tests/browser").string(), std::string("' && timeout 120 node whep_audio.mjs '"),
        server.page_url(), std::string("' '"), server.endpoint_url(), std::string("' 2>&1")}) {
    command += part;
  }
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buffer{};
  std::string result;
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) {
    std::string text(buffer.data());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    MESSAGE(text);
    if (text.rfind("audio ", 0) == 0) result = text;
  }
  const int status = ::pclose(pipe);
  CHECK((WIFEXITED(status) ? WEXITSTATUS(status) : -1) == 0);
  REQUIRE_MESSAGE(!result.empty(), "the page reported no audio");
  CHECK(std::stoull(field(result, "packets")) > 0);
  CHECK(std::stoull(field(result, "samples")) > 0);
  CHECK(std::stod(field(result, "energy")) > 0.0);
  CHECK(field(result, "codec") == "audio/opus");
  CHECK(std::stoull(field(result, "frames")) > 0);
  CHECK(server.viewers_joined() == 1);
  producer.stop();
  const WhepSink& sink = producer.sink();
  CHECK(sink.audio_sent() > 0);
  CHECK(sink.audio_made() == sink.audio_sent() + sink.audio_dropped());
}
