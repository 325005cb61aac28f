// What every GStreamer stage (AppSrcSink, AppSinkSource, RtspSink) keeps for its life: its state
// behind a unique_ptr, so the stage moves cheaply and its address stays put for GStreamer's
// callbacks, and the failure it repeats until the next start().
#pragma once

#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "framepipe/core/error.hpp"

namespace framepipe::detail {

/// The state of a stage, or Error "<owner>: <what>() on a moved-from <noun>" when the stage was
/// moved from (`owner` e.g. "framepipe::AppSrcSink", `noun` "sink" or "source").
/// `state` is the stage's owner of it (a unique_ptr, or a shared_ptr that C callbacks share).
template <class Owner>
auto& checked_state(const Owner& state, const char* owner, const char* noun, const char* what) {
  if (!state) {
    throw Error(std::string(owner) + ": " + what + "() on a moved-from " + noun);
  }
  return *state;
}

/// Throws InvalidArgument unless `owns_state`: a stage that builds its pipeline from a description
/// always drives it ("<owner>: owns_state = false is for attaching to a caller's pipeline; a
/// pipeline the <noun> builds is always driven by the <noun>").
inline void check_owns_built_pipeline(bool owns_state, const char* owner, const char* noun) {
  if (owns_state) return;
  const std::string n(noun);
  throw InvalidArgument(std::string(owner) + ": owns_state = false is for attaching to a " +
                        "caller's pipeline; a pipeline the " + n + " builds is always driven by " +
                        "the " + n);
}

/// The error a stage threw when its pipeline failed, thrown again by every later call until the
/// next start() clears it.
class StickyFailure {
 public:
  /// Remembers `error` and throws it. The caller stops its pipeline first.
  [[noreturn]] void raise(std::exception_ptr error) {
    error_ = error;
    std::rethrow_exception(std::move(error));
  }
  /// Throws the remembered error, if any.
  void rethrow_if_set() const {
    if (error_) std::rethrow_exception(error_);
  }
  void clear() noexcept { error_ = nullptr; }
  explicit operator bool() const noexcept { return static_cast<bool>(error_); }

 private:
  std::exception_ptr error_;
};

}  // namespace framepipe::detail
