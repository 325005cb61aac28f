// A plain HTTP client for the web tests (libsoup 3's SoupSession, synchronous, bounded in
// time): one request, its status, headers and body.
#pragma once

#include <libsoup/soup.h>

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace framepipe::test {

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  /// Header names in lower case.
  std::map<std::string, std::string> headers;

  std::string header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

/// Sends one request and waits for the whole response (10 s at most). `status` 0 with the
/// reason in `body`: no response (the connection failed or closed).
inline HttpResponse http_request(
    std::string_view method, const std::string& url, std::string_view content_type = {},
    std::string_view body = {},
    const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  SoupSession* session = soup_session_new_with_options("timeout", 10u, nullptr);
  SoupMessage* message = soup_message_new(std::string(method).c_str(), url.c_str());
  if (message == nullptr) {
    g_object_unref(session);
    throw std::invalid_argument("http_request: bad URL " + url);
  }
  if (!content_type.empty()) {
    GBytes* bytes = g_bytes_new(body.data(), body.size());
    soup_message_set_request_body_from_bytes(message, std::string(content_type).c_str(), bytes);
    g_bytes_unref(bytes);
  }
  SoupMessageHeaders* request_headers = soup_message_get_request_headers(message);
  for (const auto& [name, value] : headers) {
    soup_message_headers_replace(request_headers, name.c_str(), value.c_str());
  }
  HttpResponse response;
  GError* error = nullptr;
  GBytes* received = soup_session_send_and_read(session, message, nullptr, &error);
  if (received == nullptr) {
    response.body = error != nullptr ? error->message : "no response";
    if (error != nullptr) g_error_free(error);
  } else {
    response.status = soup_message_get_status(message);
    gsize size = 0;
    const auto* data = static_cast<const char*>(g_bytes_get_data(received, &size));
    response.body.assign(data != nullptr ? data : "", size);
    g_bytes_unref(received);
    SoupMessageHeadersIter iter;
    soup_message_headers_iter_init(&iter, soup_message_get_response_headers(message));
    const char* name = nullptr;
    const char* value = nullptr;
    while (soup_message_headers_iter_next(&iter, &name, &value) != FALSE) {
      std::string lower(name);
      for (char& c : lower) c = static_cast<char>(g_ascii_tolower(c));
      response.headers[lower] = value;
    }
  }
  g_object_unref(message);
  g_object_unref(session);
  return response;
}

}  // namespace framepipe::test
