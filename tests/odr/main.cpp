// odr_test: odr_a.cpp and odr_b.cpp both include every framepipe header; if this links and
// both units compute the same result, the headers' definitions are ODR-safe.
#include <cstdio>

int odr_a_white_luma();
int odr_b_white_luma();

int main() {
  const int a = odr_a_white_luma();
#if defined(FRAMEPIPE_ODR_B_IS_AVX2)
  // odr_b.cpp was compiled with -mavx2 (odr_mixed_isa_test): only this CPU may run it.
  if (!__builtin_cpu_supports("avx2")) {
    std::printf("odr_test: white luma %d (unit a); no AVX2 here, unit b not run\n", a);
    return a == 235 ? 0 : 1;
  }
#endif
  const int b = odr_b_white_luma();
  std::printf("odr_test: white luma %d (unit a), %d (unit b)\n", a, b);
  if (a != 235 || b != 235) {
    std::fprintf(stderr, "odr_test: expected 235 from both units (BT.601 limited range)\n");
    return 1;
  }
  return 0;
}
