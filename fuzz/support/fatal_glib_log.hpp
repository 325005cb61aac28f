// GLib CRITICALs (a g_return_if_fail that failed: a caller broke a precondition) and WARNINGs of
// GStreamer and GLib are bugs a fuzz input found, as in GStreamer's own ci/fuzzing targets: they
// abort. Everything below WARNING is dropped, so that fuzzing is not slowed down by printing.
// One complaint is not a bug of framepipe's: GStreamer 1.22's caps parser, given a structure
// name that does not start with a letter (`caps=_video/x-raw` in a description, or caps text),
// passes it to gst_structure_new_empty(), whose precondition fails (a CRITICAL inside
// gst_caps_from_string) before the parser refuses the text. The input is at fault there, and
// framepipe gets the refusal, so that message is let through.
#pragma once

#include <glib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

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

/// GStreamer's complaints about the text it was asked to parse: the input's fault, not a bug.
inline bool about_the_input(const char* message) {
  constexpr const char* kAboutTheInput[] = {
      "Invalid structure name: ",
      "gst_structure_new_empty: assertion 'gst_structure_validate_name (name)' failed",
  };
  for (const char* known : kAboutTheInput) {
    if (std::strncmp(message, known, std::strlen(known)) == 0) return true;
  }
  return false;
}

inline GLogWriterOutput fatal_writer(GLogLevelFlags level, const GLogField* fields, gsize n,
                                     gpointer) {
  const char* domain = log_field(fields, n, "GLIB_DOMAIN");
  const bool gst_or_glib = std::strncmp(domain, "GStreamer", 9) == 0 ||
                           std::strncmp(domain, "GLib", 4) == 0 || domain[0] == '\0';
  const char* message = log_field(fields, n, "MESSAGE");
  const bool fatal =
      (level & G_LOG_LEVEL_ERROR) != 0 ||
      ((level & G_LOG_LEVEL_CRITICAL) != 0 && !about_the_input(message)) ||
      ((level & G_LOG_LEVEL_WARNING) != 0 && gst_or_glib && !about_the_input(message));
  if (!fatal) return G_LOG_WRITER_HANDLED;
  std::fprintf(stderr, "fuzz: fatal GLib log (%s): %s\n", domain, message);
  std::abort();
}

}  // namespace detail

/// Installs the writer, which aborts itself (so g_log_set_always_fatal() is left alone: it would
/// abort on the CRITICAL about the input too); call once, before GStreamer logs anything
/// (LLVMFuzzerInitialize).
inline void make_glib_criticals_fatal() {
  g_log_set_writer_func(&detail::fatal_writer, nullptr, nullptr);
}

}  // namespace framepipe::fuzz
