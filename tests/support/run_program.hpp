// Runs a program as a user would from a shell, for the tests of the examples.
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace framepipe::test {

/// What a program printed (stdout and stderr together) and how it exited.
struct RunResult {
  int exit_code = -1;  ///< -1 when it did not exit normally (killed by a signal)
  std::string output;
};

/// Runs `"program" args` through the shell and collects its output.
inline RunResult run_program(const std::string& program, const std::string& args) {
  const std::string command = "\"" + program + "\" " + args + " 2>&1";
  RunResult result;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 512> chunk{};
  while (std::fgets(chunk.data(), static_cast<int>(chunk.size()), pipe) != nullptr) {
    result.output += chunk.data();
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

/// Runs `command` (a shell command line) and returns its standard output byte for byte (binary
/// safe: raw frames); REQUIREs that it exits with 0.
inline std::string output_of(const std::string& command) {
  INFO(command);
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  std::array<char, 65536> chunk{};
  while (const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), pipe)) {
    out.append(chunk.data(), n);
  }
  REQUIRE(pclose(pipe) == 0);
  return out;
}

}  // namespace framepipe::test
