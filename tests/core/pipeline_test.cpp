#include "framepipe/core/pipeline.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <initializer_list>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "framepipe/convert/function_converter.hpp"
#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/generators/function_generator.hpp"
#include "framepipe/generators/test_pattern_generator.hpp"
#include "framepipe/sinks/callback_sink.hpp"
#include "framepipe/sinks/null_sink.hpp"

using namespace framepipe;
using namespace std::chrono_literals;
using PF = PixelFormat;

namespace {

/// BGR24 -> GRAY8 by taking the green channel: a deliberately simple custom converter class.
struct GreenToGray {
  static constexpr PixelFormat input = PF::BGR24;
  static constexpr PixelFormat output = PF::GRAY8;
  void convert(FrameView<PF::BGR24> in, FrameView<PF::GRAY8> out) const {
    for (int y = 0; y < in.height(); ++y) {
      for (int x = 0; x < in.width(); ++x) out.row(0, y)[x] = in.row(0, y)[3 * x + 1];
    }
  }
};

}  // namespace

TEST_CASE("Pipeline computes the format after every stage at compile time") {
  using P = Pipeline<TestPatternGenerator, I420Packer, NullSink>;
  static_assert(P::formats.size() == 2);
  static_assert(P::formats[0] == PF::BGR24);
  static_assert(P::sink_format == PF::I420);
  using Q = Pipeline<TestPatternGenerator, GreenToGray, FunctionConverter<PF::GRAY8, PF::GRAY8>,
                     CallbackSink<PF::GRAY8>>;
  static_assert(Q::formats == std::array{PF::BGR24, PF::GRAY8, PF::GRAY8});
  using R = Pipeline<TestPatternGenerator, NullSink>;
  static_assert(R::sink_format == PF::BGR24);
  CHECK(P::sink_format == PF::I420);
}

TEST_CASE("Pipeline with no converter lets the generator draw straight into the sink's frame") {
  std::vector<FrameTime> times;
  std::vector<const std::uint8_t*> pixels;
  FunctionGenerator<PF::GRAY8> gen{{.size = {4, 2}},
                                   [](FrameView<PF::GRAY8> f, const FrameTime& t) {
                                     f.row(0, 1)[3] = static_cast<std::uint8_t>(t.index);
                                   }};
  CallbackSink<PF::GRAY8> sink{[&](FrameView<PF::GRAY8> f, const FrameTime& t) {
    times.push_back(t);
    pixels.push_back(f.plane(0));
    CHECK(f.row(0, 1)[3] == t.index);
  }};
  Pipeline p{gen, sink};
  const Stats s = p.run({.frames = 5, .fps = {30000, 1001}});
  CHECK(s.frames == 5);
  CHECK(s.bytes == 5 * default_layout(PF::GRAY8, {4, 2}).size);
  REQUIRE(times.size() == 5);
  for (std::uint64_t i = 0; i < 5; ++i) CHECK(times[i] == FrameTime::at(i, {30000, 1001}));
  // One frame reused throughout: no allocation per frame.
  CHECK(pixels[0] == pixels[4]);
}

TEST_CASE("Pipeline chains converters, reusing its intermediate frames") {
  std::vector<const std::uint8_t*> seen;
  FunctionConverter<PF::GRAY8, PF::GRAY8> invert{
      [&](FrameView<PF::GRAY8> in, FrameView<PF::GRAY8> out) {
        seen.push_back(in.plane(0));
        for (int y = 0; y < in.height(); ++y) {
          for (int x = 0; x < in.width(); ++x) {
            out.row(0, y)[x] = static_cast<std::uint8_t>(255 - in.row(0, y)[x]);
          }
        }
      }};
  int checked = 0;
  Frame<PF::BGR24> reference({33, 17});
  TestPatternGenerator pattern{{.size = {33, 17}}};
  CallbackSink<PF::GRAY8> sink{[&](FrameView<PF::GRAY8> f, const FrameTime& t) {
    pattern.generate(reference.view(), t);
    bool ok = true;
    for (int y = 0; y < 17; ++y) {
      for (int x = 0; x < 33; ++x) {
        ok = ok && f.row(0, y)[x] == 255 - reference.view().row(0, y)[3 * x + 1];
      }
    }
    CHECK(ok);
    ++checked;
  }};
  Pipeline p{TestPatternGenerator{{.size = {33, 17}}}, GreenToGray{}, invert, sink};
  p.run({.frames = 4});
  CHECK(checked == 4);
  REQUIRE(seen.size() == 4);
  CHECK(seen[0] == seen[3]);
}

