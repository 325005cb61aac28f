// When a destructor may release the GIL for its wait.
#pragma once

#include <Python.h>

namespace framepipe::python {

/// True when this thread holds the GIL and the interpreter is not shutting down: then a
/// destructor may release the GIL while it stops a stream. At shutdown it keeps the GIL (releasing
/// it there is unsafe); the stream still stops, within its bounded time.
inline bool may_release_gil() {
#if PY_VERSION_HEX >= 0x030D0000
  const bool finalizing = Py_IsFinalizing() != 0;
#else
  const bool finalizing = _Py_IsFinalizing() != 0;
#endif
  return Py_IsInitialized() != 0 && !finalizing && PyGILState_Check() != 0;
}

}  // namespace framepipe::python
