#include "framepipe/core/writer.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/generators/test_pattern_generator.hpp"
#include "framepipe/sinks/callback_sink.hpp"

using namespace framepipe;
using PF = PixelFormat;

namespace {

/// What a CallbackSink saw: every frame's time and a copy of its bytes.
struct Received {
  std::vector<FrameTime> times;
  std::vector<Frame<PF::I420>> frames;
  bool finished = false;
};

CallbackSink<PF::I420> recording_sink(Received& r) {
  return CallbackSink<PF::I420>{[&r](FrameView<PF::I420> f, const FrameTime& t) {
                                  r.times.push_back(t);
                                  Frame<PF::I420> copy(f.size());
                                  std::copy_n(f.plane(0), copy.size_bytes(), copy.data());
                                  r.frames.push_back(std::move(copy));
                                },
                                [&r] { r.finished = true; }};
}

bool same_bytes(const Frame<PF::I420>& a, const Frame<PF::I420>& b) {
  return a.size_bytes() == b.size_bytes() &&
         std::equal(a.data(), a.data() + a.size_bytes(), b.data());
}

}  // namespace

TEST_CASE("Writer packs each written frame, in order, with exact timestamps") {
  Received r;
  TestPatternGenerator pattern{{.size = {64, 48}}};
  Frame<PF::BGR24> frame({64, 48});
  {
    Writer<PF::BGR24, I420Packer, CallbackSink<PF::I420>> w{
        {.size = {64, 48}, .fps = {30000, 1001}}, I420Packer{}, recording_sink(r)};
    static_assert(decltype(w)::sink_format == PF::I420);
    for (std::uint64_t i = 0; i < 100; ++i) {
      pattern.generate(frame.view(), FrameTime::at(i, {30, 1}));  // moving content
      w.write(frame.view());
    }
    const Stats s = w.close();
    CHECK(s.frames == 100);
    CHECK(s.bytes == 100 * default_layout(PF::I420, {64, 48}).size);
    CHECK_FALSE(w.is_open());
  }
  CHECK(r.finished);
  REQUIRE(r.times.size() == 100);
  Frame<PF::I420> expected({64, 48});
  for (std::uint64_t i = 0; i < 100; ++i) {
    CHECK(r.times[i] == FrameTime::at(i, {30000, 1001}));
    pattern.generate(frame.view(), FrameTime::at(i, {30, 1}));
    I420Packer{}.convert(frame.view(), expected.view());
    CHECK(same_bytes(r.frames[i], expected));
  }
}

TEST_CASE("Writer takes explicit, variable timestamps and rejects ones that do not increase") {
  Received r;
  Frame<PF::RGB24> frame({8, 8});
  Writer<PF::RGB24, I420Packer, CallbackSink<PF::I420>> w{
      {.size = {8, 8}, .fps = {25, 1}, .timestamps = Timestamps::Explicit},
      I420Packer{},
      recording_sink(r)};
  w.write(frame.view(), 0);
  w.write(frame.view(), 40'000'000);
  w.write(frame.view(), 95'000'000);  // variable rate: a late frame
  CHECK_THROWS_WITH_AS(w.write(frame.view(), 95'000'000), doctest::Contains("must increase"),
                       InvalidArgument);
  CHECK_THROWS_AS(w.write(frame.view(), 10), InvalidArgument);
  CHECK_THROWS_AS(w.write(frame.view()), InvalidArgument);  // explicit mode needs a pts
  w.close();
  REQUIRE(r.times.size() == 3);
  CHECK(r.times[2].pts == 95'000'000);
  CHECK(r.times[2].index == 2);
  CHECK(r.times[2].duration == 40'000'000);  // one nominal period
}

TEST_CASE("Writer with clock timestamps gives increasing pts") {
  Received r;
  Frame<PF::BGRA32> frame({4, 4});
  Writer<PF::BGRA32, I420Packer, CallbackSink<PF::I420>> w{
      {.size = {4, 4}, .timestamps = Timestamps::Clock}, I420Packer{}, recording_sink(r)};
  for (int i = 0; i < 5; ++i) w.write(frame.view());
  CHECK_THROWS_AS(w.write(frame.view(), 123), InvalidArgument);
  w.close();
  REQUIRE(r.times.size() == 5);
  for (std::size_t i = 1; i < 5; ++i) CHECK(r.times[i].pts > r.times[i - 1].pts);
}