TEST_CASE("Pipeline tells the sink the format, size, rate and the packer's colour") {
  StreamSpec told;
  CallbackSink<PF::I420> sink{[](FrameView<PF::I420>, const FrameTime&) {}};
  Pipeline p{TestPatternGenerator{{.size = {1280, 720}}}, I420Packer{{.range = Range::Full}}, sink};
  p.run({.frames = 1, .fps = {25, 1}});
  told = p.sink().spec();
  CHECK(told.format == PF::I420);
  CHECK(told.size == Size{1280, 720});
  CHECK(told.fps == FrameRate{25, 1});
  REQUIRE(told.color.has_value());
  CHECK(*told.color == ColorSpec{Matrix::BT601, Range::Full});
  CHECK(told.pacing == Pacing::AsFastAsPossible);
}

TEST_CASE("Pipeline runs for a duration: the frames whose pts falls inside it") {
  Pipeline p{TestPatternGenerator{{.size = {8, 8}}}, NullSink{}};
  CHECK(p.run({.fps = {30000, 1001}, .duration = std::chrono::seconds(1)}).frames == 30);
  CHECK(p.run({.fps = {30, 1}, .duration = std::chrono::seconds(5)}).frames == 150);
  CHECK(p.run({.fps = {30, 1}, .duration = std::chrono::milliseconds(34)}).frames == 2);
  CHECK(p.sink().frames() == 182);
}

TEST_CASE("Pipeline::run rejects a run with no length or a bad rate") {
  Pipeline p{TestPatternGenerator{{.size = {8, 8}}}, NullSink{}};
  CHECK_THROWS_AS(p.run({}), InvalidArgument);
  CHECK_THROWS_AS(p.run({.frames = 3, .fps = {0, 1}}), InvalidArgument);
  CHECK(p.sink().frames() == 0);
}

TEST_CASE("Pipeline paced in real time never delivers a frame before its pts") {
  using Clock = std::chrono::steady_clock;
  std::vector<Clock::duration> arrivals;
  const auto start = Clock::now();
  CallbackSink<PF::BGR24> sink{
      [&](FrameView<PF::BGR24>, const FrameTime&) { arrivals.push_back(Clock::now() - start); }};
  Pipeline p{TestPatternGenerator{{.size = {8, 8}}}, sink};
  p.run({.frames = 4, .fps = {50, 1}, .pacing = Pacing::RealTime});
  REQUIRE(arrivals.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(arrivals[i] >= std::chrono::nanoseconds(FrameTime::at(i, {50, 1}).pts));
  }
}

TEST_CASE("Pipeline reports progress and passes stage exceptions through") {
  int calls = 0;
  Pipeline p{TestPatternGenerator{{.size = {8, 8}}}, NullSink{}};
  p.run({.frames = 3,
         .on_progress = [&](const Stats& s) { calls += s.frames > 0 ? 1 : 0; },
         .progress_interval = std::chrono::milliseconds(0)});
  CHECK(calls == 3);

  Pipeline failing{FunctionGenerator<PF::BGR24>{{.size = {2, 2}},
                                                [](FrameView<PF::BGR24>, const FrameTime& t) {
                                                  if (t.index == 2)
                                                    throw std::runtime_error("boom");
                                                }},
                   NullSink{}};
  CHECK_THROWS_WITH(failing.run({.frames = 5}), "boom");
  CHECK(failing.sink().frames() == 2);
}

