#include <cstdlib>
#include <vector>

#include "framepipe/convert/kernels/unpack_dispatch.hpp"
using namespace framepipe;
using namespace framepipe::kernels;
namespace {
struct Bufs {
  int w, h;
  std::vector<uint8_t> y, u, v, out;
  Bufs(int w_, int h_)
      : w(w_),
        h(h_),
        y(size_t(w) * h),
        u(size_t(w / 2) * (h / 2)),
        v(u.size()),
        out(size_t(w) * 3 * h) {
    srand(1);
    for (auto* p : {&y, &u, &v})
      for (auto& b : *p) b = uint8_t(rand());
  }
};
template <UnpackRowFn Row>
void frame(Bufs& b) {
  static const UnpackCoefficients k = unpack_coefficients(ColorSpec{});
  const int cw = b.w / 2, ch = b.h / 2;
  for (int yy = 0; yy < b.h; ++yy) {
    const int j = yy / 2;
    const int far = yy % 2 == 0 ? (j > 0 ? j - 1 : 0) : (j + 1 < ch ? j + 1 : j);
    Row(b.y.data() + size_t(yy) * b.w, b.u.data() + size_t(j) * cw, b.u.data() + size_t(far) * cw,
        b.v.data() + size_t(j) * cw, b.v.data() + size_t(far) * cw,
        b.out.data() + size_t(yy) * b.w * 3, b.w, k);
  }
}
}  // namespace
constexpr auto I = PixelFormat::I420;
constexpr auto O = PixelFormat::BGR24;
constexpr auto C = ChromaSite::Center;
void VARIANT(avx512)(void* b) { frame<&unpack_row_replicate_avx512<I, O>>(*static_cast<Bufs*>(b)); }
void VARIANT(avx2)(void* b) { frame<&unpack_row_replicate_avx2<I, O>>(*static_cast<Bufs*>(b)); }
void* VARIANT(make)(int w, int h) { return new Bufs(w, h); }
