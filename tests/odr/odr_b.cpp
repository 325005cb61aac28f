#include "odr_probe.hpp"

int odr_b_white_luma() { return odr_probe::white_luma(64, 47); }