namespace {

/// A sink that counts its own drops (every third frame), as AppSrcSink does with a drop policy.
struct DroppingSink {
  static constexpr PixelFormat input = PF::GRAY8;
  Frame<PF::GRAY8> frame{Size{4, 4}};
  std::uint64_t received = 0;
  std::uint64_t lost = 0;
  FrameView<PF::GRAY8> acquire() { return frame.view(); }
  void submit(const FrameTime& t) {
    ++received;
    if (t.index % 3 == 2) ++lost;
  }
  void finish() {}
  StageCounters counters() const { return {lost}; }
};

}  // namespace

TEST_CASE("Pipeline merges the sink's drops into its Stats") {
  Pipeline p{TestPatternGenerator{{.size = {4, 4}}}, GreenToGray{}, DroppingSink{}};
  p.sink().lost = 5;  // counters are cumulative: the run counts only its own
  const Stats s = p.run({.frames = 9});
  CHECK(s.frames == 9);
  CHECK(s.dropped == 3);
  CHECK(s.late == 0);
  CHECK(s.delivered() == 6);
  CHECK(p.stats().dropped == 3);
  CHECK(p.stats().frames == 9);
}

TEST_CASE("Pipeline paced in real time skips and counts frames whose time has passed") {
  std::vector<std::uint64_t> generated;
  FunctionGenerator<PF::GRAY8> gen{{.size = {4, 4}}, [&](FrameView<PF::GRAY8>, const FrameTime& t) {
                                     generated.push_back(t.index);
                                     // Frame 2 takes 5 frame periods: frames 3..5 are then more
                                     // than a period late.
                                     if (t.index == 2) std::this_thread::sleep_for(100ms);
                                   }};
  std::vector<std::uint64_t> delivered;
  CallbackSink<PF::GRAY8> sink{
      [&](FrameView<PF::GRAY8>, const FrameTime& t) { delivered.push_back(t.index); }};
  Pipeline p{gen, sink};
  const Stats s = p.run({.frames = 12, .fps = {50, 1}, .pacing = Pacing::RealTime});
  CHECK(s.late >= 3);
  CHECK(s.dropped == s.late);
  CHECK(s.frames + s.late == 12);
  CHECK(s.frames == delivered.size());
  CHECK(generated == delivered);  // a late frame is not even generated
  for (const std::uint64_t skipped : {3, 4, 5}) {
    CHECK(std::find(delivered.begin(), delivered.end(), skipped) == delivered.end());
  }
  CHECK(delivered.back() == 11);  // it catches up: the last frame is on time again
}

TEST_CASE("request_stop() from another thread ends the run after the current frame") {
  bool finished = false;
  std::atomic<std::uint64_t> seen{0};
  std::promise<void> fifth_frame;
  CallbackSink<PF::GRAY8> sink{[&](FrameView<PF::GRAY8>, const FrameTime&) {
                                 if (++seen == 5) fifth_frame.set_value();
                               },
                               [&] { finished = true; }};
  Pipeline p{TestPatternGenerator{{.size = {4, 4}}}, GreenToGray{}, sink};
  Stats result;
  const auto started = std::chrono::steady_clock::now();
  // 30 s of frames in real time: only request_stop() can end it quickly.
  std::thread runner([&] {
    result = p.run({.frames = 3000, .fps = {100, 1}, .pacing = Pacing::RealTime});
  });
  REQUIRE(fifth_frame.get_future().wait_for(10s) == std::future_status::ready);
  const Stats during = p.stats();  // read while the run goes on
  CHECK(during.frames >= 4);       // published right after the sink's callback returns
  CHECK(during.frames < 3000);
  p.request_stop();
  runner.join();
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  CHECK(finished);  // the sink was finished as usual
  CHECK(result.frames >= 5);
  CHECK(result.frames < 3000);
  CHECK(result.frames == seen.load());
  CHECK(p.stats().frames == result.frames);

  // A request ends one run only: the next one runs to the end.
  finished = false;
  CHECK(p.run({.frames = 3}).frames == 3);
  CHECK(finished);
  // A request made before a run stops it before its first frame, and is then used up.
  p.request_stop();
  CHECK(p.run({.frames = 3}).frames == 0);
  CHECK(p.run({.frames = 3}).frames == 3);
}

