// WHEP in a real browser: Debian's Chromium, headless, driven by puppeteer-core through
// tests/browser/whep_pages.mjs, plays examples/web/ served by a WhepServer fed with a known
// picture. Four pages at once each decode >= 30 frames within 10 s at the right size and with
// the right colours; closing one frees its viewer while the others keep playing. A second case
// plays the text clock and saves the screenshot the README shows.
// framepipe-test-needs: web opencv
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/core/pipeline.hpp"
#include "framepipe/opencv/text_clock_generator.hpp"
#include "framepipe/web/whep_server.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "web/whep_test_support.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

const std::filesystem::path kSource = FRAMEPIPE_SOURCE_DIR;
constexpr Size kSize{640, 360};

/// Why the browser tests cannot run here ("" when they can).
std::string missing_browser() {
  const char* chromium = std::getenv("FRAMEPIPE_CHROMIUM");
  if (::access(chromium != nullptr ? chromium : "/usr/bin/chromium", X_OK) != 0) {
    return "no /usr/bin/chromium (Debian's chromium; scripts/install-deps.sh --test)";
  }
  if (std::system("node --version > /dev/null 2>&1") != 0) return "no node (Debian's nodejs)";
  if (!std::filesystem::exists(kSource / "tests/browser/node_modules/puppeteer-core")) {
    return "no tests/browser/node_modules (scripts/install-deps.sh --test runs npm ci there)";
  }
  if (!test::have_element("webrtcbin") || !test::have_element("nicesrc") ||
      !test::have_element("vp8enc")) {
    return "webrtcbin, libnice's plugin or vp8enc missing";
  }
  return {};
}

/// A colour of the test picture, as Y'CbCr (BT.601 limited, what VP8 signals) and the R'G'B'
/// a browser decodes it to.
struct Patch {
  std::uint8_t y, cb, cr;
  std::array<int, 3> rgb() const {
    const double l = 1.164383 * (y - 16);
    const auto clamp = [](double v) {
      return static_cast<int>(std::lround(std::clamp(v, 0.0, 255.0)));
    };
    return {clamp(l + 1.596027 * (cr - 128)),
            clamp(l - 0.391762 * (cb - 128) - 0.812968 * (cr - 128)),
            clamp(l + 2.017232 * (cb - 128))};
  }
};

/// Four quadrants, each one flat colour, away from the ends of the range.
constexpr std::array<Patch, 4> kPatches{
    {{100, 100, 180}, {150, 80, 90}, {60, 190, 110}, {180, 128, 128}}};
constexpr std::array<std::array<int, 2>, 4> kCentres{
    {{160, 90}, {480, 90}, {160, 270}, {480, 270}}};

void quadrants(FrameView<PixelFormat::I420> view, std::uint32_t) {
  for (int plane = 0; plane < 3; ++plane) {
    const int shift = plane == 0 ? 0 : 1;
    const int rows = view.height() >> shift;
    const int cols = view.width() >> shift;
    for (int r = 0; r < rows; ++r) {
      std::uint8_t* row = view.row(plane, r);
      for (int c = 0; c < cols; ++c) {
        const Patch& p =
            kPatches[static_cast<std::size_t>((r >= rows / 2 ? 2 : 0) + (c >= cols / 2 ? 1 : 0))];
        row[c] = plane == 0 ? p.y : plane == 1 ? p.cb : p.cr;
      }
    }
  }
}

std::filesystem::path scratch(const std::string& name) {
  const char* tmp = std::getenv("FRAMEPIPE_TEST_TMPDIR");
  return std::filesystem::path(tmp != nullptr ? tmp : "/tmp") / name;
}

