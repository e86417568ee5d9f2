// Attribute-path bookkeeping shared by the cty decoders (internal). Steps are pushed and
// popped as decoding descends; the text form is only built when an error is reported,
// so the happy path pays for no string formatting.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "provider/base/result.h"

namespace prov::cty::internal {

// Decoder limits. Terraform values are a handful of levels deep; the limit keeps hostile
// input from exhausting the stack.
inline constexpr int kMaxValueDepth = 64;

class CodecPath {
 public:
  void PushAttr(std::string_view name) { steps_.push_back({kAttr, std::string(name), 0}); }
  void PushKey(std::string_view key) { steps_.push_back({kKey, std::string(key), 0}); }
  void PushIndex(int64_t i) { steps_.push_back({kIndex, {}, i}); }
  void SetIndex(int64_t i) { steps_.back().index = i; }
  void Pop() { steps_.pop_back(); }
  size_t depth() const { return steps_.size(); }

  // ".rules[\"k\"].ports[0]"; empty at the root.
  std::string ToString() const {
    std::string out;
    for (const auto& s : steps_) {
      switch (s.kind) {
        case kAttr:
          out += '.';
          out += s.name;
          break;
        case kKey:
          out += "[\"";
          for (char c : s.name) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
          }
          out += "\"]";
          break;
        case kIndex:
          out += '[' + std::to_string(s.index) + ']';
          break;
      }
    }
    return out;
  }

  Error MakeErr(std::string message, ErrorCode code = ErrorCode::kInvalidArgument) const {
    return MakeError(code, std::move(message), ToString());
  }

 private:
  enum StepKind { kAttr, kKey, kIndex };
  struct Step {
    StepKind kind;
    std::string name;
    int64_t index;
  };
  std::vector<Step> steps_;
};

}  // namespace prov::cty::internal