namespace {

/// A GRAY8 sink that logs what is called on it and can be told to fail; it refuses a start()
/// while a stream runs, as AppSrcSink does.
struct LoggingSink {
  static constexpr PixelFormat input = PF::GRAY8;
  explicit LoggingSink(std::vector<std::string>* l, std::int64_t fail_submit = -1,
                       bool fail_at_finish = false)
      : log(l), fail_submit_at(fail_submit), fail_finish(fail_at_finish) {}
  std::vector<std::string>* log = nullptr;
  std::int64_t fail_submit_at = -1;  // frame index whose submit() throws
  bool fail_finish = false;
  Frame<PF::GRAY8> frame;
  bool streaming = false;

  void start(const StreamSpec& spec) {
    if (streaming) throw Error("start() while a stream is running");
    streaming = true;
    if (frame.size() != spec.size) frame = Frame<PF::GRAY8>(spec.size);
    log->push_back("start");
  }
  FrameView<PF::GRAY8> acquire() { return frame.view(); }
  void submit(const FrameTime& time) {
    if (static_cast<std::int64_t>(time.index) == fail_submit_at) {
      streaming = false;  // like a sink whose downstream failed: it has stopped itself
      throw Error("downstream failed");
    }
    log->push_back("submit");
  }
  void finish() {
    streaming = false;
    log->push_back("finish");
    if (fail_finish) throw Error("finish failed");
  }
};

struct AbortingSink : LoggingSink {
  using LoggingSink::LoggingSink;
  void abort() noexcept {
    streaming = false;
    log->push_back("abort");
  }
};

using Log = std::vector<std::string>;

Log log_of(std::initializer_list<const char*> entries) {
  return Log(entries.begin(), entries.end());
}

FunctionGenerator<PF::GRAY8> gray_generator(std::int64_t throw_at = -1) {
  return FunctionGenerator<PF::GRAY8>{{.size = {4, 4}},
                                      [throw_at](FrameView<PF::GRAY8>, const FrameTime& t) {
                                        if (static_cast<std::int64_t>(t.index) == throw_at) {
                                          throw std::runtime_error("generator failed");
                                        }
                                      }};
}

}  // namespace

