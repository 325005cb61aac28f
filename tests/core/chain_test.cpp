#include "framepipe/core/chain.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "framepipe/convert/function_converter.hpp"
#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/sinks/callback_sink.hpp"

using namespace framepipe;
using PF = PixelFormat;

namespace {

struct Caller {};  // the source, named in diagnostics only

/// Records the plane pointers each stage reads and the sink receives.
struct Seen {
  std::vector<const std::uint8_t*> inverted_from;
  std::vector<const std::uint8_t*> sink_got;
  std::vector<FrameTime> times;
};

auto invert(Seen& seen) {
  return FunctionConverter<PF::GRAY8, PF::GRAY8>{
      [&seen](FrameView<PF::GRAY8> in, FrameView<PF::GRAY8> out) {
        seen.inverted_from.push_back(in.plane(0));
        for (int y = 0; y < in.height(); ++y) {
          for (int x = 0; x < in.width(); ++x) {
            out.row(0, y)[x] = static_cast<std::uint8_t>(255 - in.row(0, y)[x]);
          }
        }
      }};
}

auto recording_sink(Seen& seen) {
  return CallbackSink<PF::GRAY8>{[&seen](FrameView<PF::GRAY8> f, const FrameTime& t) {
    seen.sink_got.push_back(f.plane(0));
    seen.times.push_back(t);
    CHECK(f.row(0, 1)[2] == static_cast<std::uint8_t>(t.index));  // inverted twice
  }};
}

}  // namespace

TEST_CASE("ChainEngine works out every stage's format at compile time") {
  using E = detail::ChainEngine<Caller, PF::BGR24, I420Packer, CallbackSink<PF::I420>>;
  static_assert(E::formats == std::array{PF::BGR24, PF::I420});
  static_assert(E::sink_format == PF::I420);
  static_assert(E::links_ok);
  using Direct = detail::ChainEngine<Caller, PF::NV12, CallbackSink<PF::NV12>>;
  static_assert(Direct::kConverters == 0 && Direct::sink_format == PF::NV12);
  CHECK(E::kConverters == 1);
}

TEST_CASE("ChainEngine reads a lent frame in place and reuses its intermediate frame") {
  Seen seen;
  detail::ChainEngine<Caller, PF::GRAY8, FunctionConverter<PF::GRAY8, PF::GRAY8>,
                      FunctionConverter<PF::GRAY8, PF::GRAY8>, CallbackSink<PF::GRAY8>>
      chain{invert(seen), invert(seen), recording_sink(seen)};
  chain.open({.size = {5, 3}, .fps = {30, 1}});
  CHECK(chain.is_open());
  Frame<PF::GRAY8> frame({5, 3});
  Stats stats;
  for (std::uint64_t i = 0; i < 3; ++i) {
    frame.view().row(0, 1)[2] = static_cast<std::uint8_t>(i);
    chain.push(frame.view(), FrameTime::at(i, {30, 1}), stats);
  }
  chain.close(stats);
  CHECK_FALSE(chain.is_open());
  CHECK(stats.frames == 3);
  CHECK(stats.bytes == 3 * default_layout(PF::GRAY8, {5, 3}).size);
  REQUIRE(seen.inverted_from.size() == 6);
  CHECK(seen.inverted_from[0] == frame.data());  // the first converter reads the caller's frame
  CHECK(seen.inverted_from[1] != frame.data());  // the second reads the one intermediate
  CHECK(seen.inverted_from[1] == seen.inverted_from[3]);
  CHECK(seen.inverted_from[3] == seen.inverted_from[5]);
  REQUIRE(seen.times.size() == 3);
  CHECK(seen.times[2] == FrameTime::at(2, {30, 1}));
}

TEST_CASE("ChainEngine lets a drawing source write straight into the sink's frame") {
  std::vector<const std::uint8_t*> drawn_into, received;
  detail::ChainEngine<Caller, PF::GRAY8, CallbackSink<PF::GRAY8>> chain{CallbackSink<PF::GRAY8>{
      [&](FrameView<PF::GRAY8> f, const FrameTime&) { received.push_back(f.plane(0)); }}};
  chain.open({.size = {4, 4}, .fps = {30, 1}});
  Stats stats;
  for (std::uint64_t i = 0; i < 2; ++i) {
    chain.push_drawn([&](FrameView<PF::GRAY8> f) { drawn_into.push_back(f.plane(0)); },
                     FrameTime::at(i, {30, 1}), stats);
  }
  chain.close(stats);
  CHECK(drawn_into == received);
  CHECK(stats.frames == 2);
}