/// Runs whep_pages.mjs and hands each line it prints to `on_line` as it comes.
template <class OnLine>
int run_pages(const std::string& url, int pages, const std::filesystem::path& screenshot,
              const std::filesystem::path& go, OnLine on_line) {
  // Appended piece by piece: GCC 12 warns -Wrestrict (a false positive) on "literal" + string.
  std::string command = "cd '";
  for (const std::string& part :
       {(kSource / "tests/browser").string(), std::string("' && timeout 120 node whep_pages.mjs '"),
        url, std::string("' "), std::to_string(pages), std::string(" '"), screenshot.string(),
        std::string("' '"), go.string(), std::string("'")}) {
    command += part;
  }
  for (const auto& [x, y] : kCentres) {
    command += ' ';
    command += std::to_string(x);
    command += ',';
    command += std::to_string(y);
  }
  command += " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> line{};
  while (std::fgets(line.data(), static_cast<int>(line.size()), pipe) != nullptr) {
    std::string text(line.data());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    MESSAGE(text);
    on_line(text);
  }
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// The value of `key=` in a line of whep_pages.mjs.
std::string field(const std::string& line, const std::string& key) {
  std::istringstream words(line);
  std::string word;
  while (words >> word) {
    if (word.rfind(key + "=", 0) == 0) return word.substr(key.size() + 1);
  }
  return {};
}

/// The four patches' colours in a "playing" line, each channel within 6 levels.
void check_colours(const std::string& line) {
  for (std::size_t i = 0; i < kPatches.size(); ++i) {
    int got[3] = {-1, -1, -1};
    std::string key(1, 'c');  // not "c" + ...: GCC 12's -Wrestrict false positive
    key += std::to_string(i);
    std::sscanf(field(line, key).c_str(), "%d,%d,%d", &got[0], &got[1], &got[2]);
    const auto want = kPatches[i].rgb();
    for (std::size_t c = 0; c < 3; ++c) {
      CHECK_MESSAGE(std::abs(got[c] - want[c]) <= 6,
                    "patch " << i << " channel " << c << ": " << got[c] << " vs " << want[c]);
    }
  }
}

template <class Done>
bool eventually(Done done, std::chrono::seconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

}  // namespace

TEST_CASE("Four Chromium pages play one WHEP stream; closing one frees its viewer only") {
  if (const std::string why = missing_browser(); !why.empty()) FRAMEPIPE_SKIP_CASE(why.c_str());
  WhepServer server({.path = "/pattern", .page_directory = (kSource / "examples/web").string()});
  test::WhepProducer producer(server, kSize, quadrants);
  const auto go = scratch("whep_browser_test.go");
  std::filesystem::remove(go);
  const auto screenshot = scratch("whep_browser_test.png");
  int playing = 0;
  int still = 0;
  bool closed_checked = false;
  const int status = run_pages(server.page_url(), 4, screenshot, go, [&](const std::string& line) {
    if (line.rfind("playing ", 0) == 0) {
      ++playing;
      CHECK(std::stoi(field(line, "frames")) >= 30);
      CHECK(field(line, "width") == "640");
      CHECK(field(line, "height") == "360");
      check_colours(line);
    } else if (line.rfind("closed ", 0) == 0) {
      CHECK(server.viewers_joined() == 4);
      CHECK(eventually([&] { return server.viewers() == 3; }));
      CHECK(eventually([&] { return server.viewers_freed() == 1; }));
      closed_checked = true;
      std::ofstream(go) << "go\n";
    } else if (line.rfind("still ", 0) == 0) {
      ++still;
    }
  });
  CHECK(status == 0);
  CHECK(playing == 4);
  CHECK(closed_checked);
  CHECK(still == 3);
  CHECK(std::filesystem::file_size(screenshot) > 1000);
  // The browser was closed without a DELETE from its pages: the server notices the silence
  // (peer_timeout) and frees them.
  CHECK(eventually([&] { return server.viewers() == 0; }, 20s));
  CHECK(eventually([&] { return server.viewers_freed() == 4; }, 20s));
  producer.stop();
  const WhepSink& sink = producer.sink();
  CHECK(sink.made() == sink.sent() + sink.dropped());
}

TEST_CASE("A Chromium page plays the text clock over WHEP (the README's screenshot)") {
  if (const std::string why = missing_browser(); !why.empty()) FRAMEPIPE_SKIP_CASE(why.c_str());
  WhepServer server({.path = "/clock", .page_directory = (kSource / "examples/web").string()});
  Pipeline<TextClockGenerator, I420Packer, WhepSink> pipeline{TextClockGenerator{{.size = kSize}},
                                                              I420Packer{}, server.sink()};
  std::thread run([&] { pipeline.run({.frames = 30 * 120, .pacing = Pacing::RealTime}); });
  const auto screenshot = scratch("whep_clock.png");
  bool held = false;
  const int status = run_pages(server.page_url(), 1, screenshot, scratch("unused.go"),
                               [&](const std::string& line) {
                                 if (line.rfind("held ", 0) == 0) {
                                   held = true;
                                   CHECK(server.viewers() == 1);
                                   CHECK(server.viewers_left() == 0);
                                 }
                               });
  pipeline.request_stop();
  run.join();
  CHECK(status == 0);
  CHECK(held);  // a viewer that watches longer than peer_timeout is kept
  CHECK(std::filesystem::file_size(screenshot) > 1000);
  MESSAGE("screenshot: " << screenshot.string());
}

TEST_CASE("A Chromium page plays H.264 constrained baseline (42e01f) with the right colours") {
  if (const std::string why = missing_browser(); !why.empty()) FRAMEPIPE_SKIP_CASE(why.c_str());
  if (!test::have_element("x264enc") || !test::have_element("rtph264pay")) {
    FRAMEPIPE_SKIP_CASE("x264enc or rtph264pay missing");
  }
  WhepServer server({.path = "/h264",
                     .codec = VideoCodec::H264,
                     .page_directory = (kSource / "examples/web").string()});
  test::WhepProducer producer(server, kSize, quadrants);
  int playing = 0;
  const int status = run_pages(server.page_url(), 1, scratch("whep_h264.png"), scratch("unused.go"),
                               [&](const std::string& line) {
                                 if (line.rfind("playing ", 0) != 0) return;
                                 ++playing;
                                 CHECK(field(line, "width") == "640");
                                 check_colours(line);
                               });
  CHECK(status == 0);
  CHECK(playing == 1);
}
