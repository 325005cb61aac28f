#include "framepipe/generators/function_generator.hpp"

#include <doctest/doctest.h>

using namespace framepipe;

TEST_CASE("FunctionGenerator calls its function with the frame and its time") {
  std::uint64_t last_index = 0;
  FunctionGenerator<PixelFormat::GRAY8> gen{
      {.size = {5, 2}}, [&](FrameView<PixelFormat::GRAY8> f, const FrameTime& t) {
        f.row(0, 1)[4] = 42;
        last_index = t.index;
      }};
  static_assert(FunctionGenerator<PixelFormat::GRAY8>::output == PixelFormat::GRAY8);
  CHECK(gen.size() == Size{5, 2});
  Frame<PixelFormat::GRAY8> frame({5, 2});
  gen.generate(frame.view(), FrameTime::at(9, {30, 1}));
  CHECK(frame.view().row(0, 1)[4] == 42);
  CHECK(last_index == 9);
  CHECK_THROWS_AS(FunctionGenerator<PixelFormat::GRAY8>(
                      {.size = {0, 2}}, [](FrameView<PixelFormat::GRAY8>, const FrameTime&) {}),
                  InvalidArgument);
}
