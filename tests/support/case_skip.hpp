// Skipping one doctest case, not the whole binary, when a tool it needs is missing: the case says
// why and returns (FRAMEPIPE_SKIP_CASE), every other case still runs, and when the run ends with
// no failure the binary exits 77 so that ctest reports it as skipped rather than passed. A
// std::exit(77) inside a case would end the binary there, and the cases after it would never run.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#if defined(__SANITIZE_ADDRESS__)
#  define FRAMEPIPE_CASE_SKIP_LSAN 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define FRAMEPIPE_CASE_SKIP_LSAN 1
#  endif
#endif
#if defined(FRAMEPIPE_CASE_SKIP_LSAN)
#  include <sanitizer/lsan_interface.h>
#endif

namespace framepipe::test {

namespace case_skip {

struct CaseSkips {
  std::atomic<int> skipped{0};
  std::atomic<bool> failed{false};
};

inline CaseSkips& case_skips() {
  static CaseSkips skips;
  return skips;
}

/// Runs after main() returned doctest's result: a run that failed keeps its exit code; one that
/// skipped cases and failed none exits 77. LeakSanitizer's own check would come after this
/// handler (it was registered first), so it is run here before _Exit.
inline void exit_skipped_at_exit() {
  CaseSkips& skips = case_skips();
  if (skips.skipped.load() == 0 || skips.failed.load()) return;
  std::cout.flush();
  std::fflush(nullptr);
#if defined(FRAMEPIPE_CASE_SKIP_LSAN)
  if (__lsan_do_recoverable_leak_check() != 0) std::_Exit(1);
#endif
  std::_Exit(77);
}

/// Notes the end of the run (did anything fail?) for exit_skipped_at_exit().
struct CaseSkipListener : doctest::IReporter {
  explicit CaseSkipListener(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    case_skips().failed = stats.numTestCasesFailed > 0 || stats.numAssertsFailed > 0;
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};
REGISTER_LISTENER("framepipe_case_skip", 1, CaseSkipListener);

}  // namespace case_skip

/// Marks the current case as skipped for `reason` (printed); the case must return right after
/// (FRAMEPIPE_SKIP_CASE does both).
inline void note_case_skipped(const char* reason) {
  case_skip::CaseSkips& skips = case_skip::case_skips();
  if (skips.skipped.fetch_add(1) == 0) std::atexit(&case_skip::exit_skipped_at_exit);
  std::cout << "[doctest] case skipped: " << reason << std::endl;
}

}  // namespace framepipe::test

/// Skips the rest of the current doctest case, naming what is missing: the other cases run, and
/// ctest reports the binary as skipped (exit 77) when nothing failed.
#define FRAMEPIPE_SKIP_CASE(reason)               \
  do {                                            \
    ::framepipe::test::note_case_skipped(reason); \
    return;                                       \
  } while (false)
