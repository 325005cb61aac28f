#include "framepipe/convert/function_converter.hpp"

#include <doctest/doctest.h>

using namespace framepipe;

TEST_CASE("FunctionConverter declares its formats and calls its function") {
  using ToGray = FunctionConverter<PixelFormat::BGR24, PixelFormat::GRAY8>;
  static_assert(ToGray::input == PixelFormat::BGR24);
  static_assert(ToGray::output == PixelFormat::GRAY8);
  ToGray to_gray{[](FrameView<PixelFormat::BGR24> in, FrameView<PixelFormat::GRAY8> out) {
    out.row(0, 0)[0] = in.row(0, 0)[1];
  }};
  Frame<PixelFormat::BGR24> src({1, 1});
  src.view().row(0, 0)[1] = 200;
  Frame<PixelFormat::GRAY8> dst({1, 1});
  to_gray.convert(src.view(), dst.view());
  CHECK(dst.view().row(0, 0)[0] == 200);
}
