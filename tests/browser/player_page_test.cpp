// The player page (examples/web/) in Debian's Chromium, headless, driven by
// tests/browser/hls_page.mjs: where a page needs hls.js and the server has none, it says so on the
// page, clearly, instead of showing a black video. (Playing HLS through the page's switch is
// stream_test's, against the stream example.) Skipped (77) without chromium, node, or
// tests/browser/node_modules (`npm ci` there).
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "framepipe/web/http_server.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

TEST_CASE("The page's HLS switch says so when hls.js is unavailable") {
  const std::filesystem::path source = FRAMEPIPE_SOURCE_DIR;
  const std::filesystem::path modules = source / "tests/browser/node_modules";
  if (::access("/usr/bin/chromium", X_OK) != 0 ||
      std::system("node --version > /dev/null 2>&1") != 0 ||
      !std::filesystem::exists(modules / "puppeteer-core")) {
    FRAMEPIPE_SKIP_CASE("chromium, node, or tests/browser/node_modules (npm ci in tests/browser)");
  }
  // The page, and no hls.min.js beside it (nor a playlist: the page stops before it needs one).
  HttpServer server;
  server.serve_directory("/clock/", source / "examples/web");
  const std::string script = (source / "tests/browser/hls_page.mjs").string();
  test::RunResult run;
  test::within(60s, [&] {
    run = test::run_program("node", "\"" + script + "\" \"" + server.url() +
                                        "/clock/?protocol=hls&player=hlsjs\" /usr/bin/chromium \"" +
                                        modules.string() + "\" 2 framepipe");
  });
  MESSAGE(run.output);
  CHECK(run.exit_code == 1);
  CHECK(run.output.find("\"state\":\"error\"") != std::string::npos);
  CHECK(run.output.find("hls.js is unavailable: the server has no hls.min.js") !=
        std::string::npos);
  CHECK(run.output.find("\"native\":false") != std::string::npos);
}
