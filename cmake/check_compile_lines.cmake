# cmake -DCOMPILE_COMMANDS=<build>/compile_commands.json -P check_compile_lines.cmake
#
# For a build configured without GStreamer and OpenCV (the core-only configuration): fails,
# naming the flag, if any compile line of framepipe's own targets has a GStreamer, GLib or OpenCV
# include directory or library on it.

if(NOT DEFINED COMPILE_COMMANDS OR NOT EXISTS "${COMPILE_COMMANDS}")
  message(FATAL_ERROR "check_compile_lines: -DCOMPILE_COMMANDS=<compile_commands.json> is "
                      "required and must exist (CMAKE_EXPORT_COMPILE_COMMANDS=ON)")
endif()
file(READ "${COMPILE_COMMANDS}" commands)
string(REGEX MATCHALL "\"command\": \"[^\n]*" lines "${commands}")
list(LENGTH lines count)
if(count EQUAL 0)
  message(FATAL_ERROR "check_compile_lines: no compile commands in ${COMPILE_COMMANDS}")
endif()
foreach(line IN LISTS lines)
  string(TOLOWER "${line}" lower)
  if(lower MATCHES "-i(system)? ?[^ \"]*(gstreamer|glib|opencv)[^ \"]*")
    message(FATAL_ERROR "check_compile_lines: '${CMAKE_MATCH_0}' on a compile line of the "
                        "core-only build:\n${line}")
  endif()
endforeach()
message(STATUS "check_compile_lines: ${count} compile lines, none with a GStreamer, GLib or "
               "OpenCV include directory")
