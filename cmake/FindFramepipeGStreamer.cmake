# FindFramepipeGStreamer
# ----------------------
# Finds the GStreamer libraries framepipe's gst/ headers use, through pkg-config, and provides
#
#   FramepipeGStreamer::GStreamer   imported INTERFACE target: gstreamer-1.0, gstreamer-app-1.0,
#                                   gstreamer-video-1.0 (and, through them, GLib/GObject)
#   FramepipeGStreamer_FOUND        and FramepipeGStreamer_VERSION (of gstreamer-1.0)
#
# Installed next to framepipeConfig.cmake so installed consumers find GStreamer the same way.
# Debian packages: libgstreamer1.0-dev, libgstreamer-plugins-base1.0-dev (app and video).

if(TARGET FramepipeGStreamer::GStreamer)
  set(FramepipeGStreamer_FOUND TRUE)
  return()
endif()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  # The prefix is private to framepipe so it cannot clash with a consumer's own
  # pkg_check_modules(GST ...) results.
  pkg_check_modules(framepipe_gstreamer_pc QUIET IMPORTED_TARGET
                    gstreamer-1.0 gstreamer-app-1.0 gstreamer-video-1.0)
endif()

set(FramepipeGStreamer_VERSION "${framepipe_gstreamer_pc_gstreamer-1.0_VERSION}")
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(FramepipeGStreamer
  REQUIRED_VARS PKG_CONFIG_FOUND framepipe_gstreamer_pc_FOUND
  VERSION_VAR FramepipeGStreamer_VERSION)

if(FramepipeGStreamer_FOUND)
  add_library(FramepipeGStreamer::GStreamer INTERFACE IMPORTED)
  target_link_libraries(FramepipeGStreamer::GStreamer INTERFACE PkgConfig::framepipe_gstreamer_pc)
endif()
