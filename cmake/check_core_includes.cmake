# cmake -DFRAMEPIPE_INCLUDE_DIR=<dir holding framepipe/> -P check_core_includes.cmake
#
# The ctest no_gst_or_opencv_in_core. framepipe::core must compile with the standard library
# alone, so:
#   - no header outside gst/ includes <gst/...> (GStreamer) or <glib...>/<gobject...>;
#   - no core header includes <opencv2/...>;
#   - no core header includes a framepipe header that belongs to gst or opencv.
# Which header belongs to which target comes from FramepipeHeaders.cmake, as in the build.

cmake_minimum_required(VERSION 3.24)

if(NOT DEFINED FRAMEPIPE_INCLUDE_DIR)
  message(FATAL_ERROR "usage: cmake -DFRAMEPIPE_INCLUDE_DIR=<dir> -P ${CMAKE_SCRIPT_MODE_FILE}")
endif()

include("${CMAKE_CURRENT_LIST_DIR}/FramepipeHeaders.cmake")
framepipe_partition_headers("${FRAMEPIPE_INCLUDE_DIR}" core opencv gst umbrella rtsp web)

# Header paths (relative to FRAMEPIPE_INCLUDE_DIR) that core must not include.
set(non_core_headers "")
foreach(header IN LISTS opencv gst rtsp web)
  file(RELATIVE_PATH rel "${FRAMEPIPE_INCLUDE_DIR}" "${header}")
  list(APPEND non_core_headers "${rel}")
endforeach()

set(include_re "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"]")
set(problems "")

# check(<header> <forbidden regex> <core?> <why>): report every #include in <header> whose path
# matches the regex or, if <core?>, names a gst/opencv framepipe header.
function(check header forbidden is_core why)
  file(STRINGS "${header}" lines REGEX "${include_re}")
  file(RELATIVE_PATH rel "${FRAMEPIPE_INCLUDE_DIR}" "${header}")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "${include_re}.*" "\\1" included "${line}")
    if(included MATCHES "${forbidden}" OR (is_core AND included IN_LIST non_core_headers))
      string(STRIP "${line}" line)
      set(problems "${problems}  ${rel}: ${line}   (${why})\n" PARENT_SCOPE)
    endif()
  endforeach()
endfunction()

foreach(header IN LISTS core opencv umbrella)
  check("${header}" "^(gst|glib|gobject)/|^glib(-object)?\\.h$" OFF "only gst/ may include GStreamer")
endforeach()
foreach(header IN LISTS core)
  check("${header}" "^opencv2/" ON "core is std only")
endforeach()

list(LENGTH core n_core)
list(LENGTH opencv n_opencv)
list(LENGTH gst n_gst)
if(n_core EQUAL 0)
  message(FATAL_ERROR "no core headers found under ${FRAMEPIPE_INCLUDE_DIR}/framepipe")
endif()
if(problems)
  message(FATAL_ERROR "framepipe::core must not depend on GStreamer or OpenCV:\n${problems}")
endif()
message(STATUS "checked ${n_core} core, ${n_opencv} opencv and ${n_gst} gst headers: "
               "core includes neither GStreamer nor OpenCV")
