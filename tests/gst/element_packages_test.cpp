#include "framepipe/gst/element_packages.hpp"

#include <doctest/doctest.h>

using namespace framepipe;

TEST_CASE("package_providing names the Debian package of well-known elements, nothing else") {
  CHECK(detail::package_providing("vp8enc") == "gstreamer1.0-plugins-good");
  CHECK(detail::package_providing("avdec_h264") == "gstreamer1.0-libav");
  CHECK(detail::package_providing("x264enc") == "gstreamer1.0-plugins-ugly");
  CHECK(detail::package_providing("nosuchelement_xyz").empty());
}

TEST_CASE("missing_element_advice gives the apt-get line, or gst-inspect for an unknown element") {
  CHECK(detail::missing_element_advice("srtsink") ==
        "it comes with gstreamer1.0-plugins-bad on Debian/Ubuntu (apt-get install "
        "gstreamer1.0-plugins-bad)");
  CHECK(detail::missing_element_advice("nosuchelement_xyz") ==
        "is its plugin installed? try gst-inspect-1.0 nosuchelement_xyz");
}
