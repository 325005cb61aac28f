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

/// A blocked (or later) call was ended by another thread's request, e.g. a sink's acquire() after
/// its interrupt(); the stream is still valid until the next start() clears the request.
class Interrupted : public Error {
 public:
  using Error::Error;
};

}  // namespace framepipe
