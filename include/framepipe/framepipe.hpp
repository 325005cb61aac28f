// framepipe: every public header that the available components allow.
//
// framepipe::core (always), framepipe::opencv (TextClockGenerator, Mat interop) and framepipe::gst
// (AppSrcSink) define FRAMEPIPE_HAS_OPENCV / FRAMEPIPE_HAS_GST; without CMake, the headers'
// availability decides.
#pragma once

#include "framepipe/version.hpp"

// core: std only
#include "framepipe/audio/beep_generator.hpp"
#include "framepipe/audio/function_audio_generator.hpp"
#include "framepipe/audio/sample_math.hpp"
#include "framepipe/audio/silence_generator.hpp"
#include "framepipe/audio/tone_generator.hpp"
#include "framepipe/audio/with_audio.hpp"
#include "framepipe/color/coefficients.hpp"
#include "framepipe/color/unpack_coefficients.hpp"
#include "framepipe/convert/function_converter.hpp"
#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/convert/isa.hpp"
#include "framepipe/convert/kernels/pack_dispatch.hpp"
#include "framepipe/convert/kernels/unpack_dispatch.hpp"
#include "framepipe/convert/nv12_packer.hpp"
#include "framepipe/convert/rgb_to_yuv_packer.hpp"
#include "framepipe/convert/unpackers.hpp"
#include "framepipe/convert/yuv_to_rgb_unpacker.hpp"
#include "framepipe/core/audio_buffer.hpp"
#include "framepipe/core/audio_feed.hpp"
#include "framepipe/core/audio_format.hpp"
#include "framepipe/core/audio_stage.hpp"
#include "framepipe/core/audio_time.hpp"
#include "framepipe/core/band_pool.hpp"
#include "framepipe/core/chain.hpp"
#include "framepipe/core/color_space.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/handoff_ring.hpp"
#include "framepipe/core/pipeline.hpp"
#include "framepipe/core/pixel_format.hpp"
#include "framepipe/core/source.hpp"
#include "framepipe/core/source_reader.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/core/stats.hpp"
#include "framepipe/core/writer.hpp"
#include "framepipe/generators/function_generator.hpp"
#include "framepipe/generators/generator_options.hpp"
#include "framepipe/generators/test_pattern_generator.hpp"
#include "framepipe/sinks/callback_sink.hpp"
#include "framepipe/sinks/null_sink.hpp"

#ifndef FRAMEPIPE_HAS_OPENCV
#  if __has_include(<opencv2/core.hpp>) && __has_include(<opencv2/imgproc.hpp>)
#    define FRAMEPIPE_HAS_OPENCV 1
#  else
#    define FRAMEPIPE_HAS_OPENCV 0
#  endif
#endif
#if FRAMEPIPE_HAS_OPENCV
#  include "framepipe/opencv/mat_generator.hpp"
#  include "framepipe/opencv/mat_view.hpp"
#  include "framepipe/opencv/text_clock_generator.hpp"
#endif

#ifndef FRAMEPIPE_HAS_GST
#  if __has_include(<gst/gst.h>) && __has_include(<gst/app/gstappsrc.h>) && \
      __has_include(<gst/video/video.h>)
#    define FRAMEPIPE_HAS_GST 1
#  else
#    define FRAMEPIPE_HAS_GST 0
#  endif
#endif
#if FRAMEPIPE_HAS_GST
#  include "framepipe/gst/app_sink_source.hpp"
#  include "framepipe/gst/app_sink_source_options.hpp"
#  include "framepipe/gst/app_src_sink.hpp"
#  include "framepipe/gst/app_src_sink_lane.hpp"
#  include "framepipe/gst/app_src_sink_options.hpp"
#  include "framepipe/gst/audio_reader.hpp"
#  include "framepipe/gst/bus.hpp"
#  include "framepipe/gst/caps.hpp"
#  include "framepipe/gst/diagnostics.hpp"
#  include "framepipe/gst/error.hpp"
#  include "framepipe/gst/network.hpp"
#  include "framepipe/gst/reader.hpp"
#  include "framepipe/gst/runtime.hpp"
#  include "framepipe/gst/slot_pool.hpp"
#endif

#ifndef FRAMEPIPE_HAS_RTSP
#  if FRAMEPIPE_HAS_GST && __has_include(<gst/rtsp-server/rtsp-server.h>)
#    define FRAMEPIPE_HAS_RTSP 1
#  else
#    define FRAMEPIPE_HAS_RTSP 0
#  endif
#endif
#if FRAMEPIPE_HAS_RTSP
#  include "framepipe/rtsp/rtsp_server.hpp"
#  include "framepipe/rtsp/rtsp_sink.hpp"
#endif

#ifndef FRAMEPIPE_HAS_WEB
#  if FRAMEPIPE_HAS_GST && __has_include(<libsoup/soup.h>) && __has_include(<gst/webrtc/webrtc.h>)
#    define FRAMEPIPE_HAS_WEB 1
#  else
#    define FRAMEPIPE_HAS_WEB 0
#  endif
#endif
#if FRAMEPIPE_HAS_WEB
#  include "framepipe/web/hls_handler.hpp"
#  include "framepipe/web/hls_output.hpp"
#  include "framepipe/web/http_server.hpp"
#  include "framepipe/web/whep_server.hpp"
#  include "framepipe/web/whep_sink.hpp"
#endif