TEST_CASE("Writer refuses writes after close and frames of the wrong size") {
  Received r;
  Frame<PF::BGR24> frame({8, 8}), wrong({8, 6});
  Writer<PF::BGR24, I420Packer, CallbackSink<PF::I420>> w{
      {.size = {8, 8}}, I420Packer{}, recording_sink(r)};
  CHECK_THROWS_WITH_AS(w.write(wrong.view()), doctest::Contains("8x6"), InvalidArgument);
  w.write(frame.view());
  w.close();
  CHECK_THROWS_WITH_AS(w.write(frame.view()), doctest::Contains("after close"), Error);
  CHECK(w.close().frames == 1);  // a second close only reports
  CHECK_THROWS_AS((Writer<PF::BGR24, I420Packer, CallbackSink<PF::I420>>{
                      {.size = {0, 8}}, I420Packer{}, recording_sink(r)}),
                  InvalidArgument);
}

TEST_CASE("Writer without a converter copies the frame into the sink's frame") {
  std::vector<int> seen;
  Frame<PF::GRAY8> frame({5, 3});
  Writer<PF::GRAY8, CallbackSink<PF::GRAY8>> w{
      {.size = {5, 3}}, CallbackSink<PF::GRAY8>{[&](FrameView<PF::GRAY8> f, const FrameTime&) {
        seen.push_back(f.row(0, 2)[4]);
        CHECK(f.plane(0) != frame.data());
      }}};
  for (int i = 0; i < 3; ++i) {
    frame.view().row(0, 2)[4] = static_cast<std::uint8_t>(10 * i);
    w.write(frame.view());
  }
  w.close();
  CHECK(seen == std::vector<int>{0, 10, 20});
}

TEST_CASE("Writer refuses UINT64_MAX as an explicit pts: it is GStreamer's \"no timestamp\"") {
  Received r;
  Frame<PF::BGR24> frame({8, 8});
  Writer<PF::BGR24, I420Packer, CallbackSink<PF::I420>> w{
      {.size = {8, 8}, .timestamps = Timestamps::Explicit}, I420Packer{}, recording_sink(r)};
  CHECK_THROWS_WITH_AS(w.write(frame.view(), UINT64_MAX), doctest::Contains("no timestamp"),
                       InvalidArgument);
  w.write(frame.view(), UINT64_MAX - 1);  // the largest real time is fine
  CHECK(w.close().frames == 1);
}

namespace {

/// Records whether the stream ended through finish() or abort().
struct EndRecordingSink {
  static constexpr PixelFormat input = PF::GRAY8;
  std::vector<std::string>* ends;
  Frame<PF::GRAY8> frame{Size{2, 2}};
  FrameView<PF::GRAY8> acquire() { return frame.view(); }
  void submit(const FrameTime&) {}
  void finish() { ends->push_back("finish"); }
  void abort() noexcept { ends->push_back("abort"); }
};

}  // namespace

TEST_CASE("Writer's destructor closes, but aborts while an exception unwinds") {
  std::vector<std::string> ends;
  Frame<PF::GRAY8> frame({2, 2});
  {
    Writer<PF::GRAY8, EndRecordingSink> w{{.size = {2, 2}}, EndRecordingSink{&ends}};
    w.write(frame.view());
  }
  CHECK(ends == std::vector<std::string>{"finish"});
  ends.clear();
  try {
    Writer<PF::GRAY8, EndRecordingSink> w{{.size = {2, 2}}, EndRecordingSink{&ends}};
    w.write(frame.view());
    throw std::runtime_error("the caller's loop failed");
  } catch (const std::runtime_error&) {
  }
  CHECK(ends == std::vector<std::string>{"abort"});
  ends.clear();
  {
    Writer<PF::GRAY8, EndRecordingSink> w{{.size = {2, 2}}, EndRecordingSink{&ends}};
    w.close();
  }  // closed once: the destructor adds nothing
  CHECK(ends == std::vector<std::string>{"finish"});
}
