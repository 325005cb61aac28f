# cmake -DBUILD_DIR=<build tree> -DTARGET=<target> -DSOURCE=<case.cpp> [-DCONFIG=<cfg>]
#       -P run_compile_fail.cmake
#
# Builds <target> and passes only if the build fails and its output matches every
# "// expect: <regex>" line of <case.cpp>. On failure, prints the whole build output.

cmake_minimum_required(VERSION 3.24)

foreach(var BUILD_DIR TARGET SOURCE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_compile_fail.cmake: -D${var}=... is required")
  endif()
endforeach()

file(STRINGS "${SOURCE}" expect_lines REGEX "^//[ \t]*expect:")
set(regexes "")
foreach(line IN LISTS expect_lines)
  string(REGEX REPLACE "^//[ \t]*expect:[ \t]*" "" regex "${line}")
  string(STRIP "${regex}" regex)
  if(regex STREQUAL "")
    message(FATAL_ERROR "${SOURCE}: empty '// expect:' line")
  endif()
  list(APPEND regexes "${regex}")
endforeach()
if(NOT regexes)
  message(FATAL_ERROR "${SOURCE}: no '// expect: <regex>' line")
endif()

set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
# LC_ALL=C: GCC quotes with 'ASCII' instead of UTF-8 quotes, so regexes need not care.
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env LC_ALL=C
          "${CMAKE_COMMAND}" --build "${BUILD_DIR}" --target "${TARGET}" ${config_args}
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)

if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not.\n--- build output ---\n${output}")
endif()

set(missing "")
foreach(regex IN LISTS regexes)
  if(NOT output MATCHES "${regex}")
    string(APPEND missing "  ${regex}\n")
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "${SOURCE} failed to compile, but its output does not match\n${missing}"
                      "--- build output ---\n${output}")
endif()

list(JOIN regexes "\n  " matched)
message(STATUS "${SOURCE} fails to compile, as expected; output matched\n  ${matched}")
