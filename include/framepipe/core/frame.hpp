// Frame<F> owns pixels; FrameView<F> points at pixels someone else owns.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>

#include "framepipe/core/error.hpp"
#include "framepipe/core/pixel_format.hpp"

namespace framepipe {

/// A non-owning view of one frame of format `F`: plane pointers, strides and size. Cheap to copy.
/// Like std::span, constness of the view does not make the pixels const.
template <PixelFormat F>
class FrameView {
 public:
  /// The pixel format, part of the type.
  static constexpr PixelFormat format = F;
  /// Planes of the format: 1 for packed RGB and GRAY8, 2 for NV12, 3 for I420.
  static constexpr int plane_count = format_info(F).planes;

  /// An empty view (size 0x0, null planes).
  FrameView() = default;

  /// Views planes the caller owns. Throws InvalidArgument for a bad size, a null plane or a stride
  /// shorter than a row of pixels.
  FrameView(Size size, const std::array<std::uint8_t*, 3>& planes,
            const std::array<std::size_t, 3>& strides)
      : planes_(planes), strides_(strides), size_(size) {
    check_frame_size(size);
    const PlaneLayout tight = default_layout(F, size);
    for (int i = 0; i < plane_count; ++i) {
      const auto p = static_cast<std::size_t>(i);
      if (planes_[p] == nullptr) {
        throw InvalidArgument("framepipe: FrameView<" + std::string(format_name(F)) + "> plane " +
                              std::to_string(i) + " is null");
      }
      if (strides_[p] < static_cast<std::size_t>(tight.row_bytes[p])) {
        throw InvalidArgument("framepipe: FrameView<" + std::string(format_name(F)) + "> stride " +
                              std::to_string(strides_[p]) + " of plane " + std::to_string(i) +
                              " is shorter than its row of " + std::to_string(tight.row_bytes[p]) +
                              " bytes");
      }
    }
  }

  /// Views one block laid out as GStreamer's default layout for `size` (see default_layout).
  static FrameView wrap(std::uint8_t* data, Size size) {
    check_frame_size(size);
    const PlaneLayout l = default_layout(F, size);
    std::array<std::uint8_t*, 3> planes{};
    for (std::size_t i = 0; i < static_cast<std::size_t>(l.planes); ++i) {
      planes[i] = data == nullptr ? nullptr : data + l.offset[i];
    }
    return FrameView(size, planes, l.stride);
  }

  /// First byte of plane `i`.
  std::uint8_t* plane(int i) const { return planes_[static_cast<std::size_t>(i)]; }
  /// Bytes from one row of plane `i` to the next.
  std::size_t stride(int i) const { return strides_[static_cast<std::size_t>(i)]; }
  /// First byte of row `y` of plane `i`.
  std::uint8_t* row(int i, int y) const {
    return plane(i) + static_cast<std::size_t>(y) * stride(i);
  }
  /// Width in pixels.
  int width() const { return size_.width; }
  /// Height in pixels.
  int height() const { return size_.height; }
  /// Width and height in pixels.
  Size size() const { return size_; }

 private:
  std::array<std::uint8_t*, 3> planes_{};
  std::array<std::size_t, 3> strides_{};
  Size size_{};
};

namespace detail {

inline constexpr std::size_t kFrameAlignment = 64;

struct AlignedDelete {
  void operator()(std::uint8_t* p) const noexcept {
    ::operator delete[](p, std::align_val_t{kFrameAlignment});
  }
};

using AlignedBytes = std::unique_ptr<std::uint8_t[], AlignedDelete>;

/// `bytes` of uninitialised storage aligned to 64 bytes (a cache line, and an AVX-512 vector).
inline AlignedBytes allocate_aligned(std::size_t bytes) {
  return AlignedBytes(
      static_cast<std::uint8_t*>(::operator new[](bytes, std::align_val_t{kFrameAlignment})));
}

}  // namespace detail

/// An owned frame of format `F`: one 64-byte aligned block with GStreamer's default plane layout,
/// zero-filled on construction. Movable, not copyable (copies of frames should be deliberate).
template <PixelFormat F>
class Frame {
 public:
  /// The pixel format, part of the type.
  static constexpr PixelFormat format = F;

  /// An empty frame: no storage, size 0x0 (a placeholder to assign a real frame to).
  Frame() = default;
  /// Allocates a frame of `size`: `Frame<PixelFormat::I420> f({1920, 1080})`. Throws
  /// InvalidArgument for a size below 1x1.
  explicit Frame(Size size) : layout_((check_frame_size(size), default_layout(F, size))) {
    data_ = detail::allocate_aligned(layout_.size);
    std::fill_n(data_.get(), layout_.size, std::uint8_t{0});
    view_ = FrameView<F>::wrap(data_.get(), size);
  }

  /// A view of the whole frame; valid while the frame lives (and is not assigned to).
  FrameView<F> view() const { return view_; }
  /// First byte of the block (plane 0); null for an empty frame.
  std::uint8_t* data() const { return data_.get(); }
  /// Bytes in the block, all planes with their row padding.
  std::size_t size_bytes() const { return layout_.size; }
  /// Plane offsets and strides (GStreamer's default layout for this format and size).
  const PlaneLayout& layout() const { return layout_; }
  /// Width in pixels.
  int width() const { return view_.width(); }
  /// Height in pixels.
  int height() const { return view_.height(); }
  /// Width and height in pixels.
  Size size() const { return view_.size(); }

 private:
  PlaneLayout layout_{};
  detail::AlignedBytes data_;
  FrameView<F> view_{};
};

namespace detail {

/// Per-run scratch state of a stage (e.g. the frame a sink lends). Copying a stage copies its
/// configuration, not its scratch: the copy starts empty and allocates at its own start().
template <class T>
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) {}
  Scratch& operator=(const Scratch&) {
    value = T{};
    return *this;
  }
  Scratch(Scratch&&) noexcept = default;
  Scratch& operator=(Scratch&&) noexcept = default;
  ~Scratch() = default;

  T value{};
};

}  // namespace detail
}  // namespace framepipe
