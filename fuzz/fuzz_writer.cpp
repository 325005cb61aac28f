// fuzz_writer: sequences of write, pts, size and close against a fakesink, through Writer and
// AppSrcSink (core/writer.hpp, gst/app_src_sink.hpp). The trailing bytes choose the chain (I420
// written as it is, or BGR24 through an I420Packer, or RGBA32 through an Nv12Packer on threads),
// the stream (size, rate, timestamps, colour, pacing) and the sink's options (pool size,
// backpressure, downstream); the leading bytes are the operations, one byte each plus their
// arguments (the low 3 bits pick it: 0-1 write, 2 write with a pts whose kind is in bits 3-5,
// 3 write another size, 4 close, 5-7 only check the counters): write by index or clock, write
// with an explicit pts (increasing, equal, going
// back, 0, UINT64_MAX, anything), write a frame of another size, close, check the counters.
// Writes after close and a second close are part of it.
//
// Every exception must be one of framepipe's typed ones (framepipe::Error); any other, a crash,
// a hang (libFuzzer's -timeout), a GLib CRITICAL or a GStreamer WARNING
// (support/fatal_glib_log.hpp) is a bug. So is a counter that disagrees with the writes that
// returned.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>

#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/convert/nv12_packer.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/writer.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/gst/runtime.hpp"
#include "support/fatal_glib_log.hpp"
#include "support/fuzz_input.hpp"

