// Exceptions for what goes wrong on the GStreamer side, and the levels of the log callback.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "framepipe/core/error.hpp"
#include "framepipe/gst/element_packages.hpp"

namespace framepipe {

namespace detail {

/// `text` with every secret replaced by "***": the value after `passphrase=` or `password=` (up
/// to a space, '&', '!', a quote or the end), and the password of `user:password@` in a URI.
/// Exception texts and logs quote descriptions and URIs through it.
inline std::string redact_secrets(std::string text) {
  const auto ends_value = [](char c) {
    return c == ' ' || c == '&' || c == '!' || c == '"' || c == '\'' || c == '\t' || c == '\n';
  };
  for (const std::string_view key :
       {std::string_view("passphrase="), std::string_view("password=")}) {
    for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
      const std::size_t begin = at + key.size();
      std::size_t end = begin;
      while (end < text.size() && !ends_value(text[end])) ++end;
      text.replace(begin, end - begin, "***");
    }
  }
  // scheme://user:secret@host
  for (std::size_t at = text.find("://"); at != std::string::npos; at = text.find("://", at + 3)) {
    const std::size_t begin = at + 3;
    std::size_t end = begin;
    while (end < text.size() && !ends_value(text[end]) && text[end] != '/' && text[end] != '@') {
      ++end;
    }
    if (end >= text.size() || text[end] != '@') continue;
    const std::size_t colon = text.find(':', begin);
    if (colon == std::string::npos || colon >= end) continue;
    text.replace(colon + 1, end - colon - 1, "***");
  }
  return text;
}

/// An Error that carries GStreamer's own explanation beside its text: what ParseError and
/// MissingElement share.
class ErrorWithGstMessage : public Error {
 public:
  /// GStreamer's own explanation.
  const std::string& gst_message() const noexcept { return gst_message_; }

 protected:
  ErrorWithGstMessage(const std::string& what, std::string gst_message)
      : Error(what), gst_message_(std::move(gst_message)) {}

 private:
  std::string gst_message_;
};

}  // namespace detail

/// A pipeline description that `gst_parse_launch_full()` rejects (syntax, unknown property, link
/// failure...).
class ParseError : public detail::ErrorWithGstMessage {
 public:
  ParseError(std::string description, const std::string& gst_message)
      : ErrorWithGstMessage("framepipe: cannot parse GStreamer pipeline \"" +
                                detail::redact_secrets(description) +
                                "\": " + detail::redact_secrets(gst_message),
                            detail::redact_secrets(gst_message)),
        description_(detail::redact_secrets(std::move(description))) {}

  /// The full description given to GStreamer, secrets redacted (detail::redact_secrets).
  const std::string& description() const noexcept { return description_; }

 private:
  std::string description_;
};

/// A description names an element no installed plugin provides
/// (`GST_PARSE_ERROR_NO_SUCH_ELEMENT`). The message names the package that ships the element when
/// framepipe knows it (GStreamer cannot say for a plugin it has never loaded).
class MissingElement : public detail::ErrorWithGstMessage {
 public:
  MissingElement(std::string element, const std::string& gst_message)
      : ErrorWithGstMessage("framepipe: GStreamer element \"" + element + "\" is not available (" +
                                detail::missing_element_advice(element) + "): " + gst_message,
                            gst_message),
        element_(std::move(element)) {}

  /// The factory name that could not be found, e.g. "x264enc".
  const std::string& element() const noexcept { return element_; }

 private:
  std::string element_;
};

/// An ERROR message from the pipeline's bus: which element posted it, its message and the debug
/// details GStreamer attached (`gst_message_parse_error()`). Every text it holds -- what(),
/// message(), debug() -- has its secrets redacted (detail::redact_secrets): GStreamer's texts and
/// framepipe's hints quote locations and URIs (`rtsp://user:secret@…`, `…?passphrase=…`).
class StreamError : public Error {
 public:
  StreamError(const std::string& element, const std::string& message, const std::string& debug,
              const std::string& domain = {}, int code = 0)
      : StreamError("framepipe: " + compose(element, message, debug), element, message, debug,
                    domain, code) {}

  /// Name of the element that posted the error ("" when it was not an element).
  const std::string& element() const noexcept { return element_; }
  /// GStreamer's message, meant for users (e.g. "Could not open file ... for writing."), with
  /// framepipe's hint if any; secrets redacted.
  const std::string& message() const noexcept { return message_; }
  /// GStreamer's debug details, meant for developers (may be empty); secrets redacted.
  const std::string& debug() const noexcept { return debug_; }
  /// The GError domain, e.g. "gst-resource-error-quark" ("" when unknown).
  const std::string& domain() const noexcept { return domain_; }
  /// The GError code within domain().
  int code() const noexcept { return code_; }

 protected:
  StreamError(const std::string& what, const std::string& element, const std::string& message,
              const std::string& debug, const std::string& domain, int code)
      : Error(detail::redact_secrets(what)),
        element_(element),
        message_(detail::redact_secrets(message)),
        debug_(detail::redact_secrets(debug)),
        domain_(domain),
        code_(code) {}

