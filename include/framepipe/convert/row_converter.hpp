// What the packers and the unpackers share: options, the kernel path chosen once, and the band
// threads that split each frame into rows.
#pragma once

#include "framepipe/convert/isa.hpp"
#include "framepipe/core/band_pool.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/pixel_format.hpp"

namespace framepipe::detail {

/// The base of a converter whose kernels run over rows: RgbToYuvPacker and YuvToRgbUnpacker.
/// It keeps the options (with their `threads`), the kernel path (active_isa() when made) and the
/// band threads (made at the first frame; a copy starts without them), and runs a frame's rows
/// in bands of whole row pairs.
template <class Options>
class RowConverter {
 public:
  /// The kernel path this converter runs.
  Isa isa() const { return isa_; }
  const Options& options() const { return options_; }
  /// Threads that share each frame (Options::threads, with 0 resolved to the cores).
  unsigned threads() const { return bands_.threads(); }

 protected:
  explicit RowConverter(Options options) : options_(options), isa_(active_isa()) {}

  /// Checks that `src` and `dst` have one size (InvalidArgument naming `source` otherwise), then
  /// calls `rows(begin, end)` over bands of row pairs covering the frame.
  template <class Rows>
  void run_rows(Size src, const char* source, Size dst, const Rows& rows) const {
    check_same_size(src, source, dst, "destination");
    bands_.run(src.height, 2, rows);
  }

  Options options_;

 private:
  Isa isa_;
  mutable BandedRows bands_{options_.threads};
};

}  // namespace framepipe::detail
