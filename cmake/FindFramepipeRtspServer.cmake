# FindFramepipeRtspServer
# -----------------------
# Finds gst-rtsp-server, which framepipe's rtsp/ headers use, through pkg-config, and provides
#
#   FramepipeRtspServer::RtspServer   imported INTERFACE target: gstreamer-rtsp-server-1.0 and
#                                     gio-2.0 (socket errors), and through them gstreamer-1.0,
#                                     GLib/GObject
#   FramepipeRtspServer_FOUND         and FramepipeRtspServer_VERSION
#
# Installed next to framepipeConfig.cmake so installed consumers find it the same way.
# Debian package: libgstrtspserver-1.0-dev.

if(TARGET FramepipeRtspServer::RtspServer)
  set(FramepipeRtspServer_FOUND TRUE)
  return()
endif()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(framepipe_rtsp_server_pc QUIET IMPORTED_TARGET
                    gstreamer-rtsp-server-1.0 gio-2.0)
endif()

set(FramepipeRtspServer_VERSION "${framepipe_rtsp_server_pc_gstreamer-rtsp-server-1.0_VERSION}")
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(FramepipeRtspServer
  REQUIRED_VARS PKG_CONFIG_FOUND framepipe_rtsp_server_pc_FOUND
  VERSION_VAR FramepipeRtspServer_VERSION)

if(FramepipeRtspServer_FOUND)
  add_library(FramepipeRtspServer::RtspServer INTERFACE IMPORTED)
  target_link_libraries(FramepipeRtspServer::RtspServer INTERFACE
                        PkgConfig::framepipe_rtsp_server_pc)
endif()
