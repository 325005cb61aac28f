# Splits framepipe's headers into the file sets of its INTERFACE targets.
#
# Used by the top-level CMakeLists.txt and, in script mode (cmake -P), by
# check_core_includes.cmake, so the build and the include-hygiene test agree on which header
# belongs to which target.
#
#   framepipe_partition_headers(<include_dir> <core_var> <opencv_var> <gst_var> <umbrella_var>
#                               [<rtsp_var> [<web_var>]])
#
# <include_dir> is the directory that holds framepipe/. Results are absolute paths, sorted:
#   umbrella  framepipe/framepipe.hpp
#   rtsp      framepipe/rtsp/** (never core, whether or not <rtsp_var> is asked for)
#   web       framepipe/web/** (never core, whether or not <web_var> is asked for)
#   gst       framepipe/gst/**
#   opencv    framepipe/opencv/**
#   core      every other header (std only)
function(framepipe_partition_headers include_dir core_var opencv_var gst_var umbrella_var)
  # CONFIGURE_DEPENDS re-globs at build time, so a newly added header joins its file set (and
  # gets its own compile-alone check) without re-running cmake by hand. Script mode has no
  # build system to re-check, and rejects the flag.
  if(CMAKE_SCRIPT_MODE_FILE)
    set(configure_depends "")
  else()
    set(configure_depends CONFIGURE_DEPENDS)
  endif()
  file(GLOB_RECURSE headers ${configure_depends} "${include_dir}/framepipe/*.hpp")
  list(SORT headers)

  set(core "")
  set(opencv "")
  set(gst "")
  set(umbrella "")
  set(rtsp "")
  set(web "")
  foreach(header IN LISTS headers)
    file(RELATIVE_PATH rel "${include_dir}/framepipe" "${header}")
    if(rel STREQUAL "framepipe.hpp")
      list(APPEND umbrella "${header}")
    elseif(rel MATCHES "^rtsp/")
      list(APPEND rtsp "${header}")
    elseif(rel MATCHES "^web/")
      list(APPEND web "${header}")
    elseif(rel MATCHES "^gst/")
      list(APPEND gst "${header}")
    elseif(rel MATCHES "^opencv/")
      list(APPEND opencv "${header}")
    else()
      list(APPEND core "${header}")
    endif()
  endforeach()

  set(${core_var} "${core}" PARENT_SCOPE)
  set(${opencv_var} "${opencv}" PARENT_SCOPE)
  set(${gst_var} "${gst}" PARENT_SCOPE)
  set(${umbrella_var} "${umbrella}" PARENT_SCOPE)
  if(ARGC GREATER 5)
    set(${ARGV5} "${rtsp}" PARENT_SCOPE)
  endif()
  if(ARGC GREATER 6)
    set(${ARGV6} "${web}" PARENT_SCOPE)
  endif()
endfunction()
