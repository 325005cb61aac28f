// framepipe.Error and its subclasses: one Python class for each framepipe exception, in the same
// hierarchy (core/error.hpp, gst/error.hpp), plus FrameError for arrays. The accessors of the C++
// exceptions become attributes of the Python ones (StreamError.element, Timeout.limit, ...).
#include "errors.hpp"

#include <Python.h>
#include <pybind11/pybind11.h>

#include <exception>
#include <framepipe/core/error.hpp>
#include <framepipe/gst/error.hpp>
#include <initializer_list>
#include <string>
#include <utility>

#include "bindings.hpp"

namespace py = pybind11;

namespace framepipe::python {
namespace {

/// The Python classes, made once at import; never freed (they live as long as the interpreter,
/// and a static py::object would be destroyed after it).
struct ErrorTypes {
  py::object error, invalid_argument, frame_error, interrupted, parse_error, missing_element,
      stream_error, not_negotiated, address_in_use, peer_unreachable, timeout;
};

ErrorTypes& types() {
  static auto* t = new ErrorTypes;
  return *t;
}

py::object make_class(py::module_& m, const char* name, std::initializer_list<py::handle> bases,
                      const char* doc) {
  py::tuple base_tuple(bases.size());
  std::size_t i = 0;
  for (const py::handle b : bases) base_tuple[i++] = py::reinterpret_borrow<py::object>(b);
  const std::string qualified = std::string("framepipe.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base_tuple.ptr(), nullptr);
  if (cls == nullptr) throw py::error_already_set();
  py::object result = py::reinterpret_steal<py::object>(cls);
  m.attr(name) = result;
  return result;
}

using Attributes = std::initializer_list<std::pair<const char*, py::object>>;

/// Raises `type(what)` with `attributes` set on the instance.
void raise(const py::object& type, const char* what, Attributes attributes = {}) {
  py::object instance = type(what);
  for (const auto& [name, value] : attributes) instance.attr(name) = value;
  PyErr_SetObject(type.ptr(), instance.ptr());
}

void raise_stream_error(const py::object& type, const StreamError& e, Attributes more = {}) {
  py::object instance = type(e.what());
  instance.attr("element") = py::str(e.element());
  instance.attr("gst_message") = py::str(e.message());
  instance.attr("debug") = py::str(e.debug());
  instance.attr("domain") = py::str(e.domain());
  instance.attr("code") = py::int_(e.code());
  for (const auto& [name, value] : more) instance.attr(name) = value;
  PyErr_SetObject(type.ptr(), instance.ptr());
}

double seconds(std::chrono::milliseconds ms) { return static_cast<double>(ms.count()) / 1000.0; }

void translate(std::exception_ptr error) {
  ErrorTypes& t = types();
  try {
    std::rethrow_exception(error);
  } catch (const FrameError& e) {
    raise(t.frame_error, e.what(),
          {{"expected", py::str(e.expected())}, {"got", py::str(e.got())}});
  } catch (const NotNegotiated& e) {
    raise_stream_error(t.not_negotiated, e, {{"offered_caps", py::str(e.offered_caps())}});
  } catch (const AddressInUse& e) {
    raise_stream_error(t.address_in_use, e,
                       {{"address", py::str(e.address())}, {"port", py::int_(e.port())}});
  } catch (const PeerUnreachable& e) {
    raise_stream_error(t.peer_unreachable, e,
                       {{"host", py::str(e.host())},
                        {"port", py::int_(e.port())},
                        {"connect_timeout", py::float_(seconds(e.connect_timeout()))}});
  } catch (const StreamError& e) {
    raise_stream_error(t.stream_error, e);
  } catch (const ParseError& e) {
    raise(t.parse_error, e.what(),
          {{"description", py::str(e.description())}, {"gst_message", py::str(e.gst_message())}});
  } catch (const MissingElement& e) {
    raise(t.missing_element, e.what(),
          {{"element", py::str(e.element())}, {"gst_message", py::str(e.gst_message())}});
  } catch (const Timeout& e) {
    raise(t.timeout, e.what(), {{"limit", py::float_(seconds(e.limit()))}});
  } catch (const Interrupted& e) {
    raise(t.interrupted, e.what());
  } catch (const InvalidArgument& e) {
    raise(t.invalid_argument, e.what());
  } catch (const Error& e) {
    raise(t.error, e.what());
  }
}

}  // namespace

void bind_errors(py::module_& m) {
  ErrorTypes& t = types();
  const py::handle exception = PyExc_Exception;
  t.error = make_class(m, "Error", {exception}, "Base class of every exception framepipe raises.");
  t.invalid_argument = make_class(
      m, "InvalidArgument", {t.error, PyExc_ValueError},
      "A value framepipe cannot work with (a size of 0, a bad option, a pts that goes back...).");
  t.frame_error = make_class(
      m, "FrameError", {t.invalid_argument},
      "An array that is not the frame the call expects: wrong dtype, ndim, shape, channel count, "
      "size or strides. `expected` and `got` say what was expected and what came.");
  t.interrupted = make_class(m, "Interrupted", {t.error}, "A wait cut short on request.");
  t.parse_error = make_class(
      m, "ParseError", {t.error},
      "A pipeline description GStreamer rejects. `description` (secrets redacted), `gst_message`.");
  t.missing_element = make_class(
      m, "MissingElement", {t.error},
      "A description names an element no installed plugin provides. `element`, `gst_message`; "
      "the message names the package that ships it when framepipe knows.");
  t.stream_error = make_class(
      m, "StreamError", {t.error},
      "An ERROR from the pipeline: `element`, `gst_message`, `debug`, `domain`, `code`.");
  t.not_negotiated = make_class(m, "NotNegotiated", {t.stream_error},
                                "Downstream refused the caps framepipe offered: `offered_caps`.");
  t.address_in_use = make_class(m, "AddressInUse", {t.stream_error},
                                "A socket address someone else holds: `address`, `port`.");
  t.peer_unreachable = make_class(
      m, "PeerUnreachable", {t.stream_error},
      "A peer did not answer within the connect timeout: `host`, `port`, `connect_timeout` (s).");
  t.timeout = make_class(m, "Timeout", {t.error, PyExc_TimeoutError},
                         "Something framepipe waits for did not happen in time: `limit` (s).");
  py::register_exception_translator(&translate);
}

}  // namespace framepipe::python
