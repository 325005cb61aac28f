// Driving a pipeline that framepipe built or was given: its state changes and its elements by
// name.
#pragma once

#include <gst/gst.h>

#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "framepipe/core/error.hpp"
#include "framepipe/gst/error.hpp"
#include "framepipe/gst/runtime.hpp"

namespace framepipe::detail {

/// How long to wait for the ERROR message that explains a failed state change.
inline constexpr GstClockTime kStateErrorGrace = 1 * GST_SECOND;

/// Sets `pipeline` to PLAYING (`gst_element_set_state`). When that fails, waits up to `grace` for
/// the ERROR on `bus` that explains it and hands it to `on_error(GstMessage*)`; when none comes,
/// hands `on_failure(std::exception_ptr)` a StreamError "the pipeline could not be set to
/// PLAYING". Both must throw (a stage stops, remembers and rethrows); should either return, this
/// throws the StreamError itself. An ASYNC or NO_PREROLL result is success: errors after it come
/// on the bus.
template <class OnError, class OnFailure>
void set_playing(GstElement* pipeline, GstBus* bus, OnError&& on_error, OnFailure&& on_failure,
                 GstClockTime grace = kStateErrorGrace) {
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE) return;
  if (bus != nullptr) {
    const MessagePtr error(gst_bus_timed_pop_filtered(bus, grace, GST_MESSAGE_ERROR));
    if (error) std::forward<OnError>(on_error)(error.get());
  }
  const StreamError failed(object_name(GST_OBJECT_CAST(pipeline)),
                           "the pipeline could not be set to PLAYING", "");
  std::forward<OnFailure>(on_failure)(std::make_exception_ptr(failed));
  throw failed;
}

/// Sets `pipeline` to NULL (`gst_element_set_state`), which stops its threads and flushes its
/// bus. Never throws; does nothing for null.
inline void set_null(GstElement* pipeline) noexcept {
  if (pipeline != nullptr) gst_element_set_state(pipeline, GST_STATE_NULL);
}

/// The element named `name` in `bin`, nested bins included (`gst_bin_get_by_name`), that is a
/// `type` (e.g. GST_TYPE_APP_SRC; any element by default). Throws InvalidArgument, "<owner>: the
/// pipeline has no <kind> named "<name>"", when there is none.
inline ElementRef element_by_name(GstElement* bin, std::string_view name, std::string_view owner,
                                  GType type = GST_TYPE_ELEMENT,
                                  std::string_view kind = "element") {
  const std::string n(name);
  const ElementRef found = ElementRef::adopt(
      bin != nullptr && GST_IS_BIN(bin) ? gst_bin_get_by_name(GST_BIN(bin), n.c_str()) : nullptr);
  if (!found || !G_TYPE_CHECK_INSTANCE_TYPE(found.get(), type)) {
    throw InvalidArgument(std::string(owner) + ": the pipeline has no " + std::string(kind) +
                          " named \"" + n + "\"");
  }
  return found;
}

/// Calls `visit(GstElement*)` for every element in `bin` at any depth, decodebin's children
/// included (`gst_bin_iterate_recurse`), until it returns false. When the bin changes during the
/// walk, the walk starts over after `restart()`, which forgets what the visits gathered. Does
/// nothing for null or an element that is not a bin.
template <class Visit, class Restart>
void visit_elements(GstElement* bin, Visit&& visit, Restart&& restart) {
  if (bin == nullptr || !GST_IS_BIN(bin)) return;
  struct Walk {
    GstIterator* it;
    GValue item = G_VALUE_INIT;
    ~Walk() {
      g_value_unset(&item);
      gst_iterator_free(it);
    }
  } walk{gst_bin_iterate_recurse(GST_BIN(bin))};
  for (bool more = true; more;) {
    switch (gst_iterator_next(walk.it, &walk.item)) {
      case GST_ITERATOR_OK:
        more = visit(GST_ELEMENT(g_value_get_object(&walk.item)));
        g_value_reset(&walk.item);
        break;
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync(walk.it);
        restart();
        break;
      default:
        more = false;
        break;
    }
  }
}

}  // namespace framepipe::detail
