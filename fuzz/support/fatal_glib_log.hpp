// GLib CRITICALs (a g_return_if_fail that failed: a caller broke a precondition) and WARNINGs of
// GStreamer and GLib are bugs a fuzz input found, as in GStreamer's own ci/fuzzing targets: they
// abort. Everything below WARNING is dropped, so that fuzzing is not slowed down by printing.
// Except while GStreamer parses the fuzz input's own text (complains_about_input()): GStreamer
// 1.22's parsers warn about, or trip preconditions on, text they then refuse (a structure name
// not starting with a letter, an invalid caps feature, a property given twice), and that is the
// input's fault. The targets hand framepipe only text GStreamer parsed without a complaint.
// GStreamer 1.22's value parser also leaks a list or array it fails to parse (`a/b,c={1;d=2}`,
// `a/b,c=<1`: about 200 bytes, inside gst_caps_from_string() and gst_parse_launch()); so that
// trial parse is not leak-checked either, and the targets drop text GStreamer refused there.
#pragma once

#include <glib.h>

#if defined(__SANITIZE_ADDRESS__)
#  define FRAMEPIPE_FUZZ_LSAN 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define FRAMEPIPE_FUZZ_LSAN 1
#  endif
#endif
#ifdef FRAMEPIPE_FUZZ_LSAN
#  include <sanitizer/lsan_interface.h>
#endif

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "framepipe/gst/runtime.hpp"

namespace framepipe::fuzz {

namespace detail {

inline const char* log_field(const GLogField* fields, gsize n, const char* key) {
  for (gsize i = 0; i < n; ++i) {
    if (std::strcmp(fields[i].key, key) == 0 && fields[i].length < 0) {
      return static_cast<const char*>(fields[i].value);
    }
  }
  return "";
}

/// Set while GStreamer parses the input's own text; then whether it complained.
inline std::atomic<bool> parsing_input{false};
inline std::atomic<bool> input_complained{false};

inline GLogWriterOutput fatal_writer(GLogLevelFlags level, const GLogField* fields, gsize n,
                                     gpointer) {
  const char* domain = log_field(fields, n, "GLIB_DOMAIN");
  const bool gst_or_glib = std::strncmp(domain, "GStreamer", 9) == 0 ||
                           std::strncmp(domain, "GLib", 4) == 0 || domain[0] == '\0';
  const char* message = log_field(fields, n, "MESSAGE");
  const bool serious = (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) != 0 ||
                       ((level & G_LOG_LEVEL_WARNING) != 0 && gst_or_glib);
  if (!serious) return G_LOG_WRITER_HANDLED;
  if ((level & G_LOG_LEVEL_ERROR) == 0 && parsing_input.load()) {
    input_complained.store(true);
    return G_LOG_WRITER_HANDLED;
  }
  std::fprintf(stderr, "fuzz: fatal GLib log (%s): %s\n", domain, message);
  std::abort();
}

}  // namespace detail

/// Installs the writer, which aborts itself (so g_log_set_always_fatal() is left alone: it would
/// abort on a complaint about the input too); call once, before GStreamer logs anything
/// (LLVMFuzzerInitialize).
inline void make_glib_criticals_fatal() {
  g_log_set_writer_func(&detail::fatal_writer, nullptr, nullptr);
}

/// LLVMFuzzerInitialize() of a target that runs GStreamer: fatal CRITICALs, then gst_init().
inline int initialize_gstreamer_target() {
  make_glib_criticals_fatal();
  ensure_gstreamer_initialized();
  return 0;
}

/// Runs `parse`, in which GStreamer parses the fuzz input's own text (and nothing of
/// framepipe's runs), with its CRITICALs and WARNINGs recorded instead of fatal, and what it
/// allocates on this thread left out of the leak check (see the top of this file). Returns true
/// when GStreamer complained: the target then drops the input.
template <class Parse>
bool complains_about_input(Parse&& parse) {
  detail::input_complained.store(false);
  detail::parsing_input.store(true);
#ifdef FRAMEPIPE_FUZZ_LSAN
  __lsan_disable();
#endif
  parse();
#ifdef FRAMEPIPE_FUZZ_LSAN
  __lsan_enable();
#endif
  detail::parsing_input.store(false);
  return detail::input_complained.load();
}

}  // namespace framepipe::fuzz