namespace {

using framepipe::AppSrcSink;
using framepipe::PixelFormat;
using framepipe::Size;
using framepipe::fuzz::FuzzInput;

constexpr int kMaxSide = 64;
constexpr int kMaxOps = 48;

constexpr const char* kDownstream[] = {
    "fakesink",
    "fakesink sync=true",
    "queue max-size-buffers=2 ! fakesink",
    "identity ! fakesink",
};

[[noreturn]] void bug(const std::string& what) {
  std::fprintf(stderr, "fuzz_writer: %s\n", what.c_str());
  std::abort();
}

/// The stream and the sink, from the trailing bytes.
struct Setup {
  framepipe::WriterOptions writer{};
  framepipe::AppSrcSinkOptions sink{};
  std::string downstream;
  unsigned threads = 1;
};

Setup setup_of(FuzzInput& in) {
  Setup s;
  s.writer.size = {in.in_range(1, kMaxSide), in.in_range(1, kMaxSide)};
  const std::uint8_t rate = in.byte();
  switch (rate % 4u) {
    case 0:
      s.writer.fps = {30, 1};
      break;
    case 1:
      s.writer.fps = {30000, 1001};
      break;
    case 2:
      s.writer.fps = {in.in_range(-1, 1000), in.in_range(-1, 1000)};
      break;
    default:
      s.writer.fps = {static_cast<std::int64_t>(in.u64()), static_cast<std::int64_t>(in.u64())};
      break;
  }
  const std::uint8_t mode = in.byte();
  s.writer.timestamps = static_cast<framepipe::Timestamps>((mode & 3u) % 3u);
  // Real-time pacing only with small waits: the sink is live, but frames are not paced by
  // Writer (the caller's loop is the clock).
  s.writer.pacing =
      (mode & 4u) != 0 ? framepipe::Pacing::RealTime : framepipe::Pacing::AsFastAsPossible;
  if ((mode & 8u) != 0) {
    s.writer.color = framepipe::ColorSpec{
        static_cast<framepipe::Matrix>((mode >> 4) % 3u),
        (mode & 64u) != 0 ? framepipe::Range::Full : framepipe::Range::Limited};
  }
  s.writer.chroma_site =
      (mode & 128u) != 0 ? framepipe::ChromaSite::Left : framepipe::ChromaSite::Center;
  const std::uint8_t sink = in.byte();
  s.sink.pool_size = sink % 5u;  // 0 is refused (InvalidArgument)
  s.sink.backpressure = static_cast<framepipe::Backpressure>((sink >> 3) % 3u);
  s.sink.max_pool_bytes = (sink & 32u) != 0 ? 0 : s.sink.max_pool_bytes;
  s.sink.on_log = [](framepipe::LogLevel, const std::string&) {};
  // Short waits: a pool that downstream holds entirely (one frame, fixed, and fakesink keeps its
  // last sample; sync=true with a pts far ahead) is a documented wait that ends in Timeout,
  // which must come well within libFuzzer's -timeout for a real hang to stand out.
  s.sink.acquire_timeout = std::chrono::milliseconds(1000);
  s.sink.eos_timeout = std::chrono::milliseconds(1000);
  s.downstream = kDownstream[(sink >> 6) % 4u];
  s.threads = in.byte() % 3u;
  return s;
}

/// Runs the operations on a Writer<In, Stages...>; `make` builds it.
template <PixelFormat In, class MakeWriter>
void run_ops(FuzzInput& in, const Setup& s, MakeWriter make) {
  std::optional<framepipe::Frame<In>> frame;
  try {
    frame.emplace(s.writer.size);
  } catch (const framepipe::Error& e) {
    framepipe::fuzz::note("fuzz_writer", e.what());
    return;
  }
  auto writer = make();  // may throw a typed error (a bad rate, pool size, ...)
  std::uint64_t written = 0;
  bool closed = false;
  std::uint64_t last_pts = 0;
  for (int i = 0; i < kMaxOps && in.payload_size() != 0; ++i) {
    const std::uint8_t op = in.front_byte();
    try {
      switch (op & 7u) {
        case 0:
        case 1:
          writer->write(frame->view());
          ++written;
          break;
        case 2: {
          std::uint64_t pts = 0;
          switch ((op >> 3) % 6u) {
            case 0:
              pts = last_pts + 1 + in.front_byte();
              break;
            case 1:
              pts = last_pts;
              break;
            case 2:
              pts = last_pts - 1;
              break;
            case 3:
              pts = UINT64_MAX;
              break;
            case 4:
              pts = UINT64_MAX - in.front_byte();
              break;
            default:
              for (int b = 0; b < 8; ++b) pts = (pts << 8) | in.front_byte();
              break;
          }
          writer->write(frame->view(), pts);
          ++written;
          last_pts = pts;
          break;
        }
        case 3: {
          // A frame of another size: the chain must refuse it, not read past it.
          const Size other{1 + in.front_byte() % kMaxSide, 1 + in.front_byte() % kMaxSide};
          framepipe::Frame<In> odd(other);
          writer->write(odd.view());
          if (other != s.writer.size) bug("a frame of another size was written");
          ++written;
          break;
        }
        case 4:
          writer->close();
          closed = true;
          break;
        default:
          break;
      }
    } catch (const framepipe::Error& e) {
      framepipe::fuzz::note("fuzz_writer", e.what());
      // A typed refusal; the counters below say whether it left the writer consistent.
    }
    if (writer->stats().frames != written) {
      bug("Writer counts " + std::to_string(writer->stats().frames) + " frames, " +
          std::to_string(written) + " writes returned");
    }
    if (closed && writer->is_open()) bug("the writer is open after close()");
  }
  try {
    writer->close();
    writer->close();
  } catch (const framepipe::Error& e) {
    framepipe::fuzz::note("fuzz_writer", e.what());
  }
}

template <PixelFormat In, class... Converters>
void run_chain(FuzzInput& in, const Setup& s, Converters... converters) {
  using W = framepipe::Writer<In, Converters..., AppSrcSink>;
  run_ops<In>(in, s, [&] {
    return std::make_unique<W>(s.writer, converters..., AppSrcSink{s.downstream, s.sink});
  });
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  return framepipe::fuzz::initialize_gstreamer_target();
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(data, size);
  const std::uint8_t chain = in.byte();
  const Setup s = setup_of(in);
  try {
    switch (chain % 3u) {
      case 0:
        run_chain<PixelFormat::I420>(in, s);
        break;
      case 1:
        run_chain<PixelFormat::BGR24>(in, s, framepipe::I420Packer{{.threads = s.threads}});
        break;
      default:
        run_chain<PixelFormat::RGBA32>(
            in, s,
            framepipe::Nv12Packer{{.matrix = framepipe::Matrix::BT709, .threads = s.threads}});
        break;
    }
  } catch (const framepipe::Error& e) {
    framepipe::fuzz::note("fuzz_writer", e.what());
    // A typed refusal of the stream or sink as a whole.
  } catch (const std::exception& e) {
    bug(std::string("an untyped exception: ") + typeid(e).name() + ": " + e.what());
  } catch (...) {
    bug("an exception that is not a std::exception");
  }
  return 0;
}
