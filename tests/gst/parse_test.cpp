// parse_launch(): a good description becomes an owned pipeline, a missing element names its
// Debian package (with nothing leaked, which the ASan build checks), bad syntax and link failures
// are ParseError (or an empty result when asked), and the name-token check.
#include "framepipe/gst/parse.hpp"

#include <doctest/doctest.h>

#include <string>

#include "framepipe/gst/error.hpp"
#include "framepipe/gst/runtime.hpp"

using namespace framepipe;

TEST_CASE("a good description parses into a pipeline holding its named elements") {
  const detail::ElementPtr p =
      detail::parse_launch("videotestsrc name=src num-buffers=1 ! fakesink name=out");
  REQUIRE(p);
  CHECK(GST_IS_PIPELINE(p.get()));
  CHECK(GST_OBJECT_REFCOUNT_VALUE(p.get()) == 1);
  const detail::ElementPtr src(gst_bin_get_by_name(GST_BIN(p.get()), "src"));
  const detail::ElementPtr out(gst_bin_get_by_name(GST_BIN(p.get()), "out"));
  CHECK(src);
  CHECK(out);
}

TEST_CASE("a single element is put into a pipeline that holds the only other reference") {
  detail::ElementPtr p = detail::parse_launch("fakesink name=alone");
  REQUIRE(p);
  CHECK(GST_IS_PIPELINE(p.get()));
  GstElement* alone = gst_bin_get_by_name(GST_BIN(p.get()), "alone");
  REQUIRE(alone != nullptr);
  // The bin's reference and the one gst_bin_get_by_name() just gave: none left over.
  CHECK(GST_OBJECT_REFCOUNT_VALUE(alone) == 2);
  gst_object_unref(alone);
}

TEST_CASE("an element no plugin provides is MissingElement naming it and how to find it") {
  try {
    (void)detail::parse_launch("videotestsrc ! framepipenosuchelement ! fakesink");
    FAIL("parse_launch accepted a missing element");
  } catch (const MissingElement& e) {
    CHECK(e.element() == "framepipenosuchelement");
    CHECK(std::string(e.what()).find("gst-inspect-1.0 framepipenosuchelement") !=
          std::string::npos);
  }
}

TEST_CASE("bad syntax and unknown properties are ParseError quoting the description") {
  const std::string bad = "videotestsrc ! ! fakesink";
  try {
    (void)detail::parse_launch(bad);
    FAIL("parse_launch accepted bad syntax");
  } catch (const MissingElement&) {
    FAIL("bad syntax reported as a missing element");
  } catch (const ParseError& e) {
    CHECK(e.description() == bad);
    CHECK(std::string(e.what()).find(bad) != std::string::npos);
  }
  CHECK_THROWS_AS(detail::parse_launch("fakesink framepipe-no-such-property=1"), ParseError);
}

TEST_CASE("a link failure throws, or gives an empty pipeline when the caller asks") {
  // audiotestsrc's caps cannot link to a video-only sink pad.
  const std::string description = "audiotestsrc ! video/x-raw ! fakesink";
  CHECK_THROWS_AS(detail::parse_launch(description), ParseError);
  CHECK_FALSE(detail::parse_launch(description, detail::OnLinkError::ReturnEmpty));
}

TEST_CASE("element name tokens: letters, digits, '_' and '-' only") {
  CHECK(detail::is_element_name_token("src"));
  CHECK(detail::is_element_name_token("frame_src-2"));
  CHECK_FALSE(detail::is_element_name_token(""));
  CHECK_FALSE(detail::is_element_name_token("a b"));
  CHECK_FALSE(detail::is_element_name_token("a!b"));
  CHECK_FALSE(detail::is_element_name_token("a=b"));
  CHECK_FALSE(detail::is_element_name_token("a\"b"));
}

// Last: it removes an element factory from this process's registry.
TEST_CASE("a missing element that framepipe knows names its Debian package") {
  ensure_gstreamer_initialized();
  GstRegistry* registry = gst_registry_get();
  if (GstPluginFeature* feature = gst_registry_lookup_feature(registry, "theoraenc")) {
    gst_registry_remove_feature(registry, feature);  // now as if its plugin were not installed
    gst_object_unref(feature);
  }
  try {
    (void)detail::parse_launch("videotestsrc ! theoraenc ! fakesink");
    FAIL("parse_launch found theoraenc after it was removed");
  } catch (const MissingElement& e) {
    CHECK(e.element() == "theoraenc");
    CHECK(std::string(e.what()).find("apt-get install gstreamer1.0-plugins-base") !=
          std::string::npos);
  }
}
