// The root of framepipe's exception hierarchy. GStreamer-specific subclasses live in gst/error.hpp.
#pragma once

#include <stdexcept>
#include <string>

namespace framepipe {

/// Base class of every exception framepipe throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A caller passed a value framepipe cannot work with (size 0, stride too small, null plane...).
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

/// A wait was cut short on request: a sink's blocked acquire() after its interrupt(), which
/// Pipeline::request_stop() calls. Pipeline treats it as the stop it asked for, not as a failure.
class Interrupted : public Error {
 public:
  using Error::Error;
};

}  // namespace framepipe
