// gst/runtime.hpp: GStreamer's one-time initialisation and the owners of GLib and GStreamer
// handles (detail::GlibPtr and the names made of it), which release with their own function.
#include "framepipe/gst/runtime.hpp"

#include <doctest/doctest.h>
#include <gst/gst.h>

#include <string>

using namespace framepipe;

TEST_CASE("ensure_gstreamer_initialized: once, and again at once") {
  ensure_gstreamer_initialized();
  ensure_gstreamer_initialized();
  CHECK(gst_is_initialized() == TRUE);
}

TEST_CASE("GstObjectPtr drops one reference of a GstObject (gst_object_unref)") {
  ensure_gstreamer_initialized();
  GstElement* element = gst_element_factory_make("fakesink", nullptr);
  REQUIRE(element != nullptr);
  gst_object_ref_sink(element);
  gst_object_ref(element);
  REQUIRE(GST_OBJECT_REFCOUNT_VALUE(element) == 2);
  { const detail::ElementPtr owner(element); }
  CHECK(GST_OBJECT_REFCOUNT_VALUE(element) == 1);
  gst_object_unref(element);
}

namespace {

/// Gives `Owner` one more reference to `object` than the caller's, and checks that it drops just
/// that one; then drops the caller's.
template <class Owner, class T>
void check_drops_one_reference(T* object) {
  GstMiniObject* mini = GST_MINI_OBJECT_CAST(object);
  gst_mini_object_ref(mini);
  REQUIRE(GST_MINI_OBJECT_REFCOUNT_VALUE(mini) == 2);
  { const Owner owner(object); }
  CHECK(GST_MINI_OBJECT_REFCOUNT_VALUE(mini) == 1);
  gst_mini_object_unref(mini);
}

}  // namespace

TEST_CASE("CapsPtr, BufferPtr, SamplePtr, MessagePtr drop one reference of a GstMiniObject") {
  ensure_gstreamer_initialized();
  check_drops_one_reference<detail::CapsPtr>(gst_caps_new_empty_simple("video/x-raw"));
  check_drops_one_reference<detail::BufferPtr>(gst_buffer_new());
  check_drops_one_reference<detail::SamplePtr>(gst_sample_new(nullptr, nullptr, nullptr, nullptr));
  check_drops_one_reference<detail::MessagePtr>(gst_message_new_eos(nullptr));
}

TEST_CASE("take_gchar takes a GLib string (g_free); null is empty") {
  CHECK(detail::take_gchar(g_strdup("framepipe")) == "framepipe");
  CHECK(detail::take_gchar(nullptr).empty());
  const detail::GStrvPtr strings(g_strsplit("a,b", ",", -1));
  REQUIRE(strings);
  CHECK(std::string(strings.get()[1]) == "b");
}

TEST_CASE("ElementRef: adopt sinks a floating reference, copies take one more") {
  ensure_gstreamer_initialized();
  ElementRef a = ElementRef::adopt(gst_element_factory_make("fakesink", "s"));
  REQUIRE(a);
  CHECK(g_object_is_floating(a.get()) == FALSE);
  CHECK(a.name() == "s");
  {
    const ElementRef b = a;
    CHECK(GST_OBJECT_REFCOUNT_VALUE(a.get()) == 2);
  }
  CHECK(GST_OBJECT_REFCOUNT_VALUE(a.get()) == 1);
}