TEST_CASE("Every way out of a run ends the stream, and the pipeline runs again") {
  Log log;
  SUBCASE("normal end: finish") {
    Pipeline p{gray_generator(), AbortingSink{&log}};
    CHECK(p.run({.frames = 2}).frames == 2);
    CHECK(log == log_of({"start", "submit", "submit", "finish"}));
  }
  SUBCASE("the generator throws: abort, then the exception") {
    Pipeline p{gray_generator(1), AbortingSink{&log}};
    CHECK_THROWS_WITH(p.run({.frames = 3}), "generator failed");
    CHECK(log == log_of({"start", "submit", "abort"}));
    log.clear();
    CHECK_THROWS_WITH(p.run({.frames = 3}), "generator failed");  // runs again
    CHECK(log == log_of({"start", "submit", "abort"}));
  }
  SUBCASE("a converter throws") {
    FunctionConverter<PF::GRAY8, PF::GRAY8> failing{
        [](FrameView<PF::GRAY8>, FrameView<PF::GRAY8>) { throw InvalidArgument("bad frame"); }};
    Pipeline p{gray_generator(), failing, AbortingSink{&log}};
    CHECK_THROWS_AS(p.run({.frames = 3}), InvalidArgument);
    CHECK(log == log_of({"start", "abort"}));
  }
  SUBCASE("on_progress throws") {
    Pipeline p{gray_generator(), AbortingSink{&log}};
    CHECK_THROWS_WITH(p.run({.frames = 3,
                             .on_progress = [](const Stats&) { throw std::logic_error("ui"); },
                             .progress_interval = 0ms}),
                      "ui");
    CHECK(log == log_of({"start", "submit", "abort"}));
  }
  SUBCASE("the sink fails downstream") {
    Pipeline p{gray_generator(), AbortingSink{&log, 1}};
    CHECK_THROWS_WITH(p.run({.frames = 3}), "downstream failed");
    CHECK(log == log_of({"start", "submit", "abort"}));
    p.sink().fail_submit_at = -1;
    log.clear();
    CHECK(p.run({.frames = 1}).frames == 1);
    CHECK(log == log_of({"start", "submit", "finish"}));
  }
  SUBCASE("a sink without abort() is finished, and the stage's exception wins") {
    Pipeline p{gray_generator(0), LoggingSink{&log, -1, true}};
    CHECK_THROWS_WITH(p.run({.frames = 3}), "generator failed");
    CHECK(log == log_of({"start", "finish"}));
    log.clear();
    CHECK_THROWS_WITH(p.run({.frames = 3}), "generator failed");
  }
  SUBCASE("request_stop: finish") {
    Pipeline p{gray_generator(), AbortingSink{&log}};
    p.request_stop();
    CHECK(p.run({.frames = 3}).frames == 0);
    CHECK(log == log_of({"start", "finish"}));
  }
}

namespace {

/// A sink whose downstream never gives a frame back after the first two: acquire() blocks until
/// interrupt() (from another thread), like AppSrcSink with every pool frame held downstream.
struct StuckSink {
  static constexpr PixelFormat input = PF::GRAY8;
  Frame<PF::GRAY8> frame{Size{2, 2}};
  std::mutex mutex;
  std::condition_variable wake;
  bool interrupted = false;
  int lent = 0;
  std::promise<void> blocked;
  std::vector<std::string> calls;

  StuckSink() = default;
  StuckSink(StuckSink&&) noexcept {}  // moved into the pipeline before any use

  void start(const StreamSpec&) {
    const std::lock_guard lock(mutex);
    interrupted = false;
    calls.push_back("start");
  }
  FrameView<PF::GRAY8> acquire() {
    std::unique_lock lock(mutex);
    if (lent++ == 2) blocked.set_value();
    if (lent > 2 && !wake.wait_for(lock, 20s, [this] { return interrupted; })) {
      throw Error("StuckSink: nobody interrupted the wait");
    }
    if (interrupted) throw Interrupted("StuckSink: interrupted");
    return frame.view();
  }
  void submit(const FrameTime&) {}
  void finish() { calls.push_back("finish"); }
  void abort() noexcept { calls.push_back("abort"); }
  void interrupt() noexcept {
    {
      const std::lock_guard lock(mutex);
      interrupted = true;
    }
    wake.notify_all();
  }
};

}  // namespace

TEST_CASE("request_stop() ends a run blocked in the sink's acquire(), through abort()") {
  Pipeline p{gray_generator(), StuckSink{}};
  std::future<void> blocked = p.sink().blocked.get_future();
  Stats result;
  std::thread runner([&] { result = p.run({.frames = 1000}); });
  REQUIRE(blocked.wait_for(10s) == std::future_status::ready);
  p.request_stop();
  runner.join();
  CHECK(result.frames == 2);
  CHECK(p.sink().calls == std::vector<std::string>{"start", "abort"});
}

namespace {

/// A frame's bytes and time as the sink saw them.
struct Seen {
  std::vector<FrameTime> times;
  std::vector<std::vector<std::uint8_t>> bytes;
};

CallbackSink<PF::GRAY8> recording(Seen& seen) {
  return CallbackSink<PF::GRAY8>{[&seen](FrameView<PF::GRAY8> f, const FrameTime& t) {
    seen.times.push_back(t);
    seen.bytes.emplace_back(f.plane(0), f.plane(0) + f.stride(0) * std::size_t(f.height()));
  }};
}

}  // namespace

