// Sets an environment variable for one scope and restores what was there (e.g. FRAMEPIPE_ISA).
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

namespace framepipe::test {

class ScopedEnv {
 public:
  /// Sets `name` to `value` (nullptr: unsets it) until the end of the scope.
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    set(value);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() { set(old_ ? old_->c_str() : nullptr); }

 private:
  void set(const char* value) const {
    if (value == nullptr) {
      unsetenv(name_.c_str());
    } else {
      setenv(name_.c_str(), value, 1);
    }
  }
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace framepipe::test
