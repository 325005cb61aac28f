// gst-rtsp-server's header, included without the warnings it brings into users' builds.
#pragma once

#include <gst/gst.h>
// gst-rtsp-server pulls in gst/base, whose inline bit readers warn under -Wconversion when a user
// includes GStreamer with plain -I (pkg-config): keep those warnings out of users' builds.
#if defined(__GNUC__)
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wconversion"
#  pragma GCC diagnostic ignored "-Wsign-conversion"
#endif
#include <gst/rtsp-server/rtsp-server.h>
#if defined(__GNUC__)
#  pragma GCC diagnostic pop
#endif