TEST_CASE("An overlapped run delivers the same frames with the same pts, in order") {
  Seen sequential, overlapped;
  Pipeline a{TestPatternGenerator{{.size = {37, 21}}}, GreenToGray{}, recording(sequential)};
  Pipeline b{TestPatternGenerator{{.size = {37, 21}}}, GreenToGray{}, recording(overlapped)};
  const Stats sa = a.run({.frames = 60, .fps = {30000, 1001}});
  const Stats sb = b.run({.frames = 60, .fps = {30000, 1001}, .overlap = true});
  CHECK(sa.frames == 60);
  CHECK(sb.frames == 60);
  CHECK(sb.bytes == sa.bytes);
  CHECK(overlapped.times == sequential.times);
  CHECK(overlapped.bytes == sequential.bytes);
  CHECK(b.run({.frames = 5, .overlap = true}).frames == 5);  // and again
}

TEST_CASE("An overlapped run draws the next frame while the sink handles this one") {
  // The sink holds frame 0 until the generator has started frame 1: a sequential run would never
  // get there (the wait would time out); an overlapped one must.
  std::promise<void> drawing_frame_1;
  std::future<void> started = drawing_frame_1.get_future();
  constexpr std::uint64_t kFrames = 6;
  std::vector<std::thread::id> drew_on(kFrames), sank_on(kFrames);
  bool overlapped = false;
  FunctionGenerator<PF::BGR24> gen{{.size = {4, 4}}, [&](FrameView<PF::BGR24>, const FrameTime& t) {
                                     drew_on[t.index] = std::this_thread::get_id();
                                     if (t.index == 1) drawing_frame_1.set_value();
                                   }};
  CallbackSink<PF::GRAY8> sink{[&](FrameView<PF::GRAY8>, const FrameTime& t) {
    sank_on[t.index] = std::this_thread::get_id();
    if (t.index == 0) overlapped = started.wait_for(10s) == std::future_status::ready;
  }};
  Pipeline p{gen, GreenToGray{}, sink};
  CHECK(p.run({.frames = kFrames, .overlap = true}).frames == kFrames);
  CHECK(overlapped);
  // Two threads take the frames in turn, and a frame stays on the thread that drew it (so it
  // never crosses from one core's cache to the other's).
  CHECK(drew_on == sank_on);
  CHECK(drew_on[0] == std::this_thread::get_id());  // the run's own thread takes even frames
  CHECK(drew_on[1] != drew_on[0]);
  for (std::size_t i = 2; i < kFrames; ++i) CHECK(drew_on[i] == drew_on[i - 2]);
}

TEST_CASE("An overlapped run ends the stream on every way out") {
  Log log;
  SUBCASE("the generator throws: the frames before it are delivered, then abort") {
    Pipeline p{gray_generator(3), FunctionConverter<PF::GRAY8, PF::GRAY8>{[](auto, auto) {}},
               AbortingSink{&log}};
    CHECK_THROWS_WITH(p.run({.frames = 10, .overlap = true}), "generator failed");
    CHECK(log == log_of({"start", "submit", "submit", "submit", "abort"}));
    log.clear();
    CHECK(p.run({.frames = 2, .overlap = true}).frames == 2);  // runs again
    CHECK(log == log_of({"start", "submit", "submit", "finish"}));
  }
  SUBCASE("the sink fails") {
    Pipeline p{gray_generator(), FunctionConverter<PF::GRAY8, PF::GRAY8>{[](auto, auto) {}},
               AbortingSink{&log, 2}};
    CHECK_THROWS_WITH(p.run({.frames = 10, .overlap = true}), "downstream failed");
    CHECK(log == log_of({"start", "submit", "submit", "abort"}));
  }
  SUBCASE("request_stop before the run: finish, no frame") {
    Pipeline p{gray_generator(), FunctionConverter<PF::GRAY8, PF::GRAY8>{[](auto, auto) {}},
               AbortingSink{&log}};
    p.request_stop();
    CHECK(p.run({.frames = 10, .overlap = true}).frames == 0);
    CHECK(log == log_of({"start", "finish"}));
  }
}

