// RtspShared: what an RtspServer and the RtspSink it hands out share (the server's factory, the
// media being watched, the clients).
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "framepipe/core/audio_format.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/gst/error.hpp"
#include "framepipe/gst/network.hpp"
#include "framepipe/gst/runtime.hpp"
#include "framepipe/rtsp/detail/gst_rtsp_server.hpp"

namespace framepipe {

namespace detail {

/// The audio stream of a media: Opus at 48 kHz (opus_encode_description(), shared with WHEP),
/// payloaded as the media's second stream (`pay1`, dynamic payload type 97).
inline std::string rtsp_audio_branch() {
  return opus_encode_description("audio") + " ! rtpopuspay name=pay1 pt=97";
}

/// Throws MissingElement when an element of rtsp_audio_branch() is not installed.
inline void check_rtsp_audio_elements() { check_opus_elements(); }

/// What an RtspServer and its RtspSink share: the pipeline of the media clients watch now (set on
/// the server's thread by `media-configure`, cleared when the media is unprepared), read by the
/// sink on the producer's thread before every frame.
struct RtspShared {
  RtspShared() = default;
  RtspShared(const RtspShared&) = delete;
  RtspShared& operator=(const RtspShared&) = delete;
  ~RtspShared() {
    if (factory != nullptr) g_object_unref(factory);
  }

  /// A new media's pipeline: the sink attaches to it. Returns its generation.
  std::uint64_t publish(ElementRef p) {
    const std::lock_guard lock(mutex);
    pipeline = std::move(p);
    medias.fetch_add(1, std::memory_order_relaxed);
    return ++generation;
  }
  /// The media of `gen` is gone (unprepared): the sink detaches.
  void withdraw(std::uint64_t gen) {
    const std::lock_guard lock(mutex);
    if (generation != gen) return;
    pipeline = ElementRef();
    ++generation;
  }
  /// The server is gone: no media will come again.
  void withdraw_all() {
    const std::lock_guard lock(mutex);
    pipeline = ElementRef();
    ++generation;
    if (factory != nullptr) g_object_unref(factory);
    factory = nullptr;
  }
  /// A callback from gst-rtsp-server failed: the sink's next call rethrows `error`.
  void fail(std::exception_ptr error) noexcept {
    const std::lock_guard lock(mutex);
    if (!failure) failure = std::move(error);
  }
  /// Rethrows (once) what a callback stored with fail().
  void rethrow_failure() {
    std::exception_ptr error;
    {
      const std::lock_guard lock(mutex);
      error = std::exchange(failure, nullptr);
    }
    if (error) std::rethrow_exception(error);
  }
  std::pair<ElementRef, std::uint64_t> current() {
    const std::lock_guard lock(mutex);
    return {pipeline, generation};
  }
  void set_factory(GstRTSPMediaFactory* f) {
    const std::lock_guard lock(mutex);
    if (factory != nullptr) g_object_unref(factory);
    factory = f;
  }
  /// Medias built from now on use the launch line for `fps`, with an audio stream when `audio`
  /// is set (`gst_rtsp_media_factory_set_launch`).
  void set_stream(FrameRate fps, const std::optional<AudioSpec>& audio) {
    const std::lock_guard lock(mutex);
    if (factory != nullptr && launch_line) {
      gst_rtsp_media_factory_set_launch(factory, launch_line(fps, audio.has_value()).c_str());
    }
  }

  /// A client connected (`client-connected`): true when it is within max_clients (0: no limit),
  /// false when it is one too many and must be refused.
  bool admit(const void* client) {
    const std::lock_guard lock(mutex);
    const bool admitted = max_clients == 0 || admitted_clients < max_clients;
    if (admitted) ++admitted_clients;
    connections[client] = {std::chrono::steady_clock::now(), admitted};
    return admitted;
  }
  /// The client closed (`closed`).
  void forget(const void* client) {
    const std::lock_guard lock(mutex);
    const auto it = connections.find(client);
    if (it == connections.end()) return;
    if (it->second.admitted) --admitted_clients;
    connections.erase(it);
  }
  /// Whether the client was refused (over max_clients).
  bool refused(const void* client) {
    const std::lock_guard lock(mutex);
    const auto it = connections.find(client);
    return it != connections.end() && !it->second.admitted;
  }
  /// Whether the client connected more than `limit` ago.
  bool connected_longer_than(const void* client, std::chrono::steady_clock::duration limit) {
    const std::lock_guard lock(mutex);
    const auto it = connections.find(client);
    return it != connections.end() && std::chrono::steady_clock::now() - it->second.since > limit;
  }

  std::mutex mutex;
  ElementRef pipeline;
  std::uint64_t generation = 0;
  GstRTSPMediaFactory* factory = nullptr;
  std::function<std::string(FrameRate, bool audio)> launch_line;
  std::exception_ptr failure;
  std::size_t pool_size = 4;
  bool key_frame_on_join = true;
  std::atomic<std::size_t> clients{0};
  std::atomic<std::uint64_t> medias{0};
  std::atomic<bool> key_frame_wanted{false};
  std::atomic<std::uint64_t> refused_clients{0};
  std::atomic<std::uint64_t> timed_out_clients{0};
  std::size_t max_clients = 0;
  unsigned session_timeout_seconds = 60;
  struct Connection {
    std::chrono::steady_clock::time_point since;
    bool admitted = true;
  };
  std::unordered_map<const void*, Connection> connections;
  std::size_t admitted_clients = 0;
};

}  // namespace detail

}  // namespace framepipe
