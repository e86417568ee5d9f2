// Helpers for the catalog tests: locating and reading files of the source tree.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace prov::catalog::testing {

// PROV_SOURCE_DIR is set by CTest; running the binary by hand needs it too. A missing
// variable fails the test (never a silent skip).
inline std::string SourcePath(const std::string& rel) {
  const char* root = std::getenv("PROV_SOURCE_DIR");
  if (!root) {
    ADD_FAILURE() << "PROV_SOURCE_DIR is not set";
    return rel;
  }
  return std::string(root) + "/" + rel;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return {};
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string ReadSource(const std::string& rel) { return ReadFile(SourcePath(rel)); }

}  // namespace prov::catalog::testing
