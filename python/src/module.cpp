// `import framepipe`: the module's entry point.
#include <pybind11/pybind11.h>

#include <framepipe/version.hpp>

#include "bindings.hpp"
#include "sigint.hpp"

PYBIND11_MODULE(framepipe, m) {
  m.doc() =
      "framepipe: numpy frames in and out of GStreamer at the C++ library's speed.\n\n"
      "framepipe.Writer writes arrays (read in place, no copy; the GIL released while they are "
      "packed and pushed); framepipe.Reader reads frames that np.asarray() views without a copy. "
      "Every error is a framepipe.Error.";
  m.attr("__version__") = FRAMEPIPE_VERSION_STRING;
  framepipe::python::init_sigint();
  framepipe::python::bind_errors(m);
  framepipe::python::bind_types(m);
  framepipe::python::bind_writer(m);
  framepipe::python::bind_reader(m);
  framepipe::python::bind_convert(m);
  framepipe::python::bind_pipeline(m);
  framepipe::python::bind_network(m);
}
