// fuzz_description: gst-launch descriptions from the input, handed to the constructors of
// AppSrcSink (as the downstream part) and AppSinkSource<I420> (as the upstream part), and, when
// the input asks, a few frames through each. Only descriptions whose every element is in an
// allow-list of elements that touch no file, socket or device are used, so that fuzzing never
// opens anything: a lexical check before parsing (every word in an element's place must be an
// allowed factory name; no URI, no ':' outside quotes), and after parsing, before any state
// change, a walk of the whole pipeline (every element's factory allowed).
//
// Trailing bytes: which of the two (or both), whether to stream, and how many frames; the
// leading bytes are the description. Every exception must be a framepipe::Error; any other, a
// crash, a hang, a GLib CRITICAL or a GStreamer WARNING (support/fatal_glib_log.hpp) aborts.
#include <gst/gst.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

#include "framepipe/core/error.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/gst/app_sink_source.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/gst/runtime.hpp"
#include "support/fatal_glib_log.hpp"
#include "support/fuzz_input.hpp"

namespace {

using framepipe::PixelFormat;
using framepipe::fuzz::FuzzInput;

constexpr std::size_t kMaxDescription = 512;

/// Elements that open no file, socket or device, and start no process: what a description may
/// name. (appsrc and appsink are the ones framepipe adds itself; bin/pipeline are "( ... )".)
constexpr std::string_view kAllowed[] = {
    "videotestsrc", "videoconvert", "videoscale", "videorate", "videoflip",
    "videocrop",    "videobox",     "capsfilter", "identity",  "queue",
    "tee",          "fakesink",     "fakesrc",    "valve",     "bin",
};

bool allowed(std::string_view factory) {
  for (const std::string_view a : kAllowed) {
    if (factory == a) return true;
  }
  return false;
}

[[noreturn]] void bug(const std::string& what) {
  std::fprintf(stderr, "fuzz_description: %s\n", what.c_str());
  std::abort();
}

/// The lexical check: splits the description into words at blanks, '!', '(' and ')', skipping
/// quoted values; a word with '=' is a property, with '.' a reference to a named element or pad,
/// with '/' caps; any other word names an element factory and must be allowed. No ':' (URIs, caps
/// features) outside quotes, no quote outside a property value, no control characters.
bool only_allowed_elements(std::string_view d) {
  std::size_t i = 0;
  while (i < d.size()) {
    const char c = d[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '!' || c == '(' || c == ')') {
      ++i;
      continue;
    }
    const std::size_t start = i;
    bool property = false, reference = false, caps = false;
    while (i < d.size()) {
      const char w = d[i];
      if (w == ' ' || w == '\t' || w == '\n' || w == '!' || w == '(' || w == ')') break;
      if (static_cast<unsigned char>(w) < 0x20 || static_cast<unsigned char>(w) > 0x7e ||
          w == ':' || w == '\\') {
        return false;
      }
      if (w == '"' || w == '\'') {
        if (!property) return false;
        const std::size_t close = d.find(w, i + 1);
        if (close == std::string_view::npos) return false;
        for (std::size_t q = i + 1; q < close; ++q) {
          const auto u = static_cast<unsigned char>(d[q]);
          if (u < 0x20 || u > 0x7e || d[q] == '\\') return false;
        }
        i = close + 1;
        continue;
      }
      property = property || w == '=';
      reference = reference || (w == '.' && !property);
      caps = caps || (w == '/' && !property);
      ++i;
    }
    const std::string_view word = d.substr(start, i - start);
    if (!property && !reference && !caps && !allowed(word)) return false;
    // A caps word may only be caps (letters, digits, '-', '/', ',', '=', '.', blanks are split).
    if (word.find("//") != std::string_view::npos) return false;
  }
  return true;
}

/// The check after parsing: every element of the pipeline, at every depth, is allowed (or is
/// framepipe's own appsrc / appsink).
bool pipeline_allowed(GstElement* pipeline) {
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(pipeline));
  bool ok = true;
  GValue item = G_VALUE_INIT;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next(it, &item)) {
      case GST_ITERATOR_OK: {
        auto* element = GST_ELEMENT(g_value_get_object(&item));
        GstElementFactory* factory = gst_element_get_factory(element);
        const std::string_view name =
            factory != nullptr ? gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)) : "";
        if (!allowed(name) && name != "appsrc" && name != "appsink") ok = false;
        g_value_reset(&item);
        break;
      }
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync(it);
        ok = true;
        break;
      default:
        done = true;
        break;
    }
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  return ok;
}

