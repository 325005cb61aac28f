// checked_state() and StickyFailure: the moved-from message and the error repeated until cleared.
#include "framepipe/gst/stage_state.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "framepipe/core/error.hpp"

using namespace framepipe;

TEST_CASE("checked_state gives the state, or names the call on a moved-from stage") {
  auto state = std::make_unique<int>(7);
  CHECK(detail::checked_state(state, "framepipe::X", "sink", "start") == 7);
  const auto moved = std::move(state);
  try {
    (void)detail::checked_state(state, "framepipe::X", "sink", "start");
    FAIL("no error on a moved-from state");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "framepipe::X: start() on a moved-from sink");
  }
}

TEST_CASE("StickyFailure throws what it raised again until cleared") {
  detail::StickyFailure failure;
  CHECK_FALSE(failure);
  CHECK_NOTHROW(failure.rethrow_if_set());
  CHECK_THROWS_AS(failure.raise(std::make_exception_ptr(std::runtime_error("down"))),
                  std::runtime_error);
  CHECK(failure);
  CHECK_THROWS_WITH_AS(failure.rethrow_if_set(), "down", std::runtime_error);
  failure.clear();
  CHECK_FALSE(failure);
  CHECK_NOTHROW(failure.rethrow_if_set());
}

TEST_CASE("check_owns_built_pipeline refuses owns_state = false for a pipeline the stage builds") {
  CHECK_NOTHROW(detail::check_owns_built_pipeline(true, "framepipe::AppSrcSink", "sink"));
  CHECK_THROWS_WITH_AS(
      detail::check_owns_built_pipeline(false, "framepipe::AppSinkSource", "source"),
      "framepipe::AppSinkSource: owns_state = false is for attaching to a caller's "
      "pipeline; a pipeline the source builds is always driven by the source",
      InvalidArgument);
}
