// Options every built-in generator takes.
#pragma once

#include "framepipe/core/pixel_format.hpp"

namespace framepipe {

/// The frame size a generator draws at.
struct GeneratorOptions {
  int width = 320;
  int height = 240;
};

}  // namespace framepipe