void as_downstream(const std::string& description, bool stream, int frames) {
  framepipe::AppSrcSink sink{description,
                             {.pool_size = 2,
                              .eos_timeout = std::chrono::milliseconds(500),
                              .acquire_timeout = std::chrono::milliseconds(500),
                              .on_log = [](framepipe::LogLevel, const std::string&) {}}};
  if (!pipeline_allowed(sink.pipeline().get())) {
    bug("an element outside the allow-list passed the lexical check: " + description);
  }
  if (!stream) return;
  const framepipe::StreamSpec spec{
      .format = PixelFormat::I420, .size = {32, 24}, .fps = {30, 1}, .color = {}};
  sink.start(spec);
  for (int i = 0; i < frames; ++i) {
    sink.acquire<PixelFormat::I420>();
    sink.submit(framepipe::FrameTime::at(static_cast<std::uint64_t>(i), spec.fps));
  }
  sink.finish();
}

void as_upstream(const std::string& description, bool stream, int frames) {
  framepipe::AppSinkSource<PixelFormat::I420> source{
      description,
      {.pull_timeout = std::chrono::milliseconds(500),
       .on_log = [](framepipe::LogLevel, const std::string&) {}}};
  if (!pipeline_allowed(source.pipeline().get())) {
    bug("an element outside the allow-list passed the lexical check: " + description);
  }
  if (!stream) return;
  source.start();
  for (int i = 0; i < frames; ++i) {
    if (!source.next()) break;
  }
  source.stop();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  return framepipe::fuzz::initialize_gstreamer_target();
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(data, size);
  const std::uint8_t mode = in.byte();
  const bool stream = (mode & 4u) != 0;
  const int frames = (mode >> 3) % 4;
  const std::string description(
      reinterpret_cast<const char*>(in.payload()),
      in.payload_size() < kMaxDescription ? in.payload_size() : kMaxDescription);
  if (description.find('\0') != std::string::npos || !only_allowed_elements(description)) {
    return 0;
  }
  // GStreamer's own complaints about the text (a property given twice, a bad caps feature) are
  // the input's fault: a trial parse, with them recorded rather than fatal, weeds them out, so
  // that a complaint while framepipe builds its pipeline is framepipe's. The trial parses the
  // text as framepipe first does, with a neighbour on the same side ("1video/x-raw" alone is an
  // element name, before "! fakesink" caps). Where GStreamer refused the text (its syntax, a
  // value, caps between two elements), its value parser may have leaked what it had parsed
  // (support/fatal_glib_log.hpp), and framepipe's parse would leak it again: dropped too.
  const bool downstream = (mode & 1u) == 0;
  const std::string trial = downstream ? "appsrc ! " + description : description + " ! fakesink";
  bool value_refused = false;
  if (framepipe::fuzz::complains_about_input([&] {
        GError* error = nullptr;
        GstElement* parsed =
            gst_parse_launch_full(trial.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &error);
        if (parsed != nullptr) gst_object_unref(gst_object_ref_sink(parsed));
        if (error != nullptr) {
          value_refused =
              error->domain == GST_PARSE_ERROR &&
              (error->code == GST_PARSE_ERROR_SYNTAX || error->code == GST_PARSE_ERROR_LINK ||
               error->code == GST_PARSE_ERROR_COULD_NOT_SET_PROPERTY ||
               error->code == GST_PARSE_ERROR_DELAYED_LINK);
          g_error_free(error);
        }
      }) ||
      value_refused) {
    return 0;
  }
  try {
    if (downstream) {
      as_downstream(description, stream, frames);
    } else {
      as_upstream(description, stream, frames);
    }
  } catch (const framepipe::Error& e) {
    framepipe::fuzz::note("fuzz_description", e.what());
    // A typed refusal: a parse error, a missing element, a failed negotiation, a timeout.
  } catch (const std::exception& e) {
    bug(std::string("an untyped exception: ") + typeid(e).name() + ": " + e.what());
  } catch (...) {
    bug("an exception that is not a std::exception");
  }
  return 0;
}
