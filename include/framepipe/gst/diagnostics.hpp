// framepipe's guesses at the cause of a failure, added to its exceptions: which elements likely
// hold the frames a pool waits for, an odd frame size an encoder refuses, the path a sink could
// not open; and (element_packages.hpp) the package that ships a missing element.
#pragma once

#include <gst/gst.h>

#include <string>
#include <string_view>
#include <vector>

#include "framepipe/core/pixel_format.hpp"
#include "framepipe/gst/bus.hpp"
#include "framepipe/gst/element_packages.hpp"
#include "framepipe/gst/pipeline_control.hpp"
#include "framepipe/gst/runtime.hpp"

namespace framepipe::detail {

/// The factory's klass of `element` ("Codec/Encoder/Video", "Sink/File"...), "" when unknown.
inline std::string element_klass(GstElement* element) {
  GstElementFactory* factory = element != nullptr ? gst_element_get_factory(element) : nullptr;
  if (factory == nullptr) return {};
  const gchar* klass = gst_element_factory_get_metadata(factory, GST_ELEMENT_METADATA_KLASS);
  return klass != nullptr ? klass : "";
}

/// The factory name of `element` ("x264enc"), "" when unknown.
inline std::string factory_name(GstElement* element) {
  GstElementFactory* factory = element != nullptr ? gst_element_get_factory(element) : nullptr;
  return factory != nullptr ? gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)) : "";
}

inline bool is_encoder(GstElement* element) {
  return element_klass(element).find("Encoder") != std::string::npos;
}

/// Elements of `pipeline` (nested bins included) that may hold frames: encoders (look-ahead,
/// B-frames, threads), queues and sinks. Each entry is `"name" (factory)`.
struct FrameHolders {
  std::vector<std::string> encoders, queues, sinks;
};

inline FrameHolders find_frame_holders(GstElement* pipeline) {
  FrameHolders found;
  visit_elements(
      pipeline,
      [&](GstElement* element) {
        const std::string klass = element_klass(element);
        const std::string factory = factory_name(element);
        std::string entry(1, '"');  // appended piecewise: GCC 12 misreads "x" + s (-Wrestrict)
        entry += object_name(GST_OBJECT_CAST(element));
        entry += "\" (";
        entry += factory;
        entry += ')';
        if (klass.find("Encoder") != std::string::npos) {
          found.encoders.push_back(entry);
        } else if (factory == "queue" || factory == "queue2" || factory == "multiqueue") {
          found.queues.push_back(entry);
        } else if (klass.find("Sink") != std::string::npos && !GST_IS_BIN(element)) {
          found.sinks.push_back(entry);
        }
        return true;
      },
      [&] { found = {}; });
  return found;
}

/// Why a pool of `slots` frames (`bytes` in all) did not get a frame back, and what to change.
inline std::string stuck_pool_advice(GstElement* pipeline, std::size_t slots, std::size_t bytes) {
  const auto join = [](const std::vector<std::string>& names) {
    std::string text;
    for (const std::string& n : names) text += (text.empty() ? "" : ", ") + n;
    return text;
  };
  const FrameHolders holders = find_frame_holders(pipeline);
  std::string text = "all " + std::to_string(slots) + " frames of the pool (" +
                     std::to_string(bytes / (1024 * 1024)) +
                     " MiB) are held downstream and none came back";
  std::string likely;
  if (!holders.encoders.empty()) {
    likely += "encoder " + join(holders.encoders) +
              " (encoders keep frames for look-ahead, B-frames and threads: x264enc "
              "tune=zerolatency or rc-lookahead=<n>, x265enc tune=zerolatency, vp8enc/vp9enc "
              "lag-in-frames=0)";
  }
  if (!holders.queues.empty()) {
    likely += std::string(likely.empty() ? "" : "; ") + "queue " + join(holders.queues) +
              " (lower max-size-buffers, or put a videoconvert before it so it holds copies)";
  }
  if (!holders.sinks.empty()) {
    likely += std::string(likely.empty() ? "" : "; ") + "sink " + join(holders.sinks) +
              " (a sink keeps its last frame unless enable-last-sample=false; filesink keeps "
              "frames until 64 KiB are pending unless buffer-mode=unbuffered; an appsink keeps "
              "what nobody pulls; a stalled sync=true sink holds its queue)";
  }
  if (!likely.empty()) text += "; likely held by " + likely;
  text +=
      ". Raise AppSrcSinkOptions::max_pool_bytes (or acquire_timeout if downstream is only "
      "slow), or make those elements hold fewer frames";
  return text;
}

/// When `size` is odd and an encoder failed or refused the caps: that most encoders need an even
/// width and height, with the nearest even sizes. "" otherwise.
inline std::string odd_size_hint(const BusReport& report, GstMessage* message, Size size) {
  if (size.width % 2 == 0 && size.height % 2 == 0) return {};
  GstObject* source = GST_MESSAGE_SRC(message);
  const bool encoder =
      source != nullptr && GST_IS_ELEMENT(source) && is_encoder(GST_ELEMENT(source));
  if (!encoder && !report.not_negotiated) return {};
  const auto down = [](int v) { return v % 2 == 0 ? v : v - 1; };
  const auto up = [](int v) { return v % 2 == 0 ? v : v + 1; };
  return "framepipe: the frame size " + to_string(size) +
         " is odd; this encoder needs an even width and height (e.g. " +
         to_string(Size{down(size.width), down(size.height)}) + " or " +
         to_string(Size{up(size.width), up(size.height)}) + "; crop or pad the frame)";
}

/// When an element with a `location` property reports a resource error that does not name it:
/// the location. "" otherwise.
inline std::string location_hint(const BusReport& report, GstMessage* message) {
  if (report.domain != "gst-resource-error-quark") return {};
  GstObject* source = GST_MESSAGE_SRC(message);
  if (source == nullptr || !G_IS_OBJECT(source)) return {};
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(source), "location");
  if (spec == nullptr || spec->value_type != G_TYPE_STRING) return {};
  gchar* raw = nullptr;
  g_object_get(source, "location", &raw, nullptr);
  const std::string location = take_gchar(raw);
  if (location.empty() || report.message.find(location) != std::string::npos) return {};
  return "location \"" + location + "\"";
}

}  // namespace framepipe::detail
