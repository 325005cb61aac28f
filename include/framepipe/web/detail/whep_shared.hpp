// WhepShared: what a WhepServer and its WhepSink share -- the running encode (pipeline and tee),
// the viewers (one webrtcbin branch each), their negotiation and their teardown.
#pragma once

#define GST_USE_UNSTABLE_API 1  // gst/webrtc/webrtc.h warns without it (its API is "unstable")
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <libsoup/soup.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framepipe/gst/network.hpp"
#include "framepipe/gst/runtime.hpp"
#include "framepipe/web/detail/sdp_offer.hpp"
#include "framepipe/web/http_server.hpp"

namespace framepipe {

/// Options of a WhepServer; every member has a default.
struct WhepServerOptions {
  /// The address to listen on, an IP literal. Loopback by default: give "0.0.0.0" (or "::") to
  /// serve other hosts (and then STUN/TURN, below, for viewers behind NAT).
  std::string address = "127.0.0.1";
  /// The TCP port; 0 lets the system choose a free one (WhepServer::port()).
  std::uint16_t port = 0;
  /// The stream's path, as MediaMTX names them: the WHEP endpoint is PATH/whep and the player
  /// page (page_directory) PATH/. Starts with '/', does not end with one.
  std::string path = "/stream";
  /// What viewers receive: VP8 (`vp8enc deadline=1`, every browser) or H.264 constrained
  /// baseline (x264enc, `profile-level-id=42e01f`, what Chrome accepts).
  VideoCodec codec = VideoCodec::VP8;
  /// Replaces the encoder preset (a gst-launch fragment ending in the encoded stream `codec`
  /// names; H.264 must be constrained baseline byte-stream). Empty: the preset, a key frame
  /// every second at the stream's rate.
  std::string encoder{};
  /// More outputs of the encoded stream, each a gst-launch fragment fed from the tee
  /// `framepipe_encoded` through its own `queue` (e.g. HLS: `h264parse ! hlssink2 ...` with
  /// codec H264). With any, every frame is encoded, viewers or not.
  std::vector<std::string> encoded_branches{};
  /// At most this many viewers at once; one more gets 503.
  std::size_t max_viewers = 8;
  /// A token viewers must send (`Authorization: Bearer <token>`, as the WHEP draft has); a
  /// missing or wrong one gets 401. Empty: anyone who reaches the address may watch.
  std::string bearer_token{};
  /// webrtcbin's `stun-server` for every viewer, `stun://host:port`: lets the server learn its
  /// public address when viewers are behind NAT. Empty (default): host candidates only, which is
  /// all loopback and a LAN need.
  std::string stun_server{};
  /// webrtcbin's `turn-server`, `turn(s)://user:password@host:port`: relays media when no direct
  /// path exists (symmetric NAT, UDP blocked).
  std::string turn_server{};
  /// A viewer that has sent no RTCP for this long is removed: a browser that vanished without a
  /// DELETE (a killed tab, a lost network), which libnice in Debian 12 does not notice by itself
  /// (webrtcbin enables no ICE consent freshness). Browsers send RTCP about every second.
  std::chrono::milliseconds peer_timeout{6000};
  /// The answer is sent once ICE gathering completes (non-trickle), or after this long with the
  /// candidates gathered so far (a STUN or TURN server that does not answer).
  std::chrono::milliseconds ice_gathering_timeout{5000};
  /// Frames lent by the sink (AppSrcSink pool, DropOldest).
  std::size_t pool_size = 4;
  /// Ask the encoder for a key frame when a viewer joins and when its connection is up
  /// (`gst_video_event_new_upstream_force_key_unit`), so that it starts at once.
  bool key_frame_on_join = true;
  /// CORS: `Access-Control-Allow-Origin` of every response (WHEP players on other origins need
  /// it). Empty: no CORS.
  std::string allow_origin = "*";
  /// A directory served at PATH/ (the player page, examples/web/). Empty: none.
  std::string page_directory{};
};

namespace detail {

/// Counts of viewers, for tests and monitoring.
struct WhepCounters {
  std::atomic<std::uint64_t> joined{0};   ///< answered with 201
  std::atomic<std::uint64_t> left{0};     ///< removed (DELETE, ICE failure, closed, stream end)
  std::atomic<std::uint64_t> freed{0};    ///< webrtcbins finalised (their elements freed)
  std::atomic<std::uint64_t> refused{0};  ///< 503 over max_viewers
};

/// A viewer: its branch of the encoded stream and the request waiting for its answer.
struct WhepViewer {
  std::string id;
  detail::ElementPtr queue;
  detail::ElementPtr payloader;
  detail::ElementPtr webrtcbin;
  detail::GstObjectPtr<GstPad> tee_pad;
  detail::GstObjectPtr<GstPad> webrtc_pad;  // webrtcbin's request pad the payloader feeds
  // The audio branch (a stream with audio and an offer that receives Opus), else empty.
  detail::ElementPtr audio_queue;
  detail::ElementPtr audio_payloader;
  detail::GstObjectPtr<GstPad> audio_tee_pad;
  detail::GstObjectPtr<GstPad> audio_webrtc_pad;
  /// The POST waiting for the answer; touched on the server thread only.
  GObjectPtr<SoupServerMessage> pending;
  /// The client went away before the answer (libsoup's "finished"); server thread only.
  std::shared_ptr<bool> client_gone = std::make_shared<bool>(false);
  std::atomic<bool> local_set{false};
  /// When RTCP last came from the viewer (g_get_monotonic_time(), µs), or when it was made.
  std::atomic<std::int64_t> last_heard{g_get_monotonic_time()};
  std::atomic<bool> answer_posted{false};
};

/// What a WhepServer and its WhepSink share. Lock order: this mutex, then HttpServer's.
class WhepShared : public std::enable_shared_from_this<WhepShared> {
 public:
  explicit WhepShared(WhepServerOptions o) : options(std::move(o)) {}
  WhepShared(const WhepShared&) = delete;
  WhepShared& operator=(const WhepShared&) = delete;

