// Owners of the GLib objects the web servers hold, made of runtime.hpp's one owner template
// `detail::GlibPtr`. The same aliases as rtsp/detail/glib_owners.hpp (an alias may be declared
// again with the same type), kept here so that framepipe::web does not need the RTSP headers.
#pragma once

#include <glib-object.h>

#include "framepipe/gst/runtime.hpp"

namespace framepipe::detail {

/// Owns one reference to a GObject that is not a GstObject (SoupServer, SoupServerMessage...).
template <class T>
using GObjectPtr = GlibPtr<T, g_object_unref>;
using GMainContextPtr = GlibPtr<GMainContext, g_main_context_unref>;
using GMainLoopPtr = GlibPtr<GMainLoop, g_main_loop_unref>;

}  // namespace framepipe::detail
