#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#define DECL(p)          \
  void p##avx512(void*); \
  void p##avx2(void*);   \
  void* p##make(int, int);
DECL(new_) DECL(old_) int main(int argc, char** argv) {
  int w = atoi(argv[1]), h = atoi(argv[2]);
  void* bn = new_make(w, h);
  void* bo = old_make(w, h);
  struct V {
    const char* name;
    void (*f)(void*);
    void* b;
    double best = 1e30;
  } vs[] = {{"new avx512", new_avx512, bn},
            {"old avx512", old_avx512, bo},
            {"new avx2", new_avx2, bn},
            {"old avx2", old_avx2, bo}};
  for (int round = 0; round < 40; ++round)
    for (auto& v : vs) {
      auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < 5; ++i) v.f(v.b);
      double t =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
          5;
      v.best = std::min(v.best, t);
    }
  for (auto& v : vs) printf("%dx%d %-11s %.3f ms\n", w, h, v.name, v.best);
}
