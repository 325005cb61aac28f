// The parts of the module, each bound by its own file; module.cpp calls them in this order.
#pragma once

#include <pybind11/pybind11.h>

namespace framepipe::python {

/// framepipe.Error and its subclasses, and the translator from framepipe's C++ exceptions.
void bind_errors(pybind11::module_& m);
/// framepipe.Stats, framepipe.Matrix, framepipe.Range.
void bind_types(pybind11::module_& m);
/// framepipe.Writer.
void bind_writer(pybind11::module_& m);
/// framepipe.Reader and framepipe.Frame.
void bind_reader(pybind11::module_& m);
/// framepipe.pack_i420, framepipe.pack_nv12, framepipe.unpack.
void bind_convert(pybind11::module_& m);
/// framepipe.Pipeline, framepipe.FrameTime, framepipe.TestPattern, framepipe.TextClock (with
/// OpenCV).
void bind_pipeline(pybind11::module_& m);
/// framepipe.RtspServer (with gst-rtsp-server) and the network recipes (rtp_udp, srt_listener...).
void bind_network(pybind11::module_& m);

}  // namespace framepipe::python
