// Every public header, through the umbrella, in a strict consumer's translation unit; plus a few
// instantiations that the custom_stage example does not make.
#include <framepipe/framepipe.hpp>

namespace {

[[maybe_unused]] void instantiate_more() {
  using namespace framepipe;
  Frame<PixelFormat::RGBA32> rgba({33, 17});
  Frame<PixelFormat::NV12> nv12({33, 17});
  Nv12Packer{}.convert(rgba.view(), nv12.view());
  Pipeline p{FunctionGenerator<PixelFormat::RGB24>{
                 {.size = {7, 5}}, [](FrameView<PixelFormat::RGB24>, const FrameTime&) {}},
             Nv12Packer{}, NullSink{}};
  p.run({.frames = 1, .fps = {30000, 1001}});
  Pipeline clock{TextClockGenerator{{.size = {64, 48}}}, I420Packer{}, NullSink{}};
  clock.run({.frames = 1});
}

}  // namespace