TEST_CASE("ChainEngine refuses a frame of the wrong size before touching the sink") {
  int submitted = 0;
  detail::ChainEngine<Caller, PF::GRAY8, CallbackSink<PF::GRAY8>> chain{
      CallbackSink<PF::GRAY8>{[&](FrameView<PF::GRAY8>, const FrameTime&) { ++submitted; }}};
  chain.open({.size = {4, 4}, .fps = {30, 1}});
  Frame<PF::GRAY8> wrong({4, 5});
  Stats stats;
  CHECK_THROWS_WITH_AS(chain.push(wrong.view(), FrameTime::at(0, {30, 1}), stats),
                       doctest::Contains("4x5"), InvalidArgument);
  CHECK(submitted == 0);
  CHECK(stats.frames == 0);
}

TEST_CASE("ChainEngine's abort() ends an open stream once, and is a no-op once closed") {
  int finished = 0;
  detail::ChainEngine<Caller, PF::GRAY8, CallbackSink<PF::GRAY8>> chain{
      CallbackSink<PF::GRAY8>{[](FrameView<PF::GRAY8>, const FrameTime&) {}, [&] { ++finished; }}};
  chain.open({.size = {2, 2}, .fps = {30, 1}});
  chain.abort();  // CallbackSink has no abort(): finish() stands in, errors dropped
  CHECK(finished == 1);
  chain.abort();
  Stats stats;
  chain.close(stats);
  CHECK(finished == 1);
  CHECK_THROWS_AS(chain.open({.size = {2, 2}, .fps = {1, kMaxFrameRateDen + 1}}), InvalidArgument);
}

namespace {

/// A Y'CbCr -> Y'CbCr converter that records the stream it was told it will receive.
struct TellsInput {
  static constexpr PixelFormat input = PF::I420;
  static constexpr PixelFormat output = PF::I420;
  StreamSpec* told;
  void start(const StreamSpec& spec) { *told = spec; }
  void convert(FrameView<PF::I420>, FrameView<PF::I420>) {}
};

}  // namespace

TEST_CASE("ChainEngine tells each converter its input stream, and the sink the stream it gets") {
  StreamSpec converter_got, sink_got;
  const ColorSpec bt709_full{Matrix::BT709, Range::Full};
  SUBCASE("Y'CbCr through a Y'CbCr converter keeps its colour and siting") {
    detail::ChainEngine<Caller, PF::I420, TellsInput, CallbackSink<PF::I420>> chain{
        TellsInput{&converter_got},
        CallbackSink<PF::I420>{[](FrameView<PF::I420>, const FrameTime&) {}}};
    chain.open({.size = {8, 6},
                .fps = {25, 1},
                .color = bt709_full,
                .chroma_site = ChromaSite::Left,
                .pacing = Pacing::RealTime});
    sink_got = chain.sink().spec();
    CHECK(converter_got.format == PF::I420);
    CHECK(converter_got.color == bt709_full);
    CHECK(converter_got.chroma_site == ChromaSite::Left);
    CHECK(sink_got.color == bt709_full);
    CHECK(sink_got.chroma_site == ChromaSite::Left);
    CHECK(sink_got.fps == FrameRate{25, 1});
    CHECK(sink_got.pacing == Pacing::RealTime);
  }
  SUBCASE("a packer states the colour it makes, centre-sited") {
    detail::ChainEngine<Caller, PF::BGR24, I420Packer, CallbackSink<PF::I420>> chain{
        I420Packer{{.matrix = Matrix::BT2020}},
        CallbackSink<PF::I420>{[](FrameView<PF::I420>, const FrameTime&) {}}};
    chain.open({.size = {8, 6}, .fps = {25, 1}});
    sink_got = chain.sink().spec();
    CHECK(sink_got.format == PF::I420);
    CHECK(sink_got.color == ColorSpec{Matrix::BT2020, Range::Limited});
    CHECK(sink_got.chroma_site == ChromaSite::Center);
  }
  SUBCASE("leaving Y'CbCr drops the colour description") {
    detail::ChainEngine<Caller, PF::I420, FunctionConverter<PF::I420, PF::GRAY8>,
                        CallbackSink<PF::GRAY8>>
        chain{FunctionConverter<PF::I420, PF::GRAY8>{
                  [](FrameView<PF::I420>, FrameView<PF::GRAY8>) {}},
              CallbackSink<PF::GRAY8>{[](FrameView<PF::GRAY8>, const FrameTime&) {}}};
    chain.open({.size = {8, 6}, .fps = {25, 1}, .color = bt709_full});
    CHECK_FALSE(chain.sink().spec().color.has_value());
    CHECK(chain.sink().spec().format == PF::GRAY8);
  }
}
