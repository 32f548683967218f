// Helpers shared by tests: temporary folders, waiting for a condition, the paths of built binaries.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace mw::testing {

// A fresh folder under $TMPDIR, removed with its contents when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Polls `condition` every 10 ms until it is true or `timeout` passes.
bool WaitUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Path of a binary built in this build tree, e.g. BinaryPath("millwright").
std::string BinaryPath(const std::string& name);

void WriteFile(const std::string& path, const std::string& content);
std::string ReadFile(const std::string& path);

}  // namespace mw::testing
