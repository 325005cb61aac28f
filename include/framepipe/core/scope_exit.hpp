// ScopeExit: runs a function when a scope ends, however it ends (a return, an exception).
#pragma once

#include <type_traits>
#include <utility>

namespace framepipe::detail {

/// Runs `f` when the scope ends, however it ends. `f` must not throw (it may run while an
/// exception unwinds the stack): declare the lambda `noexcept`.
/// \code
///   engine.open(spec);
///   const ScopeExit end_stream{[&]() noexcept { engine.abort(); }};
/// \endcode
template <class F>
requires std::is_nothrow_invocable_v<F&>
class ScopeExit {
 public:
  explicit ScopeExit(F f) noexcept(std::is_nothrow_move_constructible_v<F>) : f_(std::move(f)) {}
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ~ScopeExit() { f_(); }

 private:
  F f_;
};

}  // namespace framepipe::detail
