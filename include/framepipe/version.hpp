// framepipe version: the one place it is set (CMakeLists.txt reads MAJOR/MINOR/PATCH from here).
#pragma once

#define FRAMEPIPE_VERSION_MAJOR 0
#define FRAMEPIPE_VERSION_MINOR 1
#define FRAMEPIPE_VERSION_PATCH 0
/// Single comparable number: major * 10000 + minor * 100 + patch.
#define FRAMEPIPE_VERSION \
  (FRAMEPIPE_VERSION_MAJOR * 10000 + FRAMEPIPE_VERSION_MINOR * 100 + FRAMEPIPE_VERSION_PATCH)
/// "MAJOR.MINOR.PATCH", spelled from the numbers above (never a second copy of them).
#define FRAMEPIPE_VERSION_STRINGIFY_(x) #x
#define FRAMEPIPE_VERSION_STRINGIFY(x) FRAMEPIPE_VERSION_STRINGIFY_(x)
#define FRAMEPIPE_VERSION_STRING                                                            \
  FRAMEPIPE_VERSION_STRINGIFY(FRAMEPIPE_VERSION_MAJOR)                                      \
  "." FRAMEPIPE_VERSION_STRINGIFY(FRAMEPIPE_VERSION_MINOR) "." FRAMEPIPE_VERSION_STRINGIFY( \
      FRAMEPIPE_VERSION_PATCH)
