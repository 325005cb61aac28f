// WithAudio<G, A>: a video generator and the audio generator that sounds beside it, as the first
// stage of one Pipeline whose sink takes both (e.g. an AppSrcSink with an audio appsrc).
#pragma once

#include <concepts>
#include <utility>

#include "framepipe/core/audio_stage.hpp"
#include "framepipe/core/color_space.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/stage.hpp"

namespace framepipe {

/// A Generator (the video of `G`) that carries an AudioGenerator `A`. Pipeline draws the frames
/// as from `G` and, before handing frame i to the sink, has `A` draw the audio up to the end of
/// frame i straight into the memory the sink lends: both streams side by side, timed by the
/// frame index and the sample count, one thread, one engine.
/// \code
///   Pipeline p{WithAudio{TextClockGenerator{{.size = {320, 240}}}, BeepGenerator{}},
///              I420Packer{},
///              AppSrcSink::launch("appsrc name=video ! … ! mux.  appsrc name=audio ! … ! mux.  "
///                                 "matroskamux name=mux ! filesink location=a.mkv",
///                                 {.appsrc_name = "video", .audio_appsrc_name = "audio"})};
/// \endcode
template <class G, class A>
class WithAudio {
  static_assert(Generator<G>, "framepipe::WithAudio: the first argument must be a Generator");
  static_assert(AudioGenerator<A>,
                "framepipe::WithAudio: the second argument must be an AudioGenerator (static "
                "constexpr AudioFormat output; AudioSpec audio_spec() const; "
                "generate(AudioView<output>, const AudioTime&))");

 public:
  static constexpr PixelFormat output = G::output;
  static constexpr bool draws_concurrently = DrawsConcurrently<G>;

  WithAudio(G video, A audio) : video_(std::move(video)), audio_(std::move(audio)) {}

  Size size() const { return video_.size(); }
  void generate(FrameView<output> frame, const FrameTime& time) { video_.generate(frame, time); }
  /// The colour `G` states, when it states one.
  ColorSpec color_spec(Size size) const requires requires(const G& g) {
    { g.color_spec(size) } -> std::convertible_to<ColorSpec>;
  }
  { return video_.color_spec(size); }

  G& video() { return video_; }
  const G& video() const { return video_; }
  A& audio() { return audio_; }
  const A& audio() const { return audio_; }

 private:
  G video_;
  A audio_;
};

}  // namespace framepipe