  const WhepServerOptions options;
  WhepCounters counters;
  std::atomic<bool> key_frame_wanted{false};

  void set_http(HttpServer* server) {
    const std::lock_guard lock(mutex_);
    http_ = server;
  }

  /// The sink started a stream: viewers attach to `tee` (and `audio_tee`, the Opus of a stream
  /// with audio, else empty) in `pipeline` from now on. A viewer's ERROR on the pipeline's bus
  /// removes that viewer instead of ending the stream.
  void attach_stream(ElementRef pipeline, ElementRef tee, ElementRef audio_tee = ElementRef()) {
    const BusPtr bus(gst_element_get_bus(pipeline.get()));
    gst_bus_set_sync_handler(
        bus.get(), &WhepShared::on_bus_message, new std::weak_ptr<WhepShared>(weak()),
        [](gpointer data) { delete static_cast<std::weak_ptr<WhepShared>*>(data); });
    const std::lock_guard lock(mutex_);
    pipeline_ = std::move(pipeline);
    tee_ = std::move(tee);
    audio_tee_ = std::move(audio_tee);
  }

  /// The stream ends (or the server goes): every viewer is removed, and none may join.
  void detach_stream() noexcept {
    ElementRef pipeline;
    {
      const std::lock_guard lock(mutex_);
      pipeline = pipeline_;
    }
    remove_all(/*keep_stream=*/false);
    if (pipeline) {
      const BusPtr bus(gst_element_get_bus(pipeline.get()));
      gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
    }
  }

  /// Removes every viewer (the server goes); the stream stays.
  void remove_all(bool keep_stream = true) noexcept {
    std::map<std::string, std::shared_ptr<WhepViewer>> gone;
    {
      const std::lock_guard lock(mutex_);
      gone.swap(viewers_);
      if (!keep_stream) {
        pipeline_ = ElementRef();
        tee_ = ElementRef();
        audio_tee_ = ElementRef();
      }
    }
    for (auto& [id, viewer] : gone) teardown(*viewer);
  }

  /// Removes the viewers not heard from for peer_timeout. Called every second on the server
  /// thread (start_reaper()).
  void reap() noexcept {
    const std::int64_t limit =
        g_get_monotonic_time() -
        static_cast<std::int64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(options.peer_timeout).count());
    std::vector<std::string> silent;
    {
      const std::lock_guard lock(mutex_);
      for (const auto& [id, viewer] : viewers_) {
        if (viewer->last_heard.load(std::memory_order_relaxed) < limit) silent.push_back(id);
      }
    }
    for (const std::string& id : silent) remove(id);
  }

  /// Runs reap() every second on the server thread while this state lives.
  void start_reaper() {
    const std::lock_guard lock(mutex_);
    if (http_ == nullptr) return;
    http_->invoke([self = weak()] {
      GSource* timer = g_timeout_source_new(1000);
      g_source_set_callback(
          timer,
          [](gpointer data) noexcept -> gboolean {
            auto shared = static_cast<std::weak_ptr<WhepShared>*>(data)->lock();
            if (!shared) return G_SOURCE_REMOVE;
            shared->reap();
            return G_SOURCE_CONTINUE;
          },
          new std::weak_ptr<WhepShared>(self),
          [](gpointer data) { delete static_cast<std::weak_ptr<WhepShared>*>(data); });
      g_source_attach(timer, g_main_context_get_thread_default());
      g_source_unref(timer);
    });
  }

  std::size_t viewers() {
    const std::lock_guard lock(mutex_);
    return viewers_.size();
  }
  bool streaming() {
    const std::lock_guard lock(mutex_);
    return static_cast<bool>(tee_);
  }

