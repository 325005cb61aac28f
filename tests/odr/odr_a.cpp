#include "odr_probe.hpp"

int odr_a_white_luma() { return odr_probe::white_luma(3, 3); }
