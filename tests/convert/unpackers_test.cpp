#include "framepipe/convert/unpackers.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "framepipe/core/stage.hpp"

using namespace framepipe;
using PF = PixelFormat;

TEST_CASE("Each unpacker alias is named by the format it makes") {
  static_assert(std::is_same_v<Bgr24Unpacker, YuvToRgbUnpacker<PF::BGR24>>);
  static_assert(Bgr24Unpacker::output_for<PF::I420> == PF::BGR24);
  static_assert(Rgb24Unpacker::output_for<PF::NV12> == PF::RGB24);
  static_assert(Bgra32Unpacker::output_for<PF::I420> == PF::BGRA32);
  static_assert(Rgba32Unpacker::output_for<PF::NV12> == PF::RGBA32);
  static_assert(std::is_same_v<Bgr24Unpacker::Options, UnpackerOptions>);

  // The same picture in every output: the channels agree, and the 4-byte ones are opaque.
  Frame<PF::NV12> src({6, 4});
  for (std::size_t i = 0; i < src.size_bytes(); ++i) {
    src.data()[i] = static_cast<std::uint8_t>(37 * i + 11);
  }
  Frame<PF::BGR24> bgr({6, 4});
  Frame<PF::RGB24> rgb({6, 4});
  Frame<PF::BGRA32> bgra({6, 4});
  Frame<PF::RGBA32> rgba({6, 4});
  Bgr24Unpacker{}.convert(src.view(), bgr.view());
  Rgb24Unpacker{}.convert(src.view(), rgb.view());
  Bgra32Unpacker{}.convert(src.view(), bgra.view());
  Rgba32Unpacker{}.convert(src.view(), rgba.view());
  bool differs = false;
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 6; ++x) {
      const std::uint8_t* b3 = bgr.view().row(0, y) + 3 * x;
      const std::uint8_t* r3 = rgb.view().row(0, y) + 3 * x;
      const std::uint8_t* b4 = bgra.view().row(0, y) + 4 * x;
      const std::uint8_t* r4 = rgba.view().row(0, y) + 4 * x;
      CHECK(b3[0] == r3[2]);
      CHECK(b3[1] == r3[1]);
      CHECK(b3[2] == r3[0]);
      CHECK(std::equal(b3, b3 + 3, b4));
      CHECK(std::equal(r3, r3 + 3, r4));
      CHECK(b4[3] == 255);
      CHECK(r4[3] == 255);
      differs = differs || b3[0] != b3[2];
    }
  }
  CHECK(differs);  // a coloured picture, so the channel order is really tested
}
