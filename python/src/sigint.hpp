// Ctrl-C during a blocking call: SIGINT while the main thread waits in C++ without the GIL
// (a write() held up by back-pressure, a read() waiting for a frame) cuts the wait short, and the
// call ends in KeyboardInterrupt instead of waiting out its timeout.
#pragma once

#include <Python.h>
#include <pybind11/pybind11.h>

#include <framepipe/core/error.hpp>
#include <utility>

namespace framepipe::python {

/// The thread that imports the module, taken as Python's main thread (the one signal handlers
/// run on); called once at import.
void init_sigint();

/// While it lives, on the main thread and when Python handles SIGINT: a SIGINT still reaches
/// Python's handler, and also calls `interrupt` (a thread-safe interrupt() of the sink or source
/// the call may wait in) from a watcher thread. Elsewhere it does nothing. Make it with the GIL.
class SigintScope {
 public:
  using InterruptFn = void (*)(void* target) noexcept;
  SigintScope(InterruptFn interrupt, void* target);
  SigintScope(const SigintScope&) = delete;
  SigintScope& operator=(const SigintScope&) = delete;
  ~SigintScope();

  /// Whether SIGINT came while the scope lived.
  bool fired() const;

 private:
  bool active_ = false;
};

/// Runs `blocking()` (which releases the GIL itself) inside a SigintScope; when SIGINT cut it
/// short (framepipe::Interrupted), runs Python's handler, which raises KeyboardInterrupt.
template <class Blocking>
auto interruptible(SigintScope::InterruptFn interrupt, void* target, Blocking&& blocking) {
  SigintScope scope(interrupt, target);
  // A SIGINT that came before the scope's handler was in place (since Python last looked) would
  // otherwise wait until the call returns: run Python's handler now.
  if (PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
  try {
    return std::forward<Blocking>(blocking)();
  } catch (const Interrupted&) {
    if (!scope.fired()) throw;
    if (PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
    throw;  // the handler raised nothing: the wait was cut short all the same
  }
}

}  // namespace framepipe::python
