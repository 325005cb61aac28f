# cmake -DMODE=<mode> -DFRAMEPIPE_SOURCE_DIR=... -DFRAMEPIPE_BINARY_DIR=... -DWORK_DIR=...
#       -DGENERATOR=... -DCXX_COMPILER=... [-DBUILD_TYPE=...] [-DCONFIG=...] [-DWERROR=ON]
#       [-DMAKE_PROGRAM=...] [-DPKG_CONFIG=...] [-DFRAMEPIPE_INSTALL_PKGCONFIGDIR=...]
#       [-DHAVE_OPENCV=ON]
#       -P run_package_test.cmake
#
# One package test (see CMakeLists.txt next to this file). WORK_DIR is wiped first, so every run
# starts from nothing: <WORK_DIR>/prefix is the install prefix, <WORK_DIR>/build the consumer's
# build tree.

cmake_minimum_required(VERSION 3.24)

foreach(var MODE FRAMEPIPE_SOURCE_DIR FRAMEPIPE_BINARY_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_package_test.cmake: -D${var}=... is required")
  endif()
endforeach()

set(here "${CMAKE_CURRENT_LIST_DIR}")
set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# step(<what> <command>...): runs the command; on failure, stops with its output.
function(step what)
  string(TIMESTAMP start "%s")
  execute_process(COMMAND ${ARGN}
    WORKING_DIRECTORY "${WORK_DIR}"
    RESULT_VARIABLE result
    OUTPUT_VARIABLE output
    ERROR_VARIABLE output)
  string(TIMESTAMP end "%s")
  math(EXPR seconds "${end} - ${start}")
  if(NOT result EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "${MODE}: ${what} failed (${result}):\n  ${command}\n"
                        "--- output ---\n${output}")
  endif()
  message(STATUS "${MODE}: ${what}: ok (${seconds} s)")
  set(step_output "${output}" PARENT_SCOPE)
endfunction()

# The flags of a strict consumer. -Wdeprecated: OpenCV 4.6's headers, included with plain -I,
# print dozens of C++20 -Wdeprecated-enum-enum-conversion warnings; framepipe must bring them in
# as system headers so that none of that reaches its users.
set(strict_warnings -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wdeprecated)

# expect_no_warnings(<what>): fails if the last step's output has a compiler warning -- even
# without -Werror, so that OpenCV's (system header) warnings are caught in every build type.
function(expect_no_warnings what)
  if(step_output MATCHES "[^\n]*warning:[^\n]*")
    message(FATAL_ERROR "${MODE}: ${what} printed a warning: ${CMAKE_MATCH_0}\n"
                        "--- output ---\n${step_output}")
  endif()
endfunction()

set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()

if(MODE MATCHES "^(find_package|core_only|pkg_config|clang|rtsp_only|unknown_component)$")
  step("install framepipe into ${prefix}"
       "${CMAKE_COMMAND}" --install "${FRAMEPIPE_BINARY_DIR}" --prefix "${prefix}" ${config_args})
  # Consumers of the installed package need only CMake 3.22 (Ubuntu 22.04). The exported targets
  # file is where a newer requirement would creep in (an exported FILE_SET makes it demand
  # 3.23): no file sets, and no version check above 3.22.
  file(GLOB_RECURSE targets_files "${prefix}/*/framepipeTargets.cmake")
  if(NOT targets_files)
    message(FATAL_ERROR "${MODE}: no framepipeTargets.cmake under ${prefix}")
  endif()
  foreach(targets_file IN LISTS targets_files)
    file(READ "${targets_file}" targets_text)
    if(targets_text MATCHES "FILE_SET")
      message(FATAL_ERROR "${MODE}: ${targets_file} exports a FILE_SET (needs CMake 3.23)")
    endif()
    string(REGEX MATCHALL "CMAKE_VERSION VERSION_LESS \"?[0-9.]+" checks "${targets_text}")
    foreach(check IN LISTS checks)
      string(REGEX MATCH "[0-9.]+$" needed "${check}")
      if(needed VERSION_GREATER 3.22)
        message(FATAL_ERROR "${MODE}: ${targets_file} requires CMake ${needed}; consumers on "
                            "3.22 could not use it")
      endif()
    endforeach()
  endforeach()
endif()

if(MODE STREQUAL "pkg_config")
  if(NOT PKG_CONFIG)
    message(FATAL_ERROR "pkg_config: -DPKG_CONFIG=<pkg-config executable> is required")
  endif()
  # Prepended to pkg-config's default search path, which still finds gstreamer-1.0 & co.
  set(ENV{PKG_CONFIG_PATH} "${prefix}/${FRAMEPIPE_INSTALL_PKGCONFIGDIR}")
  step("pkg-config --cflags framepipe" "${PKG_CONFIG}" --cflags framepipe)
  string(STRIP "${step_output}" cflags)
  step("pkg-config --libs framepipe" "${PKG_CONFIG}" --libs framepipe)
  string(STRIP "${step_output}" libs)
  message(STATUS "pkg_config: --cflags: ${cflags}")
  message(STATUS "pkg_config: --libs:   ${libs}")
  # The .pc states that C++20 is required; it must not choose the standard for the consumer.
  if(cflags MATCHES "-std=")
    message(FATAL_ERROR "pkg_config: --cflags forces a language standard: ${cflags}")
  endif()
  # OpenCV, when this build has it, comes in as -isystem (its C++20 deprecation warnings are not
  # the consumer's); never as -I.
  if(cflags MATCHES "-I[^ ]*opencv")
    message(FATAL_ERROR "pkg_config: --cflags gives OpenCV as -I, not -isystem: ${cflags}")
  endif()
  if(HAVE_OPENCV AND NOT cflags MATCHES "-isystem [^ ]*opencv")
    message(FATAL_ERROR "pkg_config: --cflags lacks -isystem <OpenCV include dir>: ${cflags}")
  endif()
  # The -I must lead into this prefix, however pkg-config spells the path.
  string(REGEX MATCH "-I([^ ]*prefix[^ ]*)" include_flag "${cflags}")
  if(include_flag)
    file(REAL_PATH "${CMAKE_MATCH_1}" include_dir)
  endif()
  if(NOT include_flag OR NOT EXISTS "${include_dir}/framepipe/framepipe.hpp")
    message(FATAL_ERROR "pkg_config: --cflags has no -I for ${prefix}/include: ${cflags}")
  endif()
  separate_arguments(cflags UNIX_COMMAND "${cflags}")
  separate_arguments(libs UNIX_COMMAND "${libs}")
  # The consumer picks the standard itself (the .pc says C++20 or later is required).
  set(warnings -std=c++20 ${strict_warnings})
  if(WERROR)
    list(APPEND warnings -Werror)
  endif()
  step("compile consumer/main.cpp with pkg-config's flags"
       "${CXX_COMPILER}" ${cflags} ${warnings} "${here}/consumer/main.cpp"
       -o "${WORK_DIR}/consumer" ${libs})
  expect_no_warnings("compiling consumer/main.cpp")
  step("run the consumer" "${WORK_DIR}/consumer")
  message(STATUS "${step_output}")
  return()
endif()

if(MODE STREQUAL "unknown_component")
  # Configuring must fail, and say why: the component's name and the known ones.
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -S "${here}/unknown_component" -B "${build}" -G "${GENERATOR}"
            "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_PREFIX_PATH=${prefix}"
            -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    WORKING_DIRECTORY "${WORK_DIR}"
    RESULT_VARIABLE result
    OUTPUT_VARIABLE output
    ERROR_VARIABLE output)
  if(result EQUAL 0)
    message(FATAL_ERROR "unknown_component: configuring succeeded\n--- output ---\n${output}")
  endif()
  string(REGEX REPLACE "[ \t\r\n]+" " " flat "${output}")
  foreach(expected "framepipe component 'nosuchthing': unknown component"
                   "known: core gst opencv rtsp web framepipe")
    string(FIND "${flat}" "${expected}" position)
    if(position EQUAL -1)
      message(FATAL_ERROR "unknown_component: the failure does not say \"${expected}\"\n"
                          "--- output ---\n${output}")
    endif()
  endforeach()
  message(STATUS "unknown_component: configuring failed as it should, naming the component")
  return()
