// Owners of the GLib objects an RtspServer holds: each releases with the matching unref (the
// one owner template of gst/runtime.hpp), so that a constructor that throws half-way releases
// what it made.
#pragma once

#include <glib-object.h>

#include "framepipe/gst/runtime.hpp"

namespace framepipe::detail {

/// Detaches the source from its context (`g_source_destroy`) and drops the reference.
inline void destroy_source(GSource* source) noexcept {
  g_source_destroy(source);
  g_source_unref(source);
}

/// Owns one reference to a GObject that is not a GstObject (GstRTSPServer, GstRTSPMediaFactory,
/// GstRTSPAuth, GTlsCertificate...).
template <class T>
using GObjectPtr = GlibPtr<T, g_object_unref>;
using GMainContextPtr = GlibPtr<GMainContext, g_main_context_unref>;
using GMainLoopPtr = GlibPtr<GMainLoop, g_main_loop_unref>;
using GSourcePtr = GlibPtr<GSource, destroy_source>;

}  // namespace framepipe::detail