TEST_CASE(
    "request_stop() ends an overlapped run blocked in the sink's acquire(), through abort()") {
  Pipeline p{gray_generator(), FunctionConverter<PF::GRAY8, PF::GRAY8>{[](auto, auto) {}},
             StuckSink{}};
  std::future<void> blocked = p.sink().blocked.get_future();
  Stats result;
  std::thread runner([&] { result = p.run({.frames = 1000, .overlap = true}); });
  REQUIRE(blocked.wait_for(10s) == std::future_status::ready);
  p.request_stop();
  runner.join();
  CHECK(result.frames == 2);
  CHECK(p.sink().calls == std::vector<std::string>{"start", "abort"});
}

TEST_CASE("An overlapped run paced in real time skips and counts late frames, in order") {
  std::mutex mutex;  // the generator is called from both lanes (one at a time)
  std::vector<std::uint64_t> generated;
  FunctionGenerator<PF::GRAY8> gen{{.size = {4, 4}}, [&](FrameView<PF::GRAY8>, const FrameTime& t) {
                                     {
                                       const std::lock_guard lock(mutex);
                                       generated.push_back(t.index);
                                     }
                                     // Frame 2 takes 5 frame periods: frames 3..5 are then more
                                     // than a period late.
                                     if (t.index == 2) std::this_thread::sleep_for(100ms);
                                   }};
  std::vector<std::uint64_t> delivered;
  CallbackSink<PF::GRAY8> sink{
      [&](FrameView<PF::GRAY8>, const FrameTime& t) { delivered.push_back(t.index); }};
  Pipeline p{gen, FunctionConverter<PF::GRAY8, PF::GRAY8>{[](auto, auto) {}}, sink};
  int progress_calls = 0;
  bool progress_on_run_thread = true;
  const std::thread::id run_thread = std::this_thread::get_id();
  const Stats s = p.run({.frames = 12,
                         .fps = {50, 1},
                         .pacing = Pacing::RealTime,
                         .on_progress =
                             [&](const Stats&) {
                               ++progress_calls;
                               progress_on_run_thread &= std::this_thread::get_id() == run_thread;
                             },
                         .progress_interval = 0ms,
                         .overlap = true});
  CHECK(s.late >= 3);
  CHECK(s.dropped == s.late);
  CHECK(s.frames + s.late == 12);
  CHECK(s.frames == delivered.size());
  CHECK(generated == delivered);  // a late frame is not even generated; the rest in order
  for (const std::uint64_t skipped : {3, 4, 5}) {
    CHECK(std::find(delivered.begin(), delivered.end(), skipped) == delivered.end());
  }
  CHECK(delivered.back() == 11);
  CHECK(progress_calls == 6);  // the run's thread takes the even frames, late ones included
  CHECK(progress_on_run_thread);
  CHECK(p.stats().frames == s.frames);
}

TEST_CASE("An overlapped run through two converters matches the sequential run byte for byte") {
  Seen sequential, overlapped;
  const auto chain = [](Seen& seen) {
    return Pipeline{TestPatternGenerator{{.size = {33, 17}}}, GreenToGray{},
                    FunctionConverter<PF::GRAY8, PF::GRAY8>{[](auto in, auto out) {
                      for (int y = 0; y < in.height(); ++y) {
                        for (int x = 0; x < in.width(); ++x) {
                          out.row(0, y)[x] = static_cast<std::uint8_t>(255 - in.row(0, y)[x]);
                        }
                      }
                    }},
                    recording(seen)};
  };
  auto a = chain(sequential);
  auto b = chain(overlapped);
  CHECK(a.run({.frames = 41}).frames == 41);
  CHECK(b.run({.frames = 41, .overlap = true}).frames == 41);
  CHECK(overlapped.times == sequential.times);
  CHECK(overlapped.bytes == sequential.bytes);
}

