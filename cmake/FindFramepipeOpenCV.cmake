# FindFramepipeOpenCV
# -------------------
# Finds OpenCV's core and imgproc modules -- the only parts framepipe uses -- and provides
#
#   FramepipeOpenCV::OpenCV   imported INTERFACE target (include dirs + libraries)
#   FramepipeOpenCV_FOUND     and FramepipeOpenCV_VERSION (when known)
#   FramepipeOpenCV_INCLUDE_DIRS, FramepipeOpenCV_LIBRARIES   the same as plain paths (for
#                             framepipe.pc)
#
# OpenCV's include directories reach consumers as SYSTEM directories (-isystem): OpenCV 4.6's
# headers trip GCC's C++20 -Wdeprecated-enum-enum-conversion about 30 times (over 100 lines of
# output) in every translation unit that includes them with plain -I, and those warnings are
# OpenCV's, not the consumer's. Imported targets' include directories are SYSTEM by default; the
# target also lists them in INTERFACE_SYSTEM_INCLUDE_DIRECTORIES to say so explicitly.
#
# Why not plain find_package(OpenCV): Debian's minimal libopencv-core-dev and
# libopencv-imgproc-dev ship neither OpenCVConfig.cmake nor opencv4.pc; both come only with
# libopencv-dev, which drags in every OpenCV module. So an OpenCV config package is used when
# one exists (other distributions, source builds), and otherwise the headers and the two
# libraries are found directly.
#
# This module is installed next to framepipeConfig.cmake, so that installed consumers find
# OpenCV exactly the way framepipe's own build did.

if(TARGET FramepipeOpenCV::OpenCV)
  # Already found in this directory scope (e.g. find_package(framepipe) called twice).
  set(FramepipeOpenCV_FOUND TRUE)
  return()
endif()

find_package(OpenCV QUIET COMPONENTS core imgproc)
if(OpenCV_FOUND)
  set(FramepipeOpenCV_VERSION "${OpenCV_VERSION}")
  set(_framepipe_opencv_via "OpenCVConfig.cmake in ${OpenCV_DIR}")
  include(FindPackageHandleStandardArgs)
  find_package_handle_standard_args(FramepipeOpenCV
    REQUIRED_VARS _framepipe_opencv_via
    VERSION_VAR FramepipeOpenCV_VERSION)
  if(FramepipeOpenCV_FOUND)
    add_library(FramepipeOpenCV::OpenCV INTERFACE IMPORTED)
    # OpenCV's config attaches include directories to its own imported targets (SYSTEM, being
    # imported).
    target_link_libraries(FramepipeOpenCV::OpenCV INTERFACE opencv_core opencv_imgproc)
    set(FramepipeOpenCV_INCLUDE_DIRS "${OpenCV_INCLUDE_DIRS}")
    set(FramepipeOpenCV_LIBRARIES "")
    foreach(_framepipe_cv_target IN ITEMS opencv_imgproc opencv_core)
      set(_framepipe_cv_location "")
      foreach(_framepipe_cv_config IN ITEMS RELEASE RELWITHDEBINFO NOCONFIG DEBUG)
        get_target_property(_framepipe_cv_location ${_framepipe_cv_target}
                            IMPORTED_LOCATION_${_framepipe_cv_config})
        if(_framepipe_cv_location)
          break()
        endif()
      endforeach()
      if(NOT _framepipe_cv_location)
        set(_framepipe_cv_location "-l${_framepipe_cv_target}")
      endif()
      list(APPEND FramepipeOpenCV_LIBRARIES "${_framepipe_cv_location}")
    endforeach()
    unset(_framepipe_cv_target)
    unset(_framepipe_cv_location)
    unset(_framepipe_cv_config)
  endif()
  unset(_framepipe_opencv_via)
  return()
endif()

# Debian installs the headers under /usr/include/opencv4/opencv2/.
find_path(FramepipeOpenCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4)
find_library(FramepipeOpenCV_CORE_LIBRARY opencv_core)
find_library(FramepipeOpenCV_IMGPROC_LIBRARY opencv_imgproc)
mark_as_advanced(FramepipeOpenCV_INCLUDE_DIR FramepipeOpenCV_CORE_LIBRARY
                 FramepipeOpenCV_IMGPROC_LIBRARY)

if(FramepipeOpenCV_INCLUDE_DIR AND EXISTS "${FramepipeOpenCV_INCLUDE_DIR}/opencv2/core/version.hpp")
  file(STRINGS "${FramepipeOpenCV_INCLUDE_DIR}/opencv2/core/version.hpp" _framepipe_cv_lines
       REGEX "^#define CV_VERSION_(MAJOR|MINOR|REVISION)[ \t]+[0-9]+")
  foreach(_part MAJOR MINOR REVISION)
    string(REGEX REPLACE ".*#define CV_VERSION_${_part}[ \t]+([0-9]+).*" "\\1"
           _framepipe_cv_${_part} "${_framepipe_cv_lines}")
  endforeach()
  set(FramepipeOpenCV_VERSION
      "${_framepipe_cv_MAJOR}.${_framepipe_cv_MINOR}.${_framepipe_cv_REVISION}")
  unset(_framepipe_cv_lines)
  unset(_framepipe_cv_MAJOR)
  unset(_framepipe_cv_MINOR)
  unset(_framepipe_cv_REVISION)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(FramepipeOpenCV
  REQUIRED_VARS FramepipeOpenCV_INCLUDE_DIR FramepipeOpenCV_CORE_LIBRARY
                FramepipeOpenCV_IMGPROC_LIBRARY
  VERSION_VAR FramepipeOpenCV_VERSION)

if(FramepipeOpenCV_FOUND)
  set(FramepipeOpenCV_INCLUDE_DIRS "${FramepipeOpenCV_INCLUDE_DIR}")
  set(FramepipeOpenCV_LIBRARIES "${FramepipeOpenCV_IMGPROC_LIBRARY};${FramepipeOpenCV_CORE_LIBRARY}")
  add_library(FramepipeOpenCV::OpenCV INTERFACE IMPORTED)
  # SYSTEM (see the top of this file): OpenCV's own headers must not trip the consumer's
  # warnings, nor our -Wpedantic -Werror.
  set_target_properties(FramepipeOpenCV::OpenCV PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${FramepipeOpenCV_INCLUDE_DIR}"
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${FramepipeOpenCV_INCLUDE_DIR}"
    # imgproc depends on core: keep this order for static linking.
    INTERFACE_LINK_LIBRARIES "${FramepipeOpenCV_IMGPROC_LIBRARY};${FramepipeOpenCV_CORE_LIBRARY}")
endif()
