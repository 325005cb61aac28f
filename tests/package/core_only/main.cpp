// A consumer of framepipe::core alone: converters without GStreamer or OpenCV.
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <framepipe/convert/i420_packer.hpp>
#include <framepipe/convert/nv12_packer.hpp>
#include <framepipe/core/frame.hpp>
#include <framepipe/core/pipeline.hpp>
#include <framepipe/generators/test_pattern_generator.hpp>
#include <framepipe/sinks/null_sink.hpp>

// framepipe::core must bring neither dependency onto the include path, nor their macros.
#if defined(FRAMEPIPE_HAS_GST) || defined(FRAMEPIPE_HAS_OPENCV)
#  error "framepipe::core carries FRAMEPIPE_HAS_GST or FRAMEPIPE_HAS_OPENCV"
#endif
#if __has_include(<gst/gst.h>) || __has_include(<opencv2/core.hpp>)
#  error "framepipe::core put GStreamer or OpenCV headers on the include path"
#endif

int main() {
  using namespace framepipe;
  Frame<PixelFormat::BGR24> src({33, 17});
  Frame<PixelFormat::I420> dst({33, 17});
  const auto in = src.view();
  for (int y = 0; y < in.height(); ++y) {
    std::memset(in.plane(0) + static_cast<std::size_t>(y) * in.stride(0), 255,
                static_cast<std::size_t>(in.width()) * 3);
  }
  I420Packer{}.convert(src.view(), dst.view());
  const int luma = dst.view().plane(0)[0];
  if (luma != 235) {
    std::fprintf(stderr, "core_only: white BGR packed to Y = %d, expected 235\n", luma);
    return 1;
  }
  std::printf("core_only: white BGR packed to Y = %d\n", luma);

  // A whole chain too, so that the run loop is instantiated under the consumer's warning flags.
  Pipeline chain{TestPatternGenerator{{.size = {33, 17}}}, Nv12Packer{}, NullSink{}};
  const Stats stats = chain.run({.frames = 3, .fps = {30000, 1001}});
  if (stats.frames != 3) {
    std::fprintf(stderr, "core_only: the pipeline ran %llu frames, expected 3\n",
                 static_cast<unsigned long long>(stats.frames));
    return 1;
  }
  std::printf("core_only: pipeline ran %llu frames\n",
              static_cast<unsigned long long>(stats.frames));
  return 0;
}
