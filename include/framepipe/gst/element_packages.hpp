// Which Debian/Ubuntu package ships a well-known GStreamer element: the advice a MissingElement
// gives. A diagnostic, like those in diagnostics.hpp (which includes this header); a room of its
// own because error.hpp needs it too and diagnostics.hpp stands on error.hpp.
#pragma once

#include <string>
#include <string_view>

namespace framepipe {

namespace detail {

/// The Debian/Ubuntu package that ships well-known elements; empty when framepipe does not know.
/// GStreamer itself cannot say which plugin would provide an element it has never loaded.
inline std::string_view package_providing(std::string_view element) {
  struct Entry {
    std::string_view element, package;
  };
  static constexpr Entry kKnown[] = {
      {"x264enc", "gstreamer1.0-plugins-ugly"},

      {"x265enc", "gstreamer1.0-plugins-bad"},
      {"openh264enc", "gstreamer1.0-plugins-bad"},

      {"avdec_h264", "gstreamer1.0-libav"},
      {"avenc_mpeg4", "gstreamer1.0-libav"},
      {"avdec_hevc", "gstreamer1.0-libav"},
      {"vp8enc", "gstreamer1.0-plugins-good"},
      {"vp9enc", "gstreamer1.0-plugins-good"},
      {"webmmux", "gstreamer1.0-plugins-good"},
      {"matroskamux", "gstreamer1.0-plugins-good"},
      {"qtmux", "gstreamer1.0-plugins-good"},
      {"mp4mux", "gstreamer1.0-plugins-good"},
      {"autovideosink", "gstreamer1.0-plugins-good"},
      {"rtpvp8pay", "gstreamer1.0-plugins-good"},
      {"udpsink", "gstreamer1.0-plugins-good"},
      {"pngenc", "gstreamer1.0-plugins-good"},
      {"jpegenc", "gstreamer1.0-plugins-good"},
      {"capssetter", "gstreamer1.0-plugins-good"},
      {"h264parse", "gstreamer1.0-plugins-bad"},
      {"mpegtsmux", "gstreamer1.0-plugins-bad"},
      {"rtmp2sink", "gstreamer1.0-plugins-bad"},
      {"srtsink", "gstreamer1.0-plugins-bad"},
      {"videoconvert", "gstreamer1.0-plugins-base"},
      {"videoscale", "gstreamer1.0-plugins-base"},
      {"appsink", "gstreamer1.0-plugins-base"},
      {"theoraenc", "gstreamer1.0-plugins-base"},
      {"oggmux", "gstreamer1.0-plugins-base"},
      {"ximagesink", "gstreamer1.0-x"},
      {"xvimagesink", "gstreamer1.0-x"},
      {"glimagesink", "gstreamer1.0-gl"},
  };
  for (const Entry& e : kKnown) {
    if (e.element == element) return e.package;
  }
  return {};
}

inline std::string missing_element_advice(const std::string& element) {
  const std::string_view package = package_providing(element);
  if (!package.empty()) {
    return "it comes with " + std::string(package) + " on Debian/Ubuntu (apt-get install " +
           std::string(package) + ")";
  }
  return "is its plugin installed? try gst-inspect-1.0 " + element;
}

}  // namespace detail

}  // namespace framepipe
