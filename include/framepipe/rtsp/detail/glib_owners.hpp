// Owners of the GLib objects an RtspServer holds: each unique_ptr calls the matching unref, so
// that a constructor that throws half-way releases what it made.
#pragma once

#include <glib-object.h>

#include <memory>

namespace framepipe::detail {

struct GObjectUnref {
  void operator()(gpointer object) const noexcept { g_object_unref(object); }
};
struct GMainContextUnref {
  void operator()(GMainContext* context) const noexcept { g_main_context_unref(context); }
};
struct GMainLoopUnref {
  void operator()(GMainLoop* loop) const noexcept { g_main_loop_unref(loop); }
};
/// Detaches the source from its context (`g_source_destroy`) and drops the reference.
struct GSourceDestroy {
  void operator()(GSource* source) const noexcept {
    g_source_destroy(source);
    g_source_unref(source);
  }
};

/// Owns one reference to a GObject that is not a GstObject (GstRTSPServer, GstRTSPMediaFactory,
/// GstRTSPAuth, GTlsCertificate...).
template <class T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;
using GMainContextPtr = std::unique_ptr<GMainContext, GMainContextUnref>;
using GMainLoopPtr = std::unique_ptr<GMainLoop, GMainLoopUnref>;
using GSourcePtr = std::unique_ptr<GSource, GSourceDestroy>;

}  // namespace framepipe::detail
