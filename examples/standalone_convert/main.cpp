// A packer on its own, outside any pipeline: BGR24 -> I420 on frames the caller owns, then a look
// at a few output bytes. Needs only framepipe::core.
#include <cstdio>
#include <framepipe/convert/i420_packer.hpp>
#include <framepipe/core/frame.hpp>

int main() {
  using namespace framepipe;
  Frame<PixelFormat::BGR24> src({1920, 1080});
  // Left half pure red, right half pure blue.
  for (int y = 0; y < src.height(); ++y) {
    std::uint8_t* row = src.view().row(0, y);
    for (int x = 0; x < src.width(); ++x) {
      const bool left = x < src.width() / 2;
      row[3 * x + 0] = left ? 0 : 255;  // B
      row[3 * x + 1] = 0;               // G
      row[3 * x + 2] = left ? 255 : 0;  // R
    }
  }
  Frame<PixelFormat::I420> dst({1920, 1080});
  const I420Packer packer;  // BT.709 limited for 1080 lines
  packer.convert(src.view(), dst.view());

  const ColorSpec spec = packer.color_spec(src.size());
  std::printf("%s %s range, kernel path %s\n", std::string(matrix_name(spec.matrix)).c_str(),
              std::string(range_name(spec.range)).c_str(),
              std::string(isa_name(packer.isa())).c_str());
  const auto v = dst.view();
  std::printf("red : Y=%3d U=%3d V=%3d\n", v.row(0, 0)[0], v.row(1, 0)[0], v.row(2, 0)[0]);
  std::printf("blue: Y=%3d U=%3d V=%3d\n", v.row(0, 0)[1919], v.row(1, 0)[959], v.row(2, 0)[959]);
  return 0;
}
