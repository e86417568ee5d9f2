// UniqueTempDir: a fresh directory for one test, removed with everything in it when the object
// goes out of scope. ctest runs every test case as its own process, several at once (and
// `./dev flake` shuffles and over-subscribes them), so a fixed file name under
// ::testing::TempDir() is shared by concurrent processes: always write into one of these.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace prov::testing {

class UniqueTempDir {
 public:
  // The name holds the test's name (for a human looking at leftovers) and a mkdtemp suffix
  // (unique across processes and within one).
  explicit UniqueTempDir(const std::string& tag = "") {
    std::string base = ::testing::TempDir();
    if (base.empty()) base = "/tmp/";
    if (base.back() != '/') base += '/';
    std::string name = "prov_";
    if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
      name += std::string(info->test_suite_name()) + "." + info->name() + "_";
    }
    if (!tag.empty()) name += tag + "_";
    for (char& c : name) {
      if (c == '/' || c == ' ') c = '_';
    }
    std::string tmpl = base + name + std::to_string(::getpid()) + "_XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
      throw std::runtime_error("UniqueTempDir: mkdtemp(" + tmpl + ") failed");
    }
    path_ = buf.data();
  }
  ~UniqueTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  UniqueTempDir(const UniqueTempDir&) = delete;
  UniqueTempDir& operator=(const UniqueTempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace prov::testing
