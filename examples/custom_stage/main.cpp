// Custom stages next to built-in ones: a converter and a sink written by the user, each once as a
// class and once as a lambda, in three short pipelines. Headless; prints what each one did.
//
//   custom_stage [output.i420]   (default: custom_stage.i420 in the current directory)
//
// docs/custom-stages.md walks through this file.
#include <cstdint>
#include <cstdio>
#include <framepipe/framepipe.hpp>
#include <string>

using namespace framepipe;

// ---- A converter as a class: BGR24 in, GRAY8 out -------------------------------------------
// A converter states the format it takes (`input`) and the one it makes (`output`), and fills
// `out`, which the pipeline sizes like `in`.
class Grayscale {
 public:
  static constexpr PixelFormat input = PixelFormat::BGR24;
  static constexpr PixelFormat output = PixelFormat::GRAY8;

  void convert(FrameView<input> in, FrameView<output> out) const {
    for (int y = 0; y < in.height(); ++y) {
      const std::uint8_t* src = in.row(0, y);
      std::uint8_t* dst = out.row(0, y);
      for (int x = 0; x < in.width(); ++x) {
        // BT.601 luma weights in 8-bit fixed point (29 + 150 + 77 = 256).
        const int b = src[3 * x], g = src[3 * x + 1], r = src[3 * x + 2];
        dst[x] = static_cast<std::uint8_t>((29 * b + 150 * g + 77 * r + 128) >> 8);
      }
    }
  }
};

// ---- A sink as a class: takes GRAY8 frames and reports their mean brightness ---------------
// A sink lends the frame the last stage writes into (`acquire`), gets it back filled (`submit`)
// and ends the stream (`finish`). `start` is optional: it is told the size before frame 0.
class MeanBrightnessSink {
 public:
  static constexpr PixelFormat input = PixelFormat::GRAY8;

  void start(const StreamSpec& spec) { frame_ = Frame<input>(spec.size); }
  FrameView<input> acquire() { return frame_.view(); }
  void submit(const FrameTime& time) {
    const FrameView<input> f = frame_.view();
    std::uint64_t sum = 0;
    for (int y = 0; y < f.height(); ++y) {
      for (int x = 0; x < f.width(); ++x) sum += f.row(0, y)[x];
    }
    const auto pixels =
        static_cast<std::uint64_t>(f.width()) * static_cast<std::uint64_t>(f.height());
    last_mean_ = static_cast<double>(sum) / static_cast<double>(pixels);
    ++frames_;
    if (time.index == 0) std::printf("  frame 0: mean brightness %.1f\n", last_mean_);
  }
  void finish() { std::printf("  %d frames, last mean brightness %.1f\n", frames_, last_mean_); }

 private:
  Frame<input> frame_;
  int frames_ = 0;
  double last_mean_ = 0.0;
};

int main(int argc, char** argv) {
  const std::string output_path = argc > 1 ? argv[1] : "custom_stage.i420";
  const GeneratorOptions size{.size = {160, 120}};

  // 1. Both custom stages as classes, after a built-in generator.
  std::printf("1. TestPatternGenerator -> Grayscale -> MeanBrightnessSink\n");
  Pipeline gray{TestPatternGenerator{size}, Grayscale{}, MeanBrightnessSink{}};
  gray.run({.frames = 10});

  // 2. The same roles as lambdas: a converter that draws a 4-pixel white border (BGR24 ->
  //    BGR24), then the built-in packer, then a sink that checks the border came out white in Y.
  std::printf(
      "2. TestPatternGenerator -> FunctionConverter (border) -> I420Packer -> "
      "CallbackSink\n");
  FunctionConverter<PixelFormat::BGR24, PixelFormat::BGR24> border{
      [](FrameView<PixelFormat::BGR24> in, FrameView<PixelFormat::BGR24> out) {
        for (int y = 0; y < in.height(); ++y) {
          for (int x = 0; x < in.width() * 3; ++x) {
            const bool edge = y < 4 || y >= in.height() - 4 || x < 12 || x >= (in.width() - 4) * 3;
            out.row(0, y)[x] = edge ? 255 : in.row(0, y)[x];
          }
        }
      }};
  int white_corners = 0;
  CallbackSink<PixelFormat::I420> check{[&](FrameView<PixelFormat::I420> f, const FrameTime&) {
    // Limited range: white is Y = 235.
    if (f.row(0, 0)[0] == 235 && f.row(0, f.height() - 1)[f.width() - 1] == 235) ++white_corners;
  }};
  Pipeline framed{TestPatternGenerator{size}, border, I420Packer{}, check};
  const Stats framed_stats = framed.run({.frames = 10});
  std::printf("  %llu frames packed to I420, %d with white corners (Y=235)\n",
              static_cast<unsigned long long>(framed_stats.frames), white_corners);

  // 3. A custom stage in a chain that ends in GStreamer: the class converter, and a lambda
  //    converter back to BGR24 for the packer, into appsrc ! filesink (raw I420, 25 frames).
  std::printf(
      "3. TestPatternGenerator -> Grayscale -> FunctionConverter (gray to BGR) -> "
      "I420Packer -> AppSrcSink\n");
  FunctionConverter<PixelFormat::GRAY8, PixelFormat::BGR24> gray_to_bgr{
      [](FrameView<PixelFormat::GRAY8> in, FrameView<PixelFormat::BGR24> out) {
        for (int y = 0; y < in.height(); ++y) {
          for (int x = 0; x < in.width(); ++x) {
            std::uint8_t* px = out.row(0, y) + 3 * x;
            px[0] = px[1] = px[2] = in.row(0, y)[x];
          }
        }
      }};
  Pipeline to_file{TestPatternGenerator{size}, Grayscale{}, gray_to_bgr, I420Packer{},
                   AppSrcSink{"filesink location=\"" + output_path + "\""}};
  const Stats file_stats = to_file.run({.frames = 25, .fps = {25, 1}});
  std::printf("  %llu frames, %llu bytes of I420 written to %s\n",
              static_cast<unsigned long long>(file_stats.frames),
              static_cast<unsigned long long>(file_stats.bytes), output_path.c_str());

  // NullSink takes any format: handy to time a chain without a destination.
  Pipeline dry{TestPatternGenerator{size}, Grayscale{}, NullSink{}};
  std::printf("4. TestPatternGenerator -> Grayscale -> NullSink: %llu frames\n",
              static_cast<unsigned long long>(dry.run({.frames = 5}).frames));
  return 0;
}
