// framepipe.RtspServer (when the framepipe::rtsp target exists) and the network recipes of
// gst/network.hpp as functions that return GStreamer descriptions, for a Pipeline's or a Writer's
// target (with live=True for a Pipeline: frames are dropped, not queued, when the network is
// slow).
#include "rtsp.hpp"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cstdint>
#include <framepipe/gst/network.hpp>
#include <memory>
#include <optional>
#include <string>

#include "bindings.hpp"
#include "parse.hpp"

namespace py = pybind11;

namespace framepipe::python {
namespace {

VideoCodec codec_of(const std::string& name, const char* where) {
  if (const std::optional<VideoCodec> codec = parse_codec(name)) return *codec;
  throw InvalidArgument(std::string(where) + ": expected codec \"h264\" or \"vp8\", got \"" + name +
                        "\"");
}

std::uint16_t port_of(long long port, const char* where, bool zero_ok) {
  if (port < (zero_ok ? 0 : 1) || port > 65535) {
    throw InvalidArgument(std::string(where) + ": expected a port " + (zero_ok ? "0" : "1") +
                          "..65535, got " + std::to_string(port));
  }
  return static_cast<std::uint16_t>(port);
}

SrtEncryption encryption_of(const std::string& passphrase, int pbkeylen) {
  return {passphrase, pbkeylen};
}

std::optional<ColorSpec> color_of(const py::object& matrix, const py::object& range,
                                  const char* where) {
  const std::optional<Matrix> m = parse_matrix(matrix, where);
  const Range r = parse_range(range, where);
  if (!m && r == Range::Limited) return std::nullopt;
  return ColorSpec{m.value_or(Matrix::BT601), r};
}

#if FRAMEPIPE_HAS_RTSP

std::unique_ptr<PyRtspServer> make_server(
    const std::string& path, long long port, const std::string& address, const std::string& codec,
    const std::string& encoder, std::size_t pool_size, int client_threads, const py::object& users,
    const std::string& auth, const std::string& tls_certificate, const std::string& tls_key,
    std::size_t max_clients, double session_timeout, double setup_timeout) {
  const char* where = "framepipe.RtspServer";
  RtspServerOptions options;
  options.path = path;
  options.port = port_of(port, where, true);
  options.address = address;
  options.codec = codec_of(codec, where);
  options.encoder = encoder;
  options.pool_size = pool_size;
  options.client_threads = client_threads;
  if (!users.is_none()) {
    for (const auto& [name, password] : users.cast<py::dict>()) {
      options.users.push_back({name.cast<std::string>(), password.cast<std::string>()});
    }
  }
  if (auth == "digest") {
    options.auth_method = RtspAuthMethod::Digest;
  } else if (auth == "basic") {
    options.auth_method = RtspAuthMethod::Basic;
  } else {
    throw InvalidArgument(std::string(where) + ": expected auth \"digest\" or \"basic\", got \"" +
                          auth + "\"");
  }
  options.tls_certificate = tls_certificate;
  options.tls_key = tls_key;
  options.max_clients = max_clients;
  if (!(session_timeout >= 1) || !(setup_timeout >= 1)) {
    throw InvalidArgument(std::string(where) + ": session_timeout and setup_timeout are >= 1 s");
  }
  options.session_timeout = std::chrono::seconds(static_cast<std::int64_t>(session_timeout));
  options.setup_timeout = std::chrono::seconds(static_cast<std::int64_t>(setup_timeout));
  const py::gil_scoped_release release;
  return std::make_unique<PyRtspServer>(std::move(options));
}

void bind_rtsp_server(py::module_& m) {
  py::class_<PyRtspServer>(m, "RtspServer", R"doc(
Serves a live stream over RTSP (gst-rtsp-server) at rtsp://address:port/path, the C++
framepipe::RtspServer. Feed it by giving it as a Pipeline's target:

    with framepipe.RtspServer(port=0) as server:          # 0: a free port the system picks
        print(server.url)                                 # rtsp://127.0.0.1:PORT/stream
        framepipe.Pipeline(framepipe.TextClock(size=(640, 360)), server, seconds=60).run()

One shared media: frames are encoded once (`codec` "h264" or "vp8", or `encoder`, a description
"<encoder> ! <payloader>"), however many clients watch; frames made while nobody watches are
dropped and counted, and a client that starts playing gets a key frame at once. The address is
loopback by default ("0.0.0.0" serves other hosts). `users` ({name: password}) with `auth`
"digest" (default) or "basic", `tls_certificate`/`tls_key` (PEM files: rtsps://),
`max_clients`, `session_timeout` and `setup_timeout` (s) are the C++ RtspServerOptions. The
constructor binds the port: framepipe.AddressInUse when another socket holds it.)doc")
      .def(py::init(&make_server), py::arg("path") = "/stream", py::kw_only(), py::arg("port") = 0,
           py::arg("address") = "127.0.0.1", py::arg("codec") = "h264", py::arg("encoder") = "",
           py::arg("pool_size") = std::size_t{4}, py::arg("client_threads") = 8,
           py::arg("users") = py::none(), py::arg("auth") = "digest",
           py::arg("tls_certificate") = "", py::arg("tls_key") = "",
           py::arg("max_clients") = std::size_t{64}, py::arg("session_timeout") = 60.0,
           py::arg("setup_timeout") = 20.0)
      .def_property_readonly("url", &PyRtspServer::url,
                             "rtsp://address:port/path (rtsps:// with TLS), for clients.")
      .def_property_readonly("port", &PyRtspServer::port,
                             "The port it listens on (the one the system chose for port=0).")
      .def_property_readonly(
          "clients",
          [](const PyRtspServer& s) {
            return s.read([](const RtspServer& r) { return r.clients(); }, std::size_t{0});
          },
          "RTSP connections now (0 once closed).")
      .def_property_readonly(
          "medias_configured",
          [](const PyRtspServer& s) {
            return s.read([](const RtspServer& r) { return r.medias_configured(); },
                          std::uint64_t{0});
          },
          "Medias built so far: one each time a first client arrived after nobody watched.")
      .def_property_readonly(
          "refused_clients",
          [](const PyRtspServer& s) {
            return s.read([](const RtspServer& r) { return r.refused_clients(); },
                          std::uint64_t{0});
          },
          "Connections refused because max_clients were connected.")
      .def_property_readonly("closed", &PyRtspServer::closed, "Whether close() has run.")
      .def(
          "close",
          [](PyRtspServer& s) {
            const py::gil_scoped_release release;
            s.close();
          },
          "Closes every client connection, stops the server and frees the port (bounded, the "
          "GIL released). A Pipeline still feeding it drops its frames. Idempotent.")
      .def(
          "__enter__", [](PyRtspServer& s) -> PyRtspServer& { return s; },
          py::return_value_policy::reference)
      .def(
          "__exit__",
          [](PyRtspServer& s, const py::object&, const py::object&, const py::object&) {
            const py::gil_scoped_release release;
            s.close();
            return false;
          },
          "Closes the server.");
}

#endif

}  // namespace

void bind_network(py::module_& m) {
#if FRAMEPIPE_HAS_RTSP
  bind_rtsp_server(m);
#endif
  m.def(
      "rtp_udp",
      [](const std::string& host, long long port, const std::string& codec, const py::object& fps) {
        return rtp_udp_description(codec_of(codec, "framepipe.rtp_udp"), host,
                                   port_of(port, "framepipe.rtp_udp", false),
                                   parse_fps(fps, "framepipe.rtp_udp"));
      },
      py::arg("host"), py::arg("port"), py::arg("codec") = "h264", py::arg("fps") = 30, R"doc(
The description that sends RTP over UDP to host:port, payload type 96 (C++
rtp_udp_description): "<encoder> ! <payloader> pt=96 ! udpsink host=... port=...". Give it as a
Pipeline's target with live=True (or a Writer's), and open it with the SDP file write_sdp()
writes. `codec` "h264" (x264enc tune=zerolatency) or "vp8"; a key frame every second at `fps`.
InvalidArgument when `host` is not an IP address or host name.)doc");
  m.def(
      "rtp_raw_udp",
      [](const std::string& host, long long port, int mtu) {
        return rtp_raw_udp_description(host, port_of(port, "framepipe.rtp_raw_udp", false), mtu);
      },
      py::arg("host"), py::arg("port"), py::arg("mtu") = 1400, R"doc(
The description that sends uncompressed RFC 4175 RTP (UYVY) to host:port (C++
rtp_raw_udp_description): about 3300 packets a second at 640x480, so small sizes, loopback and
LANs only. Open it with the SDP file write_raw_sdp() writes.)doc");
  m.def(
      "srt_listener",
      [](long long port, const std::string& codec, const std::string& address,
         const py::object& fps, const std::string& passphrase, int pbkeylen) {
        const char* where = "framepipe.srt_listener";
        return srt_listener_description(port_of(port, where, false), codec_of(codec, where),
                                        address, parse_fps(fps, where),
                                        encryption_of(passphrase, pbkeylen));
      },
      py::arg("port"), py::arg("codec") = "h264", py::arg("address") = "127.0.0.1",
      py::arg("fps") = 30, py::kw_only(), py::arg("passphrase") = "", py::arg("pbkeylen") = 16,
      R"doc(
The description of an SRT listener on address:port (C++ srt_listener_description) that callers
(`ffplay srt://127.0.0.1:PORT`) connect to; it streams whether or not one is connected. H.264 in
MPEG-TS, VP8 in streamable WebM. A `passphrase` (10..79 characters) encrypts it (AES,
`pbkeylen` 16, 24 or 32 bytes).)doc");
  m.def(
      "srt_caller",
      [](const std::string& host, long long port, const std::string& codec, const py::object& fps,
         double connect_timeout, const std::string& passphrase, int pbkeylen) {
        const char* where = "framepipe.srt_caller";
        if (!(connect_timeout > 0)) {
          throw InvalidArgument("framepipe.srt_caller: connect_timeout must be > 0 s");
        }
        return srt_caller_description(
            host, port_of(port, where, false), codec_of(codec, where), parse_fps(fps, where),
            std::chrono::milliseconds(static_cast<std::int64_t>(connect_timeout * 1e3)),
            encryption_of(passphrase, pbkeylen));
      },
      py::arg("host"), py::arg("port"), py::arg("codec") = "h264", py::arg("fps") = 30,
      py::kw_only(), py::arg("connect_timeout") = 3.0, py::arg("passphrase") = "",
      py::arg("pbkeylen") = 16, R"doc(
The description of an SRT caller that connects to a listener at host:port (C++
srt_caller_description); the stream fails (framepipe.StreamError) when no listener answers
within `connect_timeout` seconds, or when the listener goes away.)doc");
  m.def(
      "sdp_text",
      [](const std::string& host, long long port, const std::string& codec,
         const std::string& session_name) {
        return sdp_text(host, port_of(port, "framepipe.sdp_text", false),
                        codec_of(codec, "framepipe.sdp_text"), session_name);
      },
      py::arg("host"), py::arg("port"), py::arg("codec") = "h264",
      py::arg("session_name") = "framepipe",
      "The SDP text that describes rtp_udp(host, port, codec): what ffplay, VLC and sdpdemux "
      "open.");
  m.def(
      "write_sdp",
      [](const std::string& path, const std::string& host, long long port, const std::string& codec,
         const std::string& session_name) {
        write_sdp(path, host, port_of(port, "framepipe.write_sdp", false),
                  codec_of(codec, "framepipe.write_sdp"), session_name);
      },
      py::arg("path"), py::arg("host"), py::arg("port"), py::arg("codec") = "h264",
      py::arg("session_name") = "framepipe",
      "Writes sdp_text(host, port, codec) to `path`, for `ffplay -protocol_whitelist "
      "file,udp,rtp -i PATH`.");
  m.def(
      "raw_sdp_text",
      [](const std::string& host, long long port, const py::object& size, const py::object& fps,
         const py::object& matrix, const py::object& range) {
        const char* where = "framepipe.raw_sdp_text";
        return raw_sdp_text(host, port_of(port, where, false), parse_size(size, where),
                            parse_fps(fps, where), color_of(matrix, range, where));
      },
      py::arg("host"), py::arg("port"), py::arg("size"), py::arg("fps") = 30,
      py::arg("matrix") = py::none(), py::arg("range") = "limited",
      "The SDP text that describes rtp_raw_udp(host, port) carrying frames of `size` at `fps` "
      "packed with `matrix` and `range`.");
  m.def(
      "write_raw_sdp",
      [](const std::string& path, const std::string& host, long long port, const py::object& size,
         const py::object& fps, const py::object& matrix, const py::object& range) {
        const char* where = "framepipe.write_raw_sdp";
        write_raw_sdp(path, host, port_of(port, where, false), parse_size(size, where),
                      parse_fps(fps, where), color_of(matrix, range, where));
      },
      py::arg("path"), py::arg("host"), py::arg("port"), py::arg("size"), py::arg("fps") = 30,
      py::arg("matrix") = py::none(), py::arg("range") = "limited",
      "Writes raw_sdp_text(...) to `path`.");
}

}  // namespace framepipe::python
