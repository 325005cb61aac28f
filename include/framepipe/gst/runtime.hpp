// GStreamer's one-time initialisation, and owning handles for the GStreamer objects framepipe uses.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "framepipe/core/error.hpp"

namespace framepipe {

/// Initialises GStreamer once per process with `gst_init_check()`, safely from any thread; later
/// calls return at once. Harmless when the application already called `gst_init()` itself.
/// Throws Error with GStreamer's message when initialisation fails (a later call tries again).
inline void ensure_gstreamer_initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    GError* error = nullptr;
    if (gst_init_check(nullptr, nullptr, &error) == FALSE) {
      std::string message =
          error != nullptr && error->message != nullptr ? error->message : "unknown reason";
      if (error != nullptr) g_error_free(error);
      throw Error("framepipe: gst_init_check() failed: " + message);
    }
  });
}

namespace detail {

/// The deleter of a GlibPtr: calls `Release`, the GLib or GStreamer function that drops the
/// reference it owns or frees the memory (g_object_unref, g_free, gst_object_unref...).
template <auto Release>
struct CallRelease {
  template <class T>
  void operator()(T* owned) const noexcept {
    Release(owned);
  }
};

/// Owns a `T*` that GLib or GStreamer gave, and releases it with `Release`: every owner of a
/// GLib or GStreamer type is one of these.
template <class T, auto Release>
using GlibPtr = std::unique_ptr<T, CallRelease<Release>>;

/// Drops a reference to a GstMiniObject (caps, buffer, message, sample): what gst_caps_unref()
/// and its kin do, which GStreamer defines as static inline functions (no address to share).
inline void unref_mini_object(gpointer object) noexcept {
  gst_mini_object_unref(GST_MINI_OBJECT_CAST(object));
}

/// Owns one reference to a GstObject (element, bin, pipeline, bus, pad...).
template <class T>
using GstObjectPtr = GlibPtr<T, gst_object_unref>;
using ElementPtr = GstObjectPtr<GstElement>;
using BusPtr = GstObjectPtr<GstBus>;
using CapsPtr = GlibPtr<GstCaps, unref_mini_object>;
using BufferPtr = GlibPtr<GstBuffer, unref_mini_object>;
using MessagePtr = GlibPtr<GstMessage, unref_mini_object>;
using SamplePtr = GlibPtr<GstSample, unref_mini_object>;
using GErrorPtr = GlibPtr<GError, g_error_free>;
using GCharPtr = GlibPtr<gchar, g_free>;
/// A NULL-terminated array of strings GLib allocated (g_strfreev).
using GStrvPtr = GlibPtr<gchar*, g_strfreev>;
/// What gst_parse_launch_full() records beside its result, e.g. the missing elements.
using ParseContextPtr = GlibPtr<GstParseContext, gst_parse_context_free>;
/// Owns one reference to a GObject that is not a GstObject (a server of gst-rtsp-server or
/// libsoup, an auth, a TLS certificate, a SoupServerMessage...).
template <class T>
using GObjectPtr = GlibPtr<T, g_object_unref>;
using GMainContextPtr = GlibPtr<GMainContext, g_main_context_unref>;
using GMainLoopPtr = GlibPtr<GMainLoop, g_main_loop_unref>;

/// Detaches the source from its context (`g_source_destroy`) and drops the reference.
inline void destroy_source(GSource* source) noexcept {
  g_source_destroy(source);
  g_source_unref(source);
}
using GSourcePtr = GlibPtr<GSource, destroy_source>;

/// Takes ownership of a string GLib allocated (g_free); null becomes "".
inline std::string take_gchar(gchar* text) {
  const GCharPtr owned(text);
  return owned ? std::string(owned.get()) : std::string();
}

/// The name of a GstObject, or "" for null (gst_object_get_name).
inline std::string object_name(GstObject* object) {
  return object != nullptr ? take_gchar(gst_object_get_name(object)) : std::string();
}

}  // namespace detail

/// An owning, reference-counted handle to a GstElement: copying takes another reference
/// (`gst_object_ref`), destruction drops one (`gst_object_unref`). Lets framepipe hand out
/// elements without a raw pointer crossing the API unowned. May be empty (default-constructed or
/// moved-from).
class ElementRef {
 public:
  ElementRef() = default;

  /// Adopts a reference the caller already owns (transfer full), e.g. from
  /// `gst_bin_get_by_name()`. A floating reference is sunk first (`gst_object_ref_sink`), so the
  /// result of `gst_element_factory_make()` or `gst_parse_launch()` can be adopted directly.
  static ElementRef adopt(GstElement* element) {
    if (element != nullptr && g_object_is_floating(element)) gst_object_ref_sink(element);
    return ElementRef(element);
  }
  /// Takes a new reference to an element the caller keeps owning (`gst_object_ref`): the
  /// caller's own reference stays valid and is still the caller's to drop. A floating reference
  /// stays floating (use adopt() to take it over).
  static ElementRef ref(GstElement* element) {
    if (element != nullptr) gst_object_ref(element);
    return ElementRef(element);
  }

  ElementRef(const ElementRef& other) : element_(other.element_) {
    if (element_ != nullptr) gst_object_ref(element_);
  }
  ElementRef(ElementRef&& other) noexcept : element_(std::exchange(other.element_, nullptr)) {}
  ElementRef& operator=(ElementRef other) noexcept {
    std::swap(element_, other.element_);
    return *this;
  }
  ~ElementRef() {
    if (element_ != nullptr) gst_object_unref(element_);
  }

  /// The element; still owned by this handle (do not unref it). Null when empty.
  GstElement* get() const noexcept { return element_; }
  explicit operator bool() const noexcept { return element_ != nullptr; }
  /// The element's name (`gst_object_get_name`), "" when empty.
  std::string name() const { return detail::object_name(GST_OBJECT_CAST(element_)); }
  /// Gives up ownership: the caller must `gst_object_unref()` the result.
  GstElement* release() noexcept { return std::exchange(element_, nullptr); }

 private:
  explicit ElementRef(GstElement* element) : element_(element) {}
  GstElement* element_ = nullptr;
};

}  // namespace framepipe
