#include "framepipe/core/scope_exit.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <type_traits>

using namespace framepipe;
using detail::ScopeExit;

namespace {

auto throwing = [] {};
using Throwing = decltype(throwing);
auto quiet = []() noexcept {};
using Quiet = decltype(quiet);

// A function that may throw is refused: it could run while an exception unwinds the stack.
template <class F>
concept Guards = requires(F f) {
  ScopeExit<F>{f};
};
static_assert(Guards<Quiet>);
static_assert(!Guards<Throwing>);
static_assert(!std::is_copy_constructible_v<ScopeExit<Quiet>>);
static_assert(!std::is_copy_assignable_v<ScopeExit<Quiet>>);

}  // namespace

TEST_CASE("ScopeExit runs its function once, when the scope ends") {
  int runs = 0;
  {
    const ScopeExit guard{[&]() noexcept { ++runs; }};
    CHECK(runs == 0);
  }
  CHECK(runs == 1);
}

TEST_CASE("ScopeExit runs its function when an exception leaves the scope") {
  int runs = 0;
  CHECK_THROWS_AS(
      [&] {
        const ScopeExit guard{[&]() noexcept { ++runs; }};
        throw std::runtime_error("leaving");
      }(),
      std::runtime_error);
  CHECK(runs == 1);
}

TEST_CASE("ScopeExit guards end in reverse order of construction") {
  int order = 0;
  int first = 0;
  int second = 0;
  {
    const ScopeExit a{[&]() noexcept { first = ++order; }};
    const ScopeExit b{[&]() noexcept { second = ++order; }};
  }
  CHECK(second == 1);
  CHECK(first == 2);
}
