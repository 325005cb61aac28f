// Options every built-in generator takes.
#pragma once

#include "framepipe/core/pixel_format.hpp"

namespace framepipe {

/// The frame size a generator draws at: `TestPatternGenerator{{.size = {640, 480}}}`.
struct GeneratorOptions {
  Size size{320, 240};
};

}  // namespace framepipe