  /// POST PATH/whep, on the server thread: checks the request, then builds the viewer and
  /// starts the negotiation; the answer follows when ICE gathering is complete.
  void on_post(const HttpRequest& request) {
    SoupServerMessage* message = request.message;
    SoupMessageHeaders* headers = soup_server_message_get_request_headers(message);
    const char* type = soup_message_headers_get_content_type(headers, nullptr);
    if (type == nullptr || g_ascii_strcasecmp(type, "application/sdp") != 0) {
      HttpServer::respond(message, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "text/plain",
                          "the offer must be Content-Type: application/sdp\n");
      return;
    }
    SoupMessageBody* body = soup_server_message_get_request_body(message);
    GBytes* bytes = soup_message_body_flatten(body);
    gsize size = 0;
    const auto* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
    const std::string offer(data != nullptr ? data : "", size);
    g_bytes_unref(bytes);
    const SdpOfferCheck check = check_sdp_offer(offer, options.codec);
    if (!check.error.empty()) {
      HttpServer::respond(message, SOUP_STATUS_BAD_REQUEST, "text/plain", check.error + "\n");
      return;
    }
    GstSDPMessage* sdp = nullptr;
    gst_sdp_message_new_from_text(offer.c_str(), &sdp);
    GstWebRTCSessionDescription* description =
        gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);  // takes sdp
    const GlibPtr<GstWebRTCSessionDescription, gst_webrtc_session_description_free> owned(
        description);

    auto viewer = std::make_shared<WhepViewer>();
    viewer->id = new_id();
    {
      const std::lock_guard lock(mutex_);
      if (!tee_) {
        HttpServer::respond(message, SOUP_STATUS_SERVICE_UNAVAILABLE, "text/plain",
                            "no stream is running\n");
        return;
      }
      if (options.max_viewers != 0 && viewers_.size() >= options.max_viewers) {
        counters.refused.fetch_add(1, std::memory_order_relaxed);
        HttpServer::respond(
            message, SOUP_STATUS_SERVICE_UNAVAILABLE, "text/plain",
            "too many viewers (max_viewers " + std::to_string(options.max_viewers) + ")\n");
        return;
      }
      build_branch(*viewer, check);  // throws: 500, nothing added
      viewer->pending.reset(SOUP_SERVER_MESSAGE(g_object_ref(message)));
      viewers_[viewer->id] = viewer;
    }
    g_signal_connect_data(
        message, "finished", G_CALLBACK(&WhepShared::on_message_finished),
        new std::shared_ptr<bool>(viewer->client_gone),
        [](gpointer data, GClosure*) { delete static_cast<std::shared_ptr<bool>*>(data); },
        GConnectFlags{});
    soup_server_message_pause(message);
    if (options.key_frame_on_join) key_frame_wanted.store(true, std::memory_order_release);
    // The timeout of ICE gathering, on the server thread.
    GSource* timeout = g_timeout_source_new(
        static_cast<guint>(std::max<std::int64_t>(1, options.ice_gathering_timeout.count())));
    g_source_set_callback(timeout, &WhepShared::on_gathering_timeout, new Ref{weak(), viewer->id},
                          &WhepShared::free_ref_notify);
    g_source_attach(timeout, g_main_context_get_thread_default());
    g_source_unref(timeout);
    g_signal_emit_by_name(
        viewer->webrtcbin.get(), "set-remote-description", description,
        gst_promise_new_with_change_func(&WhepShared::on_remote_set, new Ref{weak(), viewer->id},
                                         &WhepShared::free_ref_notify));
  }

  /// DELETE PATH/whep/<id>: the viewer leaves. false when there is no such viewer.
  bool remove(const std::string& id) noexcept {
    std::shared_ptr<WhepViewer> viewer;
    {
      const std::lock_guard lock(mutex_);
      const auto it = viewers_.find(id);
      if (it == viewers_.end()) return false;
      viewer = std::move(it->second);
      viewers_.erase(it);
    }
    teardown(*viewer);
    return true;
  }

 private:
  /// What a callback from webrtcbin or libsoup carries: the viewer's id, looked up again, so
  /// that a viewer already gone is ignored.
  struct Ref {
    std::weak_ptr<WhepShared> shared;
    std::string id;
  };
  static void free_ref(gpointer data, GClosure*) { delete static_cast<Ref*>(data); }
  static void free_ref_notify(gpointer data) { delete static_cast<Ref*>(data); }

  std::weak_ptr<WhepShared> weak() { return weak_from_this(); }

  /// The key under which a viewer's elements carry its id (g_object_set_data).
  static constexpr const char* kViewerKey = "framepipe-whep-viewer";