  /// "GStreamer error from element "x": message (debug: ...)" (the constructor redacts it).
  static std::string compose(const std::string& element, const std::string& message,
                             const std::string& debug) {
    std::string what = "GStreamer error";
    if (!element.empty()) what += " from element \"" + element + "\"";
    what += ": " + message;
    if (!debug.empty()) what += " (debug: " + debug + ")";
    return what;
  }

 private:
  std::string element_;
  std::string message_;
  std::string debug_;
  std::string domain_;
  int code_ = 0;
};

/// Downstream refused the caps framepipe offered: a StreamError whose cause is
/// not-negotiated, with the offered caps.
class NotNegotiated : public StreamError {
 public:
  NotNegotiated(const std::string& element, const std::string& message, const std::string& debug,
                const std::string& offered_caps, const std::string& domain = {}, int code = 0)
      : StreamError("framepipe: downstream did not accept the caps framepipe offered (" +
                        offered_caps + "); " + compose(element, message, debug),
                    element, message, debug, domain, code),
        offered_caps_(offered_caps) {}

  /// The caps framepipe set on its appsrc, as a string.
  const std::string& offered_caps() const noexcept { return offered_caps_; }

 private:
  std::string offered_caps_;
};

/// A socket address someone else already holds (EADDRINUSE): another server, or an earlier run
/// of this one. Thrown by RtspServer when it binds, and by a sink or source whose bind fails on
/// a port in use (srtsink/srtsrc listeners; the StreamError fields then say what GStreamer
/// reported).
class AddressInUse : public StreamError {
 public:
  AddressInUse(std::string address, std::uint16_t port, const std::string& detail)
      : StreamError(compose_in_use(address, port, detail), {}, detail, {}, {}, 0),
        address_(std::move(address)),
        port_(port) {}
  /// From an ERROR that a bus message carried.
  AddressInUse(std::string address, std::uint16_t port, const std::string& element,
               const std::string& message, const std::string& debug, const std::string& domain,
               int code)
      : StreamError(compose_in_use(address, port, compose(element, message, debug)), element,
                    message, debug, domain, code),
        address_(std::move(address)),
        port_(port) {}

  const std::string& address() const noexcept { return address_; }
  std::uint16_t port() const noexcept { return port_; }

 private:
  static std::string compose_in_use(const std::string& address, std::uint16_t port,
                                    const std::string& detail) {
    return "framepipe: " + address + ":" + std::to_string(port) +
           " is already in use (another server, or an earlier run still holds it): " + detail;
  }

  std::string address_;
  std::uint16_t port_ = 0;
};

/// A peer that a caller connects to did not answer within the connect timeout: an SRT caller
/// (`srtsink uri=srt://HOST:PORT?mode=caller`) with no listener at HOST:PORT ends with this
/// instead of a generic StreamError (srtsink reports "Failed to write to SRT socket: Connection
/// does not exist" once libsrt's connect timeout, `conntimeo`, has passed). A listener that goes
/// away after the connection was made is no error: srtsink goes on sending into the void.
class PeerUnreachable : public StreamError {
 public:
  PeerUnreachable(std::string host, std::uint16_t port, std::chrono::milliseconds connect_timeout,
                  const std::string& element, const std::string& message, const std::string& debug,
                  const std::string& domain = {}, int code = 0)
      : StreamError("framepipe: no peer answered at " + host + ":" + std::to_string(port) +
                        " within the " + std::to_string(connect_timeout.count()) +
                        " ms connect timeout (is a listener running there, on that port?); " +
                        compose(element, message, debug),
                    element, message, debug, domain, code),
        host_(std::move(host)),
        port_(port),
        connect_timeout_(connect_timeout) {}

  /// The host the caller connects to.
  const std::string& host() const noexcept { return host_; }
  std::uint16_t port() const noexcept { return port_; }
  /// How long the caller waited for an answer.
  std::chrono::milliseconds connect_timeout() const noexcept { return connect_timeout_; }

 private:
  std::string host_;
  std::uint16_t port_ = 0;
  std::chrono::milliseconds connect_timeout_{0};
};

/// Something framepipe waits for did not happen within its time limit: EOS reaching the sinks
/// (finish()), or a pool frame coming back (acquire()).
class Timeout : public Error {
 public:
  /// `what_failed` completes "framepipe: ... within N ms", e.g. "EOS did not reach the sinks".
  Timeout(std::chrono::milliseconds limit, const std::string& what_failed)
      : Error("framepipe: " + what_failed + " within " + std::to_string(limit.count()) + " ms"),
        limit_(limit) {}
  /// As above, followed by ": " and `explanation` (the likely cause and how to fix it).
  Timeout(std::chrono::milliseconds limit, const std::string& what_failed,
          const std::string& explanation)
      : Error("framepipe: " + what_failed + " within " + std::to_string(limit.count()) +
              " ms: " + explanation),
        limit_(limit) {}

  /// The limit that was exceeded.
  std::chrono::milliseconds limit() const noexcept { return limit_; }

 private:
  std::chrono::milliseconds limit_;
};

/// Severity of a message handed to a log callback (WARNING and INFO messages of the bus).
enum class LogLevel {
  Info,     ///< GST_MESSAGE_INFO
  Warning,  ///< GST_MESSAGE_WARNING
};

}  // namespace framepipe
