// core/color_space.hpp: the names and luma weights of each matrix, the scales of each range.
#include "framepipe/core/color_space.hpp"

#include <doctest/doctest.h>

using namespace framepipe;

TEST_CASE("matrix_name and luma_weights: one row per matrix, '?' for a number that is none") {
  CHECK(matrix_name(Matrix::BT601) == "BT.601");
  CHECK(matrix_name(Matrix::BT709) == "BT.709");
  CHECK(matrix_name(Matrix::BT2020) == "BT.2020");
  CHECK(matrix_name(static_cast<Matrix>(9)) == "?");
  CHECK(luma_weights(Matrix::BT601).kr == 0.299);
  CHECK(luma_weights(Matrix::BT601).kb == 0.114);
  CHECK(luma_weights(Matrix::BT709).kr == 0.2126);
  CHECK(luma_weights(Matrix::BT709).kb == 0.0722);
  CHECK(luma_weights(Matrix::BT2020).kr == 0.2627);
  CHECK(luma_weights(Matrix::BT2020).kb == 0.0593);
  CHECK(luma_weights(Matrix::BT709).kg() == doctest::Approx(0.7152));
  static_assert(matrix_name(Matrix::BT709) == "BT.709", "usable at compile time");
}

TEST_CASE("range_scales: limited maps 0..255 onto Y' 16..235 and Cb/Cr 16..240") {
  const RangeScales limited = range_scales(Range::Limited);
  CHECK(limited.luma_offset + limited.luma_scale * 255.0 == doctest::Approx(235.0));
  CHECK(128.0 + limited.chroma_scale * 127.5 == doctest::Approx(240.0));
  CHECK(limited.luma_offset == 16.0);
  const RangeScales full = range_scales(Range::Full);
  CHECK(full.luma_scale == 1.0);
  CHECK(full.chroma_scale == 1.0);
  CHECK(full.luma_offset == 0.0);
  CHECK(range_name(Range::Full) == "full");
  CHECK(range_name(Range::Limited) == "limited");
}

TEST_CASE("chroma_site_name and the default colour") {
  CHECK(chroma_site_name(ChromaSite::Left) == "mpeg2 (left)");
  CHECK(chroma_site_name(ChromaSite::Center) == "jpeg (centre)");
  CHECK(default_color_spec({1920, 1080}) == ColorSpec{Matrix::BT601, Range::Limited});
}