  /// The pipeline bus's sync handler: an ERROR of a viewer's element (or of one inside it)
  /// removes that viewer and is dropped; every other message passes.
  static GstBusSyncReply on_bus_message(GstBus*, GstMessage* message, gpointer data) noexcept {
    GstObject* object = GST_MESSAGE_SRC(message);
    if (object == nullptr || GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR) return GST_BUS_PASS;
    gst_object_ref(object);
    const char* id = nullptr;
    while (object != nullptr) {
      id = static_cast<const char*>(g_object_get_data(G_OBJECT(object), kViewerKey));
      GstObject* parent = id == nullptr ? gst_object_get_parent(object) : nullptr;
      gst_object_unref(object);
      object = parent;
      if (id != nullptr) break;
    }
    if (id == nullptr) return GST_BUS_PASS;
    if (auto shared = static_cast<std::weak_ptr<WhepShared>*>(data)->lock()) {
      shared->remove_later(id);
    }
    return GST_BUS_DROP;
  }

  static std::string new_id() {
    std::random_device random;
    std::string id;
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 32; ++i) id += kHex[random() & 15u];
    return id;
  }

  /// queue (leaky) ! payloader pt=<offer's> ! webrtcbin, added to the running pipeline and
  /// linked to a new pad of the tee; for a stream with audio and an offer that receives Opus,
  /// also audio queue (leaky) ! rtpopuspay pt=<offer's> ! the same webrtcbin, from the audio tee.
  /// Called with the mutex held.
  void build_branch(WhepViewer& viewer, const SdpOfferCheck& check) {
    GstElement* pipeline = pipeline_.get();
    const auto make = [](const char* factory) {
      GstElement* element = gst_element_factory_make(factory, nullptr);
      if (element == nullptr) throw MissingElement(factory, std::string("no element ") + factory);
      return ElementPtr(GST_ELEMENT(gst_object_ref_sink(element)));
    };
    viewer.queue = make("queue");
    // Leaky: a slow viewer loses its own frames, never the others' nor the producer's.
    g_object_set(viewer.queue.get(), "leaky", 2, "max-size-buffers", 60u, "max-size-bytes", 0u,
                 "max-size-time", guint64{0}, nullptr);
    if (options.codec == VideoCodec::H264) {
      viewer.payloader = make("rtph264pay");
      g_object_set(viewer.payloader.get(), "config-interval", -1, "aggregate-mode", 1, nullptr);
    } else {
      viewer.payloader = make("rtpvp8pay");
      g_object_set(viewer.payloader.get(), "picture-id-mode", 2, nullptr);
    }
    g_object_set(viewer.payloader.get(), "pt", check.payload_type, "mtu", 1200u, nullptr);
    const bool with_audio = audio_tee_ && check.audio_mline.has_value();
    if (with_audio) {
      viewer.audio_queue = make("queue");
      g_object_set(viewer.audio_queue.get(), "leaky", 2, "max-size-buffers", 100u, "max-size-bytes",
                   0u, "max-size-time", guint64{0}, nullptr);
      viewer.audio_payloader = make("rtpopuspay");
      g_object_set(viewer.audio_payloader.get(), "pt", check.audio_payload_type, "mtu", 1200u,
                   nullptr);
    }
    viewer.webrtcbin = make("webrtcbin");
    g_object_set(viewer.webrtcbin.get(), "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE,
                 nullptr);
    if (!options.stun_server.empty()) {
      g_object_set(viewer.webrtcbin.get(), "stun-server", options.stun_server.c_str(), nullptr);
    }
    if (!options.turn_server.empty()) {
      g_object_set(viewer.webrtcbin.get(), "turn-server", options.turn_server.c_str(), nullptr);
    }
    disable_upnp(viewer.webrtcbin.get());
    g_object_weak_ref(G_OBJECT(viewer.webrtcbin.get()), &WhepShared::on_webrtcbin_finalized,
                      new std::weak_ptr<WhepShared>(weak()));
    for (const auto& [signal, callback] :
         {std::pair{"notify::ice-gathering-state", G_CALLBACK(&WhepShared::on_gathering_state)},
          std::pair{"notify::connection-state", G_CALLBACK(&WhepShared::on_connection_state)},
          std::pair{"notify::ice-connection-state",
                    G_CALLBACK(&WhepShared::on_ice_connection_state)}}) {
      g_signal_connect_data(viewer.webrtcbin.get(), signal, callback, new Ref{weak(), viewer.id},
                            &WhepShared::free_ref, GConnectFlags{});
    }

    // RTCP from the viewer (rtpbin's on-ssrc-active) keeps it alive; see peer_timeout.
    if (GstElement* rtpbin = gst_bin_get_by_name(GST_BIN(viewer.webrtcbin.get()), "rtpbin");
        rtpbin != nullptr) {
      g_signal_connect_data(rtpbin, "on-ssrc-active", G_CALLBACK(&WhepShared::on_ssrc_active),
                            new Ref{weak(), viewer.id}, &WhepShared::free_ref, GConnectFlags{});
      gst_object_unref(rtpbin);
    }
    for (ElementPtr* element : {&viewer.queue, &viewer.payloader, &viewer.webrtcbin,
                                &viewer.audio_queue, &viewer.audio_payloader}) {
      if (!*element) continue;
      g_object_set_data_full(G_OBJECT(element->get()), kViewerKey, g_strdup(viewer.id.c_str()),
                             g_free);
    }
    gst_bin_add_many(GST_BIN(pipeline), viewer.queue.get(), viewer.payloader.get(),
                     viewer.webrtcbin.get(), nullptr);
    if (with_audio) {
      gst_bin_add_many(GST_BIN(pipeline), viewer.audio_queue.get(), viewer.audio_payloader.get(),
                       nullptr);
    }
    try {
      if (gst_element_link(viewer.queue.get(), viewer.payloader.get()) == FALSE) {
        throw Error("framepipe::WhepServer: cannot link queue ! payloader");
      }
      const std::string pad_name = "sink_" + std::to_string(check.mline);
      viewer.webrtc_pad.reset(
          gst_element_request_pad_simple(viewer.webrtcbin.get(), pad_name.c_str()));
      GstPad* sink = viewer.webrtc_pad.get();
      const GstObjectPtr<GstPad> pay_src(gst_element_get_static_pad(viewer.payloader.get(), "src"));
      if (sink == nullptr || gst_pad_link(pay_src.get(), sink) != GST_PAD_LINK_OK) {
        throw Error("framepipe::WhepServer: cannot link the payloader to webrtcbin");
      }
      GstWebRTCRTPTransceiver* transceiver = nullptr;
      g_object_get(sink, "transceiver", &transceiver, nullptr);
      if (transceiver != nullptr) {
        const std::string caps =
            std::string("application/x-rtp,media=video,clock-rate=90000,payload=") +
            std::to_string(check.payload_type) +
            (options.codec == VideoCodec::H264 ? ",encoding-name=H264,packetization-mode=(string)1,"
                                                 "profile-level-id=(string)42e01f"
                                               : ",encoding-name=VP8");
        const CapsPtr preferences(gst_caps_from_string(caps.c_str()));
        g_object_set(transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                     "codec-preferences", preferences.get(), nullptr);
        gst_object_unref(transceiver);
      }
      if (with_audio) link_audio(viewer, check);
      gst_element_sync_state_with_parent(viewer.webrtcbin.get());
      gst_element_sync_state_with_parent(viewer.payloader.get());
      gst_element_sync_state_with_parent(viewer.queue.get());
      if (with_audio) {
        gst_element_sync_state_with_parent(viewer.audio_payloader.get());
        gst_element_sync_state_with_parent(viewer.audio_queue.get());
        viewer.audio_tee_pad.reset(gst_element_request_pad_simple(audio_tee_.get(), "src_%u"));
        const GstObjectPtr<GstPad> audio_sink(
            gst_element_get_static_pad(viewer.audio_queue.get(), "sink"));
        if (!viewer.audio_tee_pad ||
            gst_pad_link(viewer.audio_tee_pad.get(), audio_sink.get()) != GST_PAD_LINK_OK) {
          throw Error("framepipe::WhepServer: cannot link the audio tee to the viewer's queue");
        }
      }
      viewer.tee_pad.reset(gst_element_request_pad_simple(tee_.get(), "src_%u"));
      const GstObjectPtr<GstPad> queue_sink(gst_element_get_static_pad(viewer.queue.get(), "sink"));
      if (!viewer.tee_pad ||
          gst_pad_link(viewer.tee_pad.get(), queue_sink.get()) != GST_PAD_LINK_OK) {
        throw Error("framepipe::WhepServer: cannot link the tee to the viewer's queue");
      }
    } catch (...) {
      teardown_elements(viewer);
      throw;
    }
  }

  /// Links the viewer's audio queue ! rtpopuspay to webrtcbin's pad of the offer's audio m-line,
  /// its transceiver sendonly with Opus at the offer's payload type.
  static void link_audio(WhepViewer& viewer, const SdpOfferCheck& check) {
    if (gst_element_link(viewer.audio_queue.get(), viewer.audio_payloader.get()) == FALSE) {
      throw Error("framepipe::WhepServer: cannot link the audio queue ! rtpopuspay");
    }
    const std::string pad_name = "sink_" + std::to_string(*check.audio_mline);
    viewer.audio_webrtc_pad.reset(
        gst_element_request_pad_simple(viewer.webrtcbin.get(), pad_name.c_str()));
    GstPad* sink = viewer.audio_webrtc_pad.get();
    const GstObjectPtr<GstPad> pay_src(
        gst_element_get_static_pad(viewer.audio_payloader.get(), "src"));
    if (sink == nullptr || gst_pad_link(pay_src.get(), sink) != GST_PAD_LINK_OK) {
      throw Error("framepipe::WhepServer: cannot link rtpopuspay to webrtcbin");
    }
    GstWebRTCRTPTransceiver* transceiver = nullptr;
    g_object_get(sink, "transceiver", &transceiver, nullptr);
    if (transceiver != nullptr) {
      const std::string caps =
          "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=" +
          std::to_string(check.audio_payload_type);
      const CapsPtr preferences(gst_caps_from_string(caps.c_str()));
      g_object_set(transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                   "codec-preferences", preferences.get(), nullptr);
      gst_object_unref(transceiver);
    }
  }

  /// Turns off libnice's UPnP (the NiceAgent's `upnp`, on by default): a server has no business
  /// asking the LAN's router to map ports for each viewer, and GUPnP-IGD's discovery leaks.
  static void disable_upnp(GstElement* webrtcbin) {
    GObject* ice = nullptr;
    g_object_get(webrtcbin, "ice-agent", &ice, nullptr);
    if (ice == nullptr) return;
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent") != nullptr) {
      GObject* agent = nullptr;
      g_object_get(ice, "agent", &agent, nullptr);
      if (agent != nullptr) {
        if (g_object_class_find_property(G_OBJECT_GET_CLASS(agent), "upnp") != nullptr) {
          g_object_set(agent, "upnp", FALSE, nullptr);
        }
        g_object_unref(agent);
      }
    }
    g_object_unref(ice);
  }

  /// Unlinks the viewer from the tee and drops its elements (state NULL, out of the pipeline);
  /// answers its request if it waits (503). Without the mutex.
  void teardown(WhepViewer& viewer) noexcept {
    counters.left.fetch_add(1, std::memory_order_relaxed);
    if (!viewer.answer_posted.exchange(true)) {
      try {
        post_pending(viewer, nullptr, {});
      } catch (...) {
      }
    }
    teardown_elements(viewer);
  }

  /// Unlinks `pad` from its peer and gives it back to its tee.
  static void release_tee_pad(GstObjectPtr<GstPad>& pad) noexcept {
    if (!pad) return;
    // Leaky queue: the push on this pad never waits, so release (which waits for it) is short.
    GstObject* parent = gst_pad_get_parent(pad.get());
    if (parent != nullptr) {
      if (GstPad* peer = gst_pad_get_peer(pad.get()); peer != nullptr) {
        gst_pad_unlink(pad.get(), peer);
        gst_object_unref(peer);
      }
      gst_element_release_request_pad(GST_ELEMENT(parent), pad.get());
      gst_object_unref(parent);
    }
    pad.reset();
  }

  void teardown_elements(WhepViewer& viewer) noexcept {
    release_tee_pad(viewer.tee_pad);
    release_tee_pad(viewer.audio_tee_pad);
    for (ElementPtr* element : {&viewer.webrtcbin, &viewer.payloader, &viewer.queue,
                                &viewer.audio_payloader, &viewer.audio_queue}) {
      if (!*element) continue;
      gst_element_set_state(element->get(), GST_STATE_NULL);
      if (element == &viewer.webrtcbin) {
        // Its transceivers and transports go with the pads (they keep webrtcbin alive).
        for (GstObjectPtr<GstPad>* pad : {&viewer.webrtc_pad, &viewer.audio_webrtc_pad}) {
          if (!*pad) continue;
          gst_element_release_request_pad(element->get(), pad->get());
          pad->reset();
        }
      }
      GstObject* parent = gst_object_get_parent(GST_OBJECT(element->get()));
      if (parent != nullptr) {
        gst_bin_remove(GST_BIN(parent), element->get());
        gst_object_unref(parent);
      }
    }
    viewer.queue.reset();
    viewer.payloader.reset();
    viewer.audio_queue.reset();
    viewer.audio_payloader.reset();
    viewer.webrtcbin.reset();
  }

  std::shared_ptr<WhepViewer> find(const std::string& id) {
    const std::lock_guard lock(mutex_);
    const auto it = viewers_.find(id);
    return it == viewers_.end() ? nullptr : it->second;
  }

  /// Hands the answer (or, null, the failure) to the server thread, which answers the POST.
  void post_pending(WhepViewer& viewer, GstWebRTCSessionDescription* answer, std::string failure) {
    std::string sdp;
    if (answer != nullptr && answer->sdp != nullptr) {
      sdp = take_gchar(gst_sdp_message_as_text(answer->sdp));
    }
    const std::lock_guard lock(mutex_);
    if (http_ == nullptr) return;
    http_->invoke([self = weak(), id = viewer.id, gone = viewer.client_gone, sdp = std::move(sdp),
                   failure = std::move(failure),
                   pending = std::shared_ptr<SoupServerMessage>(viewer.pending.release(),
                                                                CallRelease<g_object_unref>{})] {
      auto shared = self.lock();
      if (!pending) return;
      SoupServerMessage* message = pending.get();
      if (!*gone) {
        if (!sdp.empty()) {
          SoupMessageHeaders* headers = soup_server_message_get_response_headers(message);
          const std::string location = shared ? shared->options.path + "/whep/" + id : id;
          soup_message_headers_replace(headers, "Location", location.c_str());
          soup_message_headers_replace(headers, "ETag", ("\"" + id + "\"").c_str());
          HttpServer::respond(message, SOUP_STATUS_CREATED, "application/sdp", sdp);
          if (shared) shared->counters.joined.fetch_add(1, std::memory_order_relaxed);
        } else if (!failure.empty()) {
          HttpServer::respond(message, SOUP_STATUS_BAD_REQUEST, "text/plain",
                              "cannot answer the offer: " + failure + "\n");
        } else {
          HttpServer::respond(message, SOUP_STATUS_SERVICE_UNAVAILABLE, "text/plain",
                              "the viewer was removed before its answer\n");
        }
        soup_server_message_unpause(message);
      }
    });
  }

  static void on_message_finished(SoupServerMessage*, gpointer data) noexcept {
    **static_cast<std::shared_ptr<bool>*>(data) = true;
  }

  static void on_webrtcbin_finalized(gpointer data, GObject*) noexcept {
    auto* weak = static_cast<std::weak_ptr<WhepShared>*>(data);
    if (auto shared = weak->lock()) shared->counters.freed.fetch_add(1, std::memory_order_relaxed);
    delete weak;
  }

  /// A failed step of the negotiation: answer 400 and remove the viewer.
  void fail(const std::string& id, const std::string& why) noexcept {
    try {
      std::shared_ptr<WhepViewer> viewer;
      {
        const std::lock_guard lock(mutex_);
        const auto it = viewers_.find(id);
        if (it == viewers_.end()) return;
        viewer = it->second;
        if (viewer->answer_posted.exchange(true)) return;
      }
      post_pending(*viewer, nullptr, why);
      // From the server thread: this runs on webrtcbin's own thread (a promise's change
      // function), which setting webrtcbin to NULL would join (it hung the next finish()).
      remove_later(id);
    } catch (...) {
    }
  }

  static std::string promise_error(GstPromise* promise) {
    if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) return "no reply";
    const GstStructure* reply = gst_promise_get_reply(promise);
    if (reply == nullptr) return {};
    if (gst_structure_has_field(reply, "error")) {
      GError* error = nullptr;
      gst_structure_get(reply, "error", G_TYPE_ERROR, &error, nullptr);
      const GErrorPtr owned(error);
      return owned ? owned->message : "error";
    }
    return {};
  }

  static void on_remote_set(GstPromise* promise, gpointer data) noexcept {
    const auto* ref = static_cast<Ref*>(data);
    const GlibPtr<GstPromise, gst_promise_unref> owned(promise);
    auto shared = ref->shared.lock();
    if (!shared) return;
    try {
      const std::string error = promise_error(promise);
      auto viewer = shared->find(ref->id);
      if (!viewer) return;
      if (!error.empty()) {
        shared->fail(ref->id, error);
        return;
      }
      g_signal_emit_by_name(
          viewer->webrtcbin.get(), "create-answer", nullptr,
          gst_promise_new_with_change_func(&WhepShared::on_answer_created, new Ref{*ref},
                                           &WhepShared::free_ref_notify));
    } catch (...) {
      shared->fail(ref->id, "internal error");
    }
  }

  static void on_answer_created(GstPromise* promise, gpointer data) noexcept {
    const auto* ref = static_cast<Ref*>(data);
    const GlibPtr<GstPromise, gst_promise_unref> owned(promise);
    auto shared = ref->shared.lock();
    if (!shared) return;
    try {
      std::string error = promise_error(promise);
      GstWebRTCSessionDescription* answer = nullptr;
      if (error.empty()) {
        const GstStructure* reply = gst_promise_get_reply(promise);
        if (reply == nullptr ||
            gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer,
                              nullptr) == FALSE) {
          error = "webrtcbin made no answer";
        }
      }
      const GlibPtr<GstWebRTCSessionDescription, gst_webrtc_session_description_free> owned_answer(
          answer);
      auto viewer = shared->find(ref->id);
      if (!viewer) return;
      if (!error.empty()) {
        shared->fail(ref->id, error);
        return;
      }
      // A change function, not a wait: this runs on webrtcbin's own thread, which is the one
      // that will set the description.
      g_signal_emit_by_name(
          viewer->webrtcbin.get(), "set-local-description", answer,
          gst_promise_new_with_change_func(&WhepShared::on_local_set, new Ref{*ref},
                                           &WhepShared::free_ref_notify));
    } catch (...) {
      shared->fail(ref->id, "internal error");
    }
  }

  static void on_local_set(GstPromise* promise, gpointer data) noexcept {
    const auto* ref = static_cast<Ref*>(data);
    const GlibPtr<GstPromise, gst_promise_unref> owned(promise);
    auto shared = ref->shared.lock();
    if (!shared) return;
    try {
      const std::string error = promise_error(promise);
      auto viewer = shared->find(ref->id);
      if (!viewer) return;
      if (!error.empty()) {
        shared->fail(ref->id, error);
        return;
      }
      viewer->local_set.store(true);
      GstWebRTCICEGatheringState state{};
      g_object_get(viewer->webrtcbin.get(), "ice-gathering-state", &state, nullptr);
      if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) shared->answer(*viewer);
    } catch (...) {
      shared->fail(ref->id, "internal error");
    }
  }

  /// Sends the local description, with the candidates gathered so far, as the answer (once).
  void answer(WhepViewer& viewer) {
    if (!viewer.local_set.load() || viewer.answer_posted.exchange(true)) return;
    GstWebRTCSessionDescription* local = nullptr;
    g_object_get(viewer.webrtcbin.get(), "local-description", &local, nullptr);
    const GlibPtr<GstWebRTCSessionDescription, gst_webrtc_session_description_free> owned(local);
    post_pending(viewer, local, local == nullptr ? "webrtcbin has no local description" : "");
  }

  static void on_gathering_state(GstElement* webrtcbin, GParamSpec*, gpointer data) noexcept {
    const auto* ref = static_cast<Ref*>(data);
    GstWebRTCICEGatheringState state{};
    g_object_get(webrtcbin, "ice-gathering-state", &state, nullptr);
    if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) return;
    if (auto shared = ref->shared.lock()) {
      try {
        if (auto viewer = shared->find(ref->id)) shared->answer(*viewer);
      } catch (...) {
      }
    }
  }

  static gboolean on_gathering_timeout(gpointer data) noexcept {
    const auto* ref = static_cast<Ref*>(data);
    if (auto shared = ref->shared.lock()) {
      try {
        if (auto viewer = shared->find(ref->id)) {
          if (viewer->local_set.load()) {
            shared->answer(*viewer);
          } else {
            shared->fail(ref->id, "negotiation timed out");
          }
        }
      } catch (...) {
      }
    }
    return G_SOURCE_REMOVE;
  }

  /// Connected: a key frame, so the picture starts now. Failed or closed: the viewer goes,
  /// removed from the server thread (not webrtcbin's, which its own teardown would join).
  static void on_connection_state(GstElement* webrtcbin, GParamSpec*, gpointer data) noexcept {
    const auto* ref = static_cast<Ref*>(data);
    GstWebRTCPeerConnectionState state{};
    g_object_get(webrtcbin, "connection-state", &state, nullptr);
    auto shared = ref->shared.lock();
    if (!shared) return;
    if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && shared->options.key_frame_on_join) {
      shared->key_frame_wanted.store(true, std::memory_order_release);
    }
    if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED ||
        state == GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED) {
      shared->remove_later(ref->id);
    }
  }

  static void on_ice_connection_state(GstElement* webrtcbin, GParamSpec*, gpointer data) noexcept {
    const auto* ref = static_cast<Ref*>(data);
    GstWebRTCICEConnectionState state{};
    g_object_get(webrtcbin, "ice-connection-state", &state, nullptr);
    if (state != GST_WEBRTC_ICE_CONNECTION_STATE_FAILED &&
        state != GST_WEBRTC_ICE_CONNECTION_STATE_CLOSED) {
      return;
    }
    if (auto shared = ref->shared.lock()) shared->remove_later(ref->id);
  }

  static void on_ssrc_active(GstElement*, guint, guint, gpointer data) noexcept {
    const auto* ref = static_cast<Ref*>(data);
    if (auto shared = ref->shared.lock()) {
      try {
        if (auto viewer = shared->find(ref->id)) {
          viewer->last_heard.store(g_get_monotonic_time(), std::memory_order_relaxed);
        }
      } catch (...) {
      }
    }
  }

  void remove_later(const std::string& id) noexcept {
    try {
      const std::lock_guard lock(mutex_);
      if (http_ == nullptr) return;
      http_->invoke([self = weak(), id] {
        if (auto shared = self.lock()) shared->remove(id);
      });
    } catch (...) {
    }
  }

  // Recursive: a webrtcbin callback or bus message that a state change emits on the thread that
  // holds it (while a viewer is built) comes back in.
  std::recursive_mutex mutex_;
  HttpServer* http_ = nullptr;
  ElementRef pipeline_;
  ElementRef tee_;
  ElementRef audio_tee_;
  std::map<std::string, std::shared_ptr<WhepViewer>> viewers_;
};

}  // namespace detail

}  // namespace framepipe
