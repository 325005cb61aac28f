# FindFramepipeWeb
# ----------------
# Finds what framepipe's web/ headers (the HTTP server and WHEP) use, through pkg-config, and
# provides
#
#   FramepipeWeb::Web      imported INTERFACE target: libsoup-3.0 (the HTTP server),
#                          gstreamer-webrtc-1.0 (webrtcbin's API) and gstreamer-sdp-1.0 (offers and
#                          answers), and through them gstreamer-1.0, GLib/GObject/GIO
#   FramepipeWeb_FOUND     and FramepipeWeb_VERSION (libsoup's)
#
# Installed next to framepipeConfig.cmake so installed consumers find it the same way.
# Debian packages: libsoup-3.0-dev libgstreamer-plugins-bad1.0-dev; at run time webrtcbin needs
# gstreamer1.0-plugins-bad and gstreamer1.0-nice (ICE).

if(TARGET FramepipeWeb::Web)
  set(FramepipeWeb_FOUND TRUE)
  return()
endif()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(framepipe_web_pc QUIET IMPORTED_TARGET
                    libsoup-3.0 gstreamer-webrtc-1.0 gstreamer-sdp-1.0)
endif()

set(FramepipeWeb_VERSION "${framepipe_web_pc_libsoup-3.0_VERSION}")
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(FramepipeWeb
  REQUIRED_VARS PKG_CONFIG_FOUND framepipe_web_pc_FOUND
  VERSION_VAR FramepipeWeb_VERSION)

if(FramepipeWeb_FOUND)
  add_library(FramepipeWeb::Web INTERFACE IMPORTED)
  target_link_libraries(FramepipeWeb::Web INTERFACE PkgConfig::framepipe_web_pc)
endif()
