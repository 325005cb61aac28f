// Counters of a run.
#pragma once

#include <chrono>
#include <cstdint>

namespace framepipe {

/// What a run did and where its time went. Returned by Pipeline::run().
struct Stats {
  std::uint64_t frames = 0;   ///< frames handed to the sink
  std::uint64_t dropped = 0;  ///< frames produced but not delivered (drop policies, late frames)
  std::uint64_t bytes = 0;    ///< bytes of the frames handed to the sink
  std::chrono::nanoseconds elapsed{0};   ///< wall time of the whole run, finish() included
  std::chrono::nanoseconds generate{0};  ///< time in the generator
  std::chrono::nanoseconds convert{0};   ///< time in the converters
  std::chrono::nanoseconds acquire{0};   ///< time waiting for the sink to lend a frame
  std::chrono::nanoseconds submit{0};    ///< time in the sink's submit()
  std::chrono::nanoseconds finish{0};    ///< time in the sink's finish() (EOS and its wait)

  /// Wall time in seconds.
  double seconds() const { return std::chrono::duration<double>(elapsed).count(); }
  /// Delivered frames per second of wall time (0 before any time has passed).
  double fps() const {
    const double s = seconds();
    return s > 0 ? static_cast<double>(frames) / s : 0.0;
  }
};

}  // namespace framepipe
