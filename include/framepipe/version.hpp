// framepipe version: the one place it is set (CMakeLists.txt reads MAJOR/MINOR/PATCH from here).
#pragma once

#define FRAMEPIPE_VERSION_MAJOR 0
#define FRAMEPIPE_VERSION_MINOR 1
#define FRAMEPIPE_VERSION_PATCH 0
/// Single comparable number: major * 10000 + minor * 100 + patch.
#define FRAMEPIPE_VERSION \
  (FRAMEPIPE_VERSION_MAJOR * 10000 + FRAMEPIPE_VERSION_MINOR * 100 + FRAMEPIPE_VERSION_PATCH)
#define FRAMEPIPE_VERSION_STRING "0.1.0"
