// Spinning before parking: cpu_relax() and spin_until(), for threads that are about to be handed
// work (BandPool's workers, HandoffRing's lanes).
#pragma once

#include <chrono>

namespace framepipe::detail {

/// Tells the CPU this thread is spinning (x86 `pause`, Arm `yield`): it saves power and lets the
/// other hardware thread of the core run.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield");
#endif
}

/// Spins until `ready()` or until `budget` has passed; returns ready(). Waking a parked thread
/// costs tens of microseconds on a virtual machine (a futex wake and a reschedule); a thread that
/// is about to be handed work spins instead, and parks only when the work is slow to come.
template <class Ready>
bool spin_until(const Ready& ready, std::chrono::nanoseconds budget) {
  if (ready()) return true;
  const auto end = std::chrono::steady_clock::now() + budget;
  for (;;) {
    for (int i = 0; i < 32; ++i) {
      cpu_relax();
      if (ready()) return true;
    }
    if (std::chrono::steady_clock::now() >= end) return ready();
  }
}

}  // namespace framepipe::detail
