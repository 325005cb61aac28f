// SIGINT during blocking calls: a handler chained in front of Python's for the call's duration,
// and one watcher thread that calls the interrupt() of the waiting sink or source (not
// async-signal-safe, so not from the handler itself: the handler only writes to an eventfd).
#include "sigint.hpp"

#include <pythread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>
#include <thread>

namespace framepipe::python {
namespace {

unsigned long g_main_thread = 0;
int g_wake = -1;
std::atomic<bool> g_fired{false};
struct sigaction g_previous {};

std::mutex g_target_mutex;
SigintScope::InterruptFn g_interrupt = nullptr;
void* g_target = nullptr;

extern "C" void on_sigint(int signal_number) {
  const int saved_errno = errno;
  g_fired.store(true);
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(g_wake, &one, sizeof one);
  // Python's own handler: it sets the flag that raises KeyboardInterrupt.
  if ((g_previous.sa_flags & SA_SIGINFO) == 0 && g_previous.sa_handler != SIG_DFL &&
      g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(signal_number);
  }
  errno = saved_errno;
}

void watch() {
  for (;;) {
    std::uint64_t count = 0;
    if (::read(g_wake, &count, sizeof count) != static_cast<ssize_t>(sizeof count)) {
      if (errno == EINTR) continue;
      return;
    }
    const std::lock_guard lock(g_target_mutex);
    if (g_interrupt != nullptr) g_interrupt(g_target);
  }
}

}  // namespace

void init_sigint() {
  g_main_thread = PyThread_get_thread_ident();
  g_wake = ::eventfd(0, EFD_CLOEXEC);
  if (g_wake >= 0) std::thread(watch).detach();
}

SigintScope::SigintScope(InterruptFn interrupt, void* target) {
  if (g_wake < 0 || PyThread_get_thread_ident() != g_main_thread) return;
  struct sigaction current {};
  if (::sigaction(SIGINT, nullptr, &current) != 0) return;
  // Only in front of a handler that Python installed (not the default action, not ignored, not
  // a nested scope's own).
  if ((current.sa_flags & SA_SIGINFO) != 0 || current.sa_handler == SIG_DFL ||
      current.sa_handler == SIG_IGN || current.sa_handler == on_sigint) {
    return;
  }
  {
    const std::lock_guard lock(g_target_mutex);
    g_interrupt = interrupt;
    g_target = target;
  }
  g_previous = current;
  g_fired.store(false);
  struct sigaction ours = current;
  ours.sa_handler = on_sigint;
  if (::sigaction(SIGINT, &ours, nullptr) != 0) return;
  active_ = true;
}

SigintScope::~SigintScope() {
  if (!active_) return;
  ::sigaction(SIGINT, &g_previous, nullptr);
  const std::lock_guard lock(g_target_mutex);
  g_interrupt = nullptr;
  g_target = nullptr;
}

bool SigintScope::fired() const { return active_ && g_fired.load(); }

}  // namespace framepipe::python
