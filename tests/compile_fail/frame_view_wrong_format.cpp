// expect: no viable conversion|conversion from .* to non-scalar type|cannot convert
// A FrameView's pixel format is part of its type: an I420 view is not a BGR24 view.
#include <framepipe/core/frame.hpp>

using framepipe::FrameView;
using framepipe::PixelFormat;

void view_i420_as_bgr(FrameView<PixelFormat::I420> i420) {
  FrameView<PixelFormat::BGR24> bgr = i420;
  static_cast<void>(bgr);
}