namespace {

/// A generator that may draw two frames at once (DrawsConcurrently): `draw` is called from both
/// lanes of an overlapped run, possibly at the same time. Draws its frame index into every byte.
struct ConcurrentGenerator {
  static constexpr PixelFormat output = PF::BGR24;
  static constexpr bool draws_concurrently = true;
  std::function<void(const FrameTime&)> draw;
  Size size() const { return {6, 4}; }
  void generate(FrameView<PF::BGR24> f, const FrameTime& t) const {
    draw(t);
    for (int y = 0; y < f.height(); ++y)
      std::fill_n(f.row(0, y), 3 * f.width(), static_cast<std::uint8_t>(t.index));
  }
};
static_assert(Generator<ConcurrentGenerator> && DrawsConcurrently<ConcurrentGenerator>);
static_assert(!DrawsConcurrently<TestPatternGenerator>);

/// A one-shot signal that a waiter can wait for with a bound.
struct Signal {
  std::promise<void> promise;
  std::shared_future<void> future = promise.get_future().share();
  void set() { promise.set_value(); }
  bool wait(std::chrono::seconds bound) const {
    return future.wait_for(bound) == std::future_status::ready;
  }
};

}  // namespace

TEST_CASE("An overlapped run lets a DrawsConcurrently generator draw two frames at once") {
  // Frame 0's draw waits until frame 1's has started: only a run whose lanes draw at the same
  // time gets past it within the bound.
  Signal drawing_frame_1;
  std::atomic<bool> overlapped{false};
  std::vector<std::thread::id> drew_on(8);
  ConcurrentGenerator gen{[&](const FrameTime& t) {
    drew_on[t.index] = std::this_thread::get_id();
    if (t.index == 1) drawing_frame_1.set();
    if (t.index == 0) overlapped = drawing_frame_1.wait(10s);
  }};
  Seen seen;
  Pipeline p{gen, GreenToGray{}, recording(seen)};
  CHECK(p.run({.frames = 8, .fps = {30000, 1001}, .overlap = true}).frames == 8);
  CHECK(overlapped);
  CHECK(drew_on[0] != drew_on[1]);
  // Still every frame, in order, with its own pts and content.
  REQUIRE(seen.times.size() == 8);
  for (std::uint64_t i = 0; i < 8; ++i) {
    CHECK(seen.times[i] == FrameTime::at(i, {30000, 1001}));
    CHECK(seen.bytes[i].front() == i);  // GreenToGray keeps the drawn index
  }
}

TEST_CASE("Concurrent draws that fail out of order end the run with the earlier frame's error") {
  // Frame 3 throws only once frame 4 (drawn at the same time on the other lane) has thrown: the
  // run still ends after frames 0..2, with frame 3's error.
  Signal frame_4_failed;
  std::atomic<bool> saw_frame_4_fail{false};
  ConcurrentGenerator gen{[&](const FrameTime& t) {
    if (t.index == 4) {
      frame_4_failed.set();
      throw std::runtime_error("frame 4 failed");
    }
    if (t.index == 3) {
      saw_frame_4_fail = frame_4_failed.wait(10s);
      throw std::runtime_error("frame 3 failed");
    }
  }};
  Seen seen;
  Pipeline p{gen, GreenToGray{}, recording(seen)};
  CHECK_THROWS_WITH(p.run({.frames = 20, .overlap = true}), "frame 3 failed");
  CHECK(saw_frame_4_fail);
  CHECK(p.stats().frames == 3);
  REQUIRE(seen.times.size() == 3);
  CHECK(seen.times.back().index == 2);
}
