// libFuzzer entry point for the cty decoders. The first input byte picks one of a fixed
// set of schema types (and, with its high bit, the JSON decoder instead of msgpack); the
// rest is the wire payload. Beyond "no crash, no sanitizer report", it checks that every
// accepted input re-encodes and decodes back to an equal value.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "provider/protocol/cty/codec.h"

namespace {

using prov::cty::Type;
using prov::cty::Value;

const std::vector<Type>& Types() {
  static const std::vector<Type>* types = [] {
    Type rule = Type::Object({{"cidr", Type::String()},
                              {"ports", Type::List(Type::Number())},
                              {"tags", Type::Map(Type::String())},
                              {"any", Type::Dynamic()}});
    Type nested = Type::Object({{"ports", Type::Set(Type::Number())},
                                {"items", Type::List(Type::Object({{"x", Type::String()}}, {"x"}))}});
    return new std::vector<Type>{
        Type::String(),
        Type::Number(),
        Type::Bool(),
        Type::Dynamic(),
        Type::List(Type::String()),
        Type::Set(Type::Number()),
        Type::Map(Type::Bool()),
        rule,
        Type::Tuple({Type::String(), Type::Number(), Type::Dynamic()}),
        Type::Map(nested),
        Type::List(Type::Dynamic()),
        Type::Set(rule),
    };
  }();
  return *types;
}

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "cty fuzz invariant broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const Type& t = Types()[data[0] % Types().size()];
  const bool json = (data[0] & 0x80) != 0;
  std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);

  if (!json) {
    prov::Result<Value> v = prov::cty::DecodeMsgpack(payload, t);
    if (!v.ok()) return 0;
    prov::Result<std::string> wire = prov::cty::EncodeMsgpack(*v, t);
    if (!wire.ok()) Fail("decoded msgpack value does not re-encode", wire.error().ToString());
    prov::Result<Value> back = prov::cty::DecodeMsgpack(*wire, t);
    if (!back.ok()) Fail("re-encoded msgpack does not decode", back.error().ToString());
    if (*back != *v) Fail("msgpack round trip changed the value", v->DebugString() + "\n" + back->DebugString());
    return 0;
  }
  prov::Result<Value> v = prov::cty::DecodeJson(payload, t);
  if (!v.ok()) return 0;
  prov::Result<std::string> text = prov::cty::EncodeJson(*v, t);
  if (!text.ok()) Fail("decoded JSON value does not re-encode", text.error().ToString());
  prov::Result<Value> back = prov::cty::DecodeJson(*text, t);
  if (!back.ok()) Fail("re-encoded JSON does not decode", back.error().ToString());
  if (*back != *v) Fail("JSON round trip changed the value", *text);
  return 0;
}
