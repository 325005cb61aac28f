// FrameError: an array that is not the frame a call expects, thrown by the module itself (as a
// framepipe::InvalidArgument, so that it maps to framepipe.FrameError under InvalidArgument).
#pragma once

#include <framepipe/core/error.hpp>
#include <string>
#include <utility>

namespace framepipe::python {

/// An array of the wrong dtype, shape, size or strides: says what was expected and what came.
class FrameError : public InvalidArgument {
 public:
  FrameError(const std::string& where, std::string expected, std::string got)
      : InvalidArgument(where + ": expected " + expected + ", got " + got),
        expected_(std::move(expected)),
        got_(std::move(got)) {}

  const std::string& expected() const noexcept { return expected_; }
  const std::string& got() const noexcept { return got_; }

 private:
  std::string expected_;
  std::string got_;
};

}  // namespace framepipe::python
