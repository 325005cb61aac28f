// Turning a gst-launch description into a pipeline: the one parse every framepipe element that
// builds a pipeline uses, and the check for names spliced into a description.
#pragma once

#include <gst/gst.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "framepipe/gst/error.hpp"
#include "framepipe/gst/runtime.hpp"

namespace framepipe::detail {

/// True when `name` can follow `name=` in a gst-launch description as one token: ASCII letters,
/// digits, '_' and '-' (no spaces, '!', '=', '.', quotes...).
inline bool is_element_name_token(std::string_view name) noexcept {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

/// What parse_launch() does when GStreamer parsed every element but could not link two of them
/// (`GST_PARSE_ERROR_LINK`).
enum class OnLinkError {
  Throw,        ///< throw ParseError, like every other parse error
  ReturnEmpty,  ///< return an empty ElementPtr, so the caller can try another description
};

/// The elements GStreamer could not find while parsing, "a, b" ("" when none).
inline std::string missing_elements(GstParseContext* context) {
  const GStrvPtr names(gst_parse_context_get_missing_elements(context));
  std::string missing;
  if (!names) return missing;
  for (gchar** n = names.get(); *n != nullptr; ++n) {
    if (!missing.empty()) missing += ", ";
    missing += *n;
  }
  return missing;
}

/// Parses `description` with `gst_parse_launch_full()` (GST_PARSE_FLAG_FATAL_ERRORS) into a
/// pipeline it owns; a description of one element is put into a new GstPipeline. Throws
/// MissingElement (naming the element, and the Debian package that ships it when known) when no
/// plugin provides an element, ParseError for anything else GStreamer rejects -- link failures
/// too, unless `on_link_error` is ReturnEmpty, which returns an empty pointer for them instead.
/// Everything GStreamer hands back is owned at once, so nothing leaks on any path.
inline ElementPtr parse_launch(const std::string& description,
                               OnLinkError on_link_error = OnLinkError::Throw) {
  ensure_gstreamer_initialized();
  const ParseContextPtr context(gst_parse_context_new());
  GError* raw_error = nullptr;
  GstElement* parsed = gst_parse_launch_full(description.c_str(), context.get(),
                                             GST_PARSE_FLAG_FATAL_ERRORS, &raw_error);
  const GErrorPtr error(raw_error);
  ElementPtr element(parsed != nullptr ? GST_ELEMENT(gst_object_ref_sink(parsed)) : nullptr);
  if (error || !element) {
    const std::string message =
        error && error->message != nullptr ? error->message : "gst_parse_launch_full() failed";
    if (error && error->domain == GST_PARSE_ERROR) {
      if (error->code == GST_PARSE_ERROR_NO_SUCH_ELEMENT) {
        const std::string missing = missing_elements(context.get());
        throw MissingElement(missing.empty() ? std::string("?") : missing, message);
      }
      if (error->code == GST_PARSE_ERROR_LINK && on_link_error == OnLinkError::ReturnEmpty) {
        return nullptr;
      }
    }
    throw ParseError(description, message);
  }
  if (!GST_IS_PIPELINE(element.get())) {
    // A single element parses to itself; put it in a pipeline.
    ElementPtr pipeline(GST_ELEMENT(gst_object_ref_sink(gst_pipeline_new(nullptr))));
    if (gst_bin_add(GST_BIN(pipeline.get()), element.get()) == FALSE) {
      throw ParseError(description, "the element could not be put into a pipeline");
    }
    element = std::move(pipeline);  // the bin holds the element's reference now
  }
  return element;
}

}  // namespace framepipe::detail
