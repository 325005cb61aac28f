// How the fuzz targets read their input: parameters from the trailing bytes (as FFmpeg's
// target_sws_fuzzer does), so that the leading bytes stay payload (pixels, text) the fuzzer can
// grow and shrink without moving the parameters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace framepipe::fuzz {

/// Reads parameters from the end of an input, payload from its start. Past the end of the input
/// every read gives 0, so that every input, the empty one included, is a valid one.
class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), end_(size) {}

  /// One byte taken from the end.
  std::uint8_t byte() {
    if (end_ == begin_) return 0;
    return data_[--end_];
  }
  /// A little-endian 16-bit value taken from the end.
  std::uint16_t u16() {
    const auto lo = byte();
    return static_cast<std::uint16_t>(lo | (byte() << 8));
  }
  /// A little-endian 32-bit value taken from the end.
  std::uint32_t u32() {
    const std::uint32_t lo = u16();
    return lo | (static_cast<std::uint32_t>(u16()) << 16);
  }
  /// A little-endian 64-bit value taken from the end.
  std::uint64_t u64() {
    const std::uint64_t lo = u32();
    return lo | (static_cast<std::uint64_t>(u32()) << 32);
  }
  /// A value in [lo, hi] taken from the end (one byte when the span fits one, else two).
  int in_range(int lo, int hi) {
    const auto span = static_cast<unsigned>(hi - lo) + 1u;
    const unsigned raw = span <= 256u ? byte() : u16();
    return lo + static_cast<int>(raw % span);
  }

  /// The payload: the bytes no parameter was taken from, from the start.
  const std::uint8_t* payload() const { return data_ + begin_; }
  std::size_t payload_size() const { return end_ - begin_; }
  /// One byte taken from the start of the payload.
  std::uint8_t front_byte() {
    if (end_ == begin_) return 0;
    return data_[begin_++];
  }

 private:
  const std::uint8_t* data_;
  std::size_t begin_ = 0;
  std::size_t end_;
};

/// With FRAMEPIPE_FUZZ_VERBOSE set (to anything), the targets print the typed errors they accept,
/// to see what a seed reaches; unset, they print nothing (fuzzing speed).
inline void note(const char* target, const char* what) {
  static const bool verbose = std::getenv("FRAMEPIPE_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "%s: %s\n", target, what);
}

}  // namespace framepipe::fuzz