endif()

if(MODE STREQUAL "core_only")
  set(project_dir "${here}/core_only")
  set(executable core_only)
elseif(MODE STREQUAL "rtsp_only")
  set(project_dir "${here}/rtsp_only")
  set(executable rtsp_only)
elseif(MODE STREQUAL "clang")
  set(project_dir "${here}/strict")
  set(executable custom_stage)
else()
  set(project_dir "${here}/consumer")
  set(executable consumer)
endif()

set(configure_args
  -S "${project_dir}" -B "${build}" -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
  "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
  # Only the prefix installed above may satisfy find_package(framepipe).
  "-DCMAKE_PREFIX_PATH=${prefix}"
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  "-DFRAMEPIPE_EXPECTED_PREFIX=${prefix}"
  "-DCONSUMER_MODE=${MODE}"
  "-DFRAMEPIPE_SOURCE_DIR=${FRAMEPIPE_SOURCE_DIR}"
  "-DCONSUMER_WERROR=${WERROR}")
if(MAKE_PROGRAM)
  list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
step("configure ${project_dir}" "${CMAKE_COMMAND}" ${configure_args})
step("build" "${CMAKE_COMMAND}" --build "${build}" --parallel 2 ${config_args})
expect_no_warnings("the consumer's build")
step("run the consumer" "${build}/bin/${executable}")
message(STATUS "${step_output}")

if(MODE STREQUAL "core_only")
  # The point of framepipe::core: no GStreamer, GLib or OpenCV on the compile line.
  set(commands_file "${build}/compile_commands.json")
  if(NOT EXISTS "${commands_file}")
    message(FATAL_ERROR "core_only: ${commands_file} was not generated; cannot check flags")
  endif()
  file(READ "${commands_file}" commands)
  if(NOT commands MATCHES "core_only/main\\.cpp")
    message(FATAL_ERROR "core_only: main.cpp missing from ${commands_file}:\n${commands}")
  endif()
  string(TOLOWER "${commands}" commands_lower)
  if(commands_lower MATCHES "-i(system)? ?[^ \"]*(gstreamer|glib|opencv)|framepipe_has_")
    message(FATAL_ERROR "core_only: a GStreamer/OpenCV flag ('${CMAKE_MATCH_0}') reached the "
                        "compile line of a framepipe::core consumer:\n${commands}")
  endif()
  message(STATUS "core_only: compile line free of GStreamer, GLib and OpenCV")
endif()
