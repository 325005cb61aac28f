// set_playing(), set_null(), element_by_name() and visit_elements() on real pipelines: a state
// change that works, one that fails with an ERROR explaining it, one that fails without, and
// lookups by name.
#include "framepipe/gst/pipeline_control.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <exception>
#include <string>
#include <vector>

#include "framepipe/gst/bus.hpp"
#include "framepipe/gst/error.hpp"
#include "framepipe/gst/parse.hpp"
#include "framepipe/gst/runtime.hpp"

using namespace framepipe;

namespace {

struct Handled {};  // what the test handlers throw, as a stage's fail() would

GstState current_state(GstElement* element) {
  GstState state = GST_STATE_VOID_PENDING;
  gst_element_get_state(element, &state, nullptr, 5 * GST_SECOND);
  return state;
}

}  // namespace

TEST_CASE("set_playing plays a good pipeline, set_null stops it") {
  const detail::ElementPtr p = detail::parse_launch("videotestsrc is-live=true ! fakesink");
  const detail::BusPtr bus(gst_element_get_bus(p.get()));
  bool called = false;
  detail::set_playing(
      p.get(), bus.get(), [&](GstMessage*) { called = true; },
      [&](std::exception_ptr) { called = true; });
  CHECK_FALSE(called);
  CHECK(current_state(p.get()) == GST_STATE_PLAYING);
  detail::set_null(p.get());
  CHECK(current_state(p.get()) == GST_STATE_NULL);
  detail::set_null(nullptr);  // harmless
}

TEST_CASE("a failed state change hands over the ERROR that explains it") {
  const detail::ElementPtr p =
      detail::parse_launch("filesrc location=/nonexistent/framepipe/none ! fakesink");
  const detail::BusPtr bus(gst_element_get_bus(p.get()));
  std::string domain;
  bool generic = false;
  CHECK_THROWS_AS(detail::set_playing(
                      p.get(), bus.get(),
                      [&](GstMessage* m) {
                        domain = detail::parse_bus_report(m).domain;
                        throw Handled{};
                      },
                      [&](std::exception_ptr) {
                        generic = true;
                        throw Handled{};
                      }),
                  Handled);
  CHECK(domain == "gst-resource-error-quark");
  CHECK_FALSE(generic);
  detail::set_null(p.get());
}

TEST_CASE("a failed state change with no ERROR to read is a StreamError") {
  const detail::ElementPtr p =
      detail::parse_launch("filesrc location=/nonexistent/framepipe/none ! fakesink");
  std::string text;
  CHECK_THROWS_AS(detail::set_playing(
                      p.get(), nullptr, [&](GstMessage*) { throw Handled{}; },
                      [&](std::exception_ptr e) {
                        try {
                          std::rethrow_exception(e);
                        } catch (const StreamError& error) {
                          text = error.what();
                        }
                        throw Handled{};
                      }),
                  Handled);
  CHECK(text.find("could not be set to PLAYING") != std::string::npos);
  // Handlers that return do not make a failure pass as success.
  CHECK_THROWS_AS(detail::set_playing(
                      p.get(), nullptr, [](GstMessage*) {}, [](std::exception_ptr) {}),
                  StreamError);
  detail::set_null(p.get());
}

TEST_CASE("element_by_name finds nested elements and names the owner when it finds none") {
  const detail::ElementPtr p =
      detail::parse_launch("videotestsrc ! bin. ( name=bin identity name=inner ) ! fakesink");
  const ElementRef inner = detail::element_by_name(p.get(), "inner", "framepipe::Test");
  CHECK(inner.name() == "inner");
  try {
    (void)detail::element_by_name(p.get(), "absent", "framepipe::Test");
    FAIL("found an element that does not exist");
  } catch (const InvalidArgument& e) {
    CHECK(std::string(e.what()) == "framepipe::Test: the pipeline has no element named \"absent\"");
  }
}

TEST_CASE("element_by_name of a type: an element of another type is none of that kind") {
  const detail::ElementPtr p =
      detail::parse_launch("videotestsrc ! bin. ( name=bin identity name=inner ) ! fakesink");
  const ElementRef bin =
      detail::element_by_name(p.get(), "bin", "framepipe::Test", GST_TYPE_BIN, "bin");
  CHECK(bin.name() == "bin");
  try {
    (void)detail::element_by_name(p.get(), "inner", "framepipe::Test", GST_TYPE_BIN, "bin");
    FAIL("took an identity for a bin");
  } catch (const InvalidArgument& e) {
    CHECK(std::string(e.what()) == "framepipe::Test: the pipeline has no bin named \"inner\"");
  }
}

TEST_CASE("visit_elements walks nested bins and stops when the visit says so") {
  const detail::ElementPtr p = detail::parse_launch(
      "videotestsrc name=src ! bin. ( name=bin identity name=inner ) ! fakesink name=out");
  std::vector<std::string> names;
  detail::visit_elements(
      p.get(),
      [&](GstElement* e) {
        names.emplace_back(detail::object_name(GST_OBJECT_CAST(e)));
        return true;
      },
      [&] { names.clear(); });
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"bin", "inner", "out", "src"});

  int visited = 0;
  detail::visit_elements(
      p.get(), [&](GstElement*) { return ++visited < 2; }, [] {});
  CHECK(visited == 2);

  int none = 0;
  detail::visit_elements(
      nullptr, [&](GstElement*) { return ++none > 0; }, [] {});
  CHECK(none == 0);
}
