#include "framepipe/core/source_reader.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "framepipe/convert/function_converter.hpp"
#include "support/vector_source.hpp"

using namespace framepipe;
using PF = PixelFormat;
using Source420 = test::VectorSource<PF::I420>;

namespace {
const StreamSpec kSpec{.size = {6, 4}, .fps = {30, 1}};
}

TEST_CASE("SourceReader without a converter hands out the source's own frames, one at a time") {
  Source420::Log log;
  {
    SourceReader reader{Source420{kSpec, 3, &log}};
    static_assert(decltype(reader)::format == PF::I420);
    CHECK(reader.spec().size == Size{6, 4});
    for (std::uint64_t i = 0; i < 3; ++i) {
      auto frame = reader.read();
      REQUIRE(frame.has_value());
      CHECK(frame->view().plane(0) == log.lent[i]);  // zero copy
      CHECK(frame->view().row(0, 3)[5] == i);
      CHECK(frame->time() == FrameTime::at(i, {30, 1}));
      CHECK(log.released == i);  // the previous frame went back at this read()
    }
    CHECK_FALSE(reader.read().has_value());
    CHECK(log.released == 3);
    CHECK_FALSE(reader.read().has_value());  // and on every call after the end
    CHECK(reader.stats().frames == 3);
    CHECK(reader.at_end());
  }
  CHECK(log.stops == 1);
}

TEST_CASE("SourceReader with a converter reads each lent frame in place into a reused frame") {
  Source420::Log log;
  std::vector<const std::uint8_t*> read_from;
  SourceReader reader{
      Source420{kSpec, 4, &log},
      FunctionConverter<PF::I420, PF::GRAY8>{[&](FrameView<PF::I420> in, FrameView<PF::GRAY8> out) {
        read_from.push_back(in.plane(0));
        out.row(0, 0)[0] = static_cast<std::uint8_t>(in.row(0, 0)[0] + 100);
      }}};
  static_assert(decltype(reader)::format == PF::GRAY8);
  std::vector<const std::uint8_t*> handed_out;
  while (auto frame = reader.read()) {
    handed_out.push_back(frame->view().plane(0));
    CHECK(frame->view().row(0, 0)[0] == 100 + frame->time().index);
    CHECK(log.released == frame->time().index + 1);  // given back right after the chain
  }
  CHECK(read_from == log.lent);
  REQUIRE(handed_out.size() == 4);
  CHECK(handed_out[0] == handed_out[3]);  // one reused frame
}

TEST_CASE("SourceReader closed early stops the source and then reads nothing") {
  Source420::Log log;
  SourceReader reader{Source420{kSpec, 10, &log}};
  REQUIRE(reader.read().has_value());
  reader.close();
  CHECK(log.released == 1);
  CHECK(log.stops == 1);
  CHECK_FALSE(reader.read().has_value());
  reader.close();
  CHECK(log.stops == 1);
}
