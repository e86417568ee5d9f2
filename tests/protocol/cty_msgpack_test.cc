// Byte-exact msgpack fixtures (the cty/msgpack wire format Terraform speaks) and
// hostile-input tests for the decoder.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "provider/protocol/cty/codec.h"
#include "tests/protocol/cty_test_util.h"

namespace prov::cty {
namespace {

using testing::FromHex;
using testing::ToHex;

std::string Enc(const Value& v, const Type& t) {
  Result<std::string> r = EncodeMsgpack(v, t);
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  return r.ok() ? ToHex(*r) : "<error>";
}

Value Dec(const std::string& hex, const Type& t) {
  Result<Value> r = DecodeMsgpack(FromHex(hex), t);
  EXPECT_TRUE(r.ok()) << hex << ": " << r.error().ToString();
  return r.ok() ? *r : Value();
}

Error DecErr(const std::string& bytes, const Type& t) {
  Result<Value> r = DecodeMsgpack(bytes, t);
  EXPECT_FALSE(r.ok()) << ToHex(bytes) << " decoded as " << r->DebugString();
  return r.ok() ? Error{} : r.error();
}

Value Num(const std::string& s) { return *Value::NumberFromString(s); }

std::string StrHex(const std::string& s) { return ToHex(s); }

TEST(CtyMsgpackTest, UnknownIsExtZero) {
  EXPECT_EQ(Enc(Value::Unknown(Type::String()), Type::String()), "d4 00 00");
  EXPECT_EQ(Enc(Value::Unknown(Type::Dynamic()), Type::Dynamic()), "d4 00 00");
  Value v = Dec("d4 00 00", Type::Number());
  EXPECT_TRUE(v.IsUnknown());
  EXPECT_EQ(v.type(), Type::Number());
  EXPECT_TRUE(v.refinement().empty());
}

TEST(CtyMsgpackTest, AnyExtensionDecodesAsUnknown) {
  for (const char* hex : {"d5 05 00 00", "d6 7f 01 02 03 04", "c7 00 03", "c7 02 01 aa bb"}) {
    Value v = Dec(hex, Type::String());
    EXPECT_TRUE(v.IsUnknown()) << hex;
    EXPECT_TRUE(v.refinement().empty()) << hex;
  }
}

TEST(CtyMsgpackTest, RefinedUnknownKeepsExt12Body) {
  // ext 12 body {1: false} (cty: "not null" refinement, key 1).
  const std::string wire = "c7 03 0c 81 01 c2";
  Value v = Dec(wire, Type::String());
  ASSERT_TRUE(v.IsUnknown());
  EXPECT_EQ(ToHex(v.refinement()), "81 01 c2");
  EXPECT_EQ(Enc(v, Type::String()), wire);
  // Refinement body of exactly 4 bytes uses fixext4, as the Go encoder does.
  Value u = Value::Unknown(Type::String(), FromHex("81 01 a1 78"));
  EXPECT_EQ(Enc(u, Type::String()), "d6 0c 81 01 a1 78");
  EXPECT_EQ(ToHex(Dec("d6 0c 81 01 a1 78", Type::String()).refinement()), "81 01 a1 78");
}

TEST(CtyMsgpackTest, MalformedRefinementIsAnError) {
  Error e = DecErr(FromHex("c7 02 0c 81 01"), Type::String());
  EXPECT_NE(e.message.find("refinements"), std::string::npos);
}

TEST(CtyMsgpackTest, NullIsNil) {
  EXPECT_EQ(Enc(Value::Null(Type::String()), Type::String()), "c0");
  EXPECT_EQ(Enc(Value(), Type::Dynamic()), "c0");
  Value v = Dec("c0", Type::List(Type::String()));
  EXPECT_TRUE(v.IsNull());
  EXPECT_EQ(v.type(), Type::List(Type::String()));
  EXPECT_TRUE(Dec("c0", Type::Dynamic()).IsNull());
}

TEST(CtyMsgpackTest, IntegersUseTheSmallestForm) {
  EXPECT_EQ(Enc(Value::Number(1), Type::Number()), "01");
  EXPECT_EQ(Enc(Value::Number(127), Type::Number()), "7f");
  EXPECT_EQ(Enc(Value::Number(200), Type::Number()), "cc c8");
  EXPECT_EQ(Enc(Value::Number(443), Type::Number()), "cd 01 bb");
  EXPECT_EQ(Enc(Value::Number(70000), Type::Number()), "ce 00 01 11 70");
  EXPECT_EQ(Enc(Value::Number(-1), Type::Number()), "ff");
  EXPECT_EQ(Enc(Value::Number(-33), Type::Number()), "d0 df");
  EXPECT_EQ(Enc(Value::Number(-200), Type::Number()), "d1 ff 38");
  EXPECT_EQ(Enc(Value::Number(INT64_MIN), Type::Number()), "d3 80 00 00 00 00 00 00 00");
  EXPECT_EQ(Enc(Value::Number(INT64_MAX), Type::Number()), "cf 7f ff ff ff ff ff ff ff");
}

TEST(CtyMsgpackTest, DecodesEveryNumberForm) {
  EXPECT_EQ(Dec("2a", Type::Number()).NumberText(), "42");
  EXPECT_EQ(Dec("e0", Type::Number()).NumberText(), "-32");
  EXPECT_EQ(Dec("cc ff", Type::Number()).NumberText(), "255");
  EXPECT_EQ(Dec("cd 01 bb", Type::Number()).NumberText(), "443");
  EXPECT_EQ(Dec("cf ff ff ff ff ff ff ff ff", Type::Number()).NumberText(), "18446744073709551615");
  EXPECT_EQ(Dec("d0 80", Type::Number()).NumberText(), "-128");
  EXPECT_EQ(Dec("d1 80 00", Type::Number()).NumberText(), "-32768");
  EXPECT_EQ(Dec("d2 80 00 00 00", Type::Number()).NumberText(), "-2147483648");
  EXPECT_EQ(Dec("d3 80 00 00 00 00 00 00 00", Type::Number()).NumberText(), "-9223372036854775808");
  EXPECT_EQ(Dec("ca 3f c0 00 00", Type::Number()).NumberText(), "1.5");
  EXPECT_EQ(Dec("cb 3f e0 00 00 00 00 00 00", Type::Number()).NumberText(), "0.5");
  EXPECT_EQ(Dec("a3 31 65 33", Type::Number()).NumberText(), "1000");  // "1e3"
  EXPECT_EQ(Dec("a4 2d 30 2e 31", Type::Number()).NumberText(), "-0.1");
}

TEST(CtyMsgpackTest, NumbersReencodeInTheirExactForm) {
  // uint64 beyond int64 has no exact double: string form.
  EXPECT_EQ(Enc(Dec("cf ff ff ff ff ff ff ff ff", Type::Number()), Type::Number()),
            "b4 " + StrHex("18446744073709551615"));
  // 2^64 is exactly a double; 2^64+1 is not.
  EXPECT_EQ(Enc(Num("18446744073709551616"), Type::Number()), "cb 43 f0 00 00 00 00 00 00");
  EXPECT_EQ(Enc(Num("18446744073709551617"), Type::Number()),
            "b4 " + StrHex("18446744073709551617"));
  EXPECT_EQ(Enc(Num("0.5"), Type::Number()), "cb 3f e0 00 00 00 00 00 00");
  EXPECT_EQ(Enc(Num("0.1"), Type::Number()), "a3 30 2e 31");
  // A float64 0.1 from the wire is the binary value, so it goes back as the same float.
  Value f = Dec("cb 3f b9 99 99 99 99 99 9a", Type::Number());
  EXPECT_NE(f, Num("0.1"));
  EXPECT_EQ(Enc(f, Type::Number()), "cb 3f b9 99 99 99 99 99 9a");
  // Whole numbers written as strings come back as ints.
  EXPECT_EQ(Enc(Dec("a3 31 65 33", Type::Number()), Type::Number()), "cd 03 e8");
  std::string big = "-1" + std::string(400, '0');
  EXPECT_EQ(Enc(Num("-1e400"), Type::Number()), "da 01 92 " + StrHex(big));
  EXPECT_EQ(Dec("da 01 92 " + StrHex(big), Type::Number()).NumberText(), big);
  EXPECT_EQ(Enc(Num("1.5e5000"), Type::Number()), "a9 " + StrHex("1.5e+5000"));
}

TEST(CtyMsgpackTest, StringsAndBools) {
  EXPECT_EQ(Enc(Value::String("hi"), Type::String()), "a2 68 69");
  std::string s40(40, 'x');
  EXPECT_EQ(Enc(Value::String(s40), Type::String()), "d9 28 " + StrHex(s40));
  EXPECT_EQ(Enc(Value::Bool(true), Type::Bool()), "c3");
  EXPECT_EQ(Enc(Value::Bool(false), Type::Bool()), "c2");
  EXPECT_EQ(Dec("d9 28 " + StrHex(s40), Type::String()).AsString(), s40);
  EXPECT_EQ(Dec("c4 02 68 69", Type::String()).AsString(), "hi");  // bin accepted
}

TEST(CtyMsgpackTest, DynamicIsTypeJsonPair) {
  // ["\"string\"" as bin, "hi"]
  const std::string wire = "92 c4 08 22 73 74 72 69 6e 67 22 a2 68 69";
  EXPECT_EQ(Enc(Value::String("hi"), Type::Dynamic()), wire);
  Value v = Dec(wire, Type::Dynamic());
  EXPECT_EQ(v, Value::String("hi"));
  // The type may arrive as a msgpack str too.
  EXPECT_EQ(Dec("92 a8 22 73 74 72 69 6e 67 22 a2 68 69", Type::Dynamic()), Value::String("hi"));
  // A typed null under a dynamic schema type keeps its type.
  std::string null_list = Enc(Value::Null(Type::List(Type::Bool())), Type::Dynamic());
  EXPECT_EQ(null_list, "92 c4 0f " + StrHex(R"(["list","bool"])") + " c0");
  Value n = Dec(null_list, Type::Dynamic());
  EXPECT_TRUE(n.IsNull());
  EXPECT_EQ(n.type(), Type::List(Type::Bool()));
  // An unknown of concrete type inside a dynamic slot is a pair around the ext.
  EXPECT_EQ(Enc(Value::Unknown(Type::Number()), Type::Dynamic()),
            "92 c4 08 " + StrHex("\"number\"") + " d4 00 00");
}

TEST(CtyMsgpackTest, ObjectsWriteEveryAttributeSorted) {
  Type t = Type::Object({{"b", Type::Number()}, {"a", Type::String()}});
  Value v = Value::ObjectOfType(t, {{"a", Value::String("x")}});
  EXPECT_EQ(Enc(v, t), "82 a1 61 a1 78 a1 62 c0");
  Value back = Dec("82 a1 62 c0 a1 61 a1 78", t);  // any key order on input
  EXPECT_EQ(back, v);
}

TEST(CtyMsgpackTest, EncodeRejectsNonConformingValues) {
  Type t = Type::Object({{"a", Type::String()}});
  Result<std::string> r = EncodeMsgpack(Value::Object({{"a", Value::Number(1)}}), t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, ".a");
  r = EncodeMsgpack(Value::Object({{"a", Value::String("x")}, {"zz", Value::String("y")}}), t);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("zz"), std::string::npos);
  r = EncodeMsgpack(Value::Object({}), t);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("missing attribute \"a\""), std::string::npos);
  r = EncodeMsgpack(Value::Tuple({Value::String("x")}), Type::Tuple({Type::String(), Type::Bool()}));
  EXPECT_FALSE(r.ok());
}

TEST(CtyMsgpackTest, CollectionsAndNestedUnknowns) {
  Type rule = Type::Object({{"cidr", Type::String()}, {"ports", Type::List(Type::Number())}});
  Type t = Type::Object({{"rules", Type::Map(rule)},
                         {"tags", Type::Set(Type::String())},
                         {"pair", Type::Tuple({Type::String(), Type::Bool()})}});
  Value r1 = Value::ObjectOfType(rule, {{"cidr", Value::Unknown(Type::String())},
                                        {"ports", Value::List(Type::Number(), {Value::Number(443),
                                                                               Value::Unknown(Type::Number())})}});
  Value v = Value::ObjectOfType(
      t, {{"rules", Value::Map(rule, {{"k", r1}})},
          {"tags", Value::Unknown(Type::Set(Type::String()))},
          {"pair", Value::Tuple({Value::String("a"), Value::Bool(true)})}});
  std::string hex = Enc(v, t);
  EXPECT_EQ(hex,
            "83 a4 70 61 69 72 92 a1 61 c3 "                 // pair: ["a", true]
            "a5 72 75 6c 65 73 81 a1 6b "                    // rules: {"k":
            "82 a4 63 69 64 72 d4 00 00 "                    //   cidr: unknown
            "a5 70 6f 72 74 73 92 cd 01 bb d4 00 00 "        //   ports: [443, unknown]}
            "a4 74 61 67 73 d4 00 00");                      // tags: unknown
  Value back = Dec(hex, t);
  EXPECT_EQ(back, v);
  EXPECT_TRUE(back.ContainsUnknown());
  EXPECT_TRUE(back.Get("rules").Get("k").Get("ports").Elements()[1].IsUnknown());
}

// ---- hostile input ----

TEST(CtyMsgpackTest, EveryTruncationIsAnError) {
  Type rule = Type::Object({{"cidr", Type::String()}, {"ports", Type::List(Type::Number())}});
  Type t = Type::Object({{"rules", Type::Map(rule)}, {"any", Type::Dynamic()}});
  Value v = Value::ObjectOfType(
      t, {{"rules", Value::Map(rule, {{"k", Value::ObjectOfType(rule, {{"cidr", Value::String("10.0.0.0/8")},
                                                                          {"ports", Value::List(Type::Number(), {Value::Number(70000), *Value::NumberFromString("0.1")})}})}})},
          {"any", Value::Unknown(Type::String(), FromHex("81 01 c2"))}});
  std::string wire = *EncodeMsgpack(v, t);
  ASSERT_TRUE(DecodeMsgpack(wire, t).ok());
  for (size_t n = 0; n < wire.size(); ++n) {
    Result<Value> r = DecodeMsgpack(std::string_view(wire).substr(0, n), t);
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
  }
}

TEST(CtyMsgpackTest, ErrorsCarryTheAttributePath) {
  Type rule = Type::Object({{"ports", Type::List(Type::Number())}});
  Type t = Type::Object({{"rules", Type::Map(rule)}});
  // {"rules": {"k": {"ports": ["abc"]}}}
  std::string wire = FromHex("81 a5 72 75 6c 65 73 81 a1 6b 81 a5 70 6f 72 74 73 91 a3 61 62 63");
  Error e = DecErr(wire, t);
  EXPECT_EQ(e.where, ".rules[\"k\"].ports[0]");
  EXPECT_NE(e.message.find("invalid number"), std::string::npos) << e.message;
}

TEST(CtyMsgpackTest, WrongTypeIsAnError) {
  Type t = Type::Object({{"enabled", Type::Bool()}});
  Error e = DecErr(FromHex("81 a7 65 6e 61 62 6c 65 64 a4 74 72 75 65"), t);  // "true" string
  EXPECT_EQ(e.where, ".enabled");
  EXPECT_NE(e.message.find("bool is required, got msgpack string"), std::string::npos) << e.message;
  DecErr(FromHex("c3"), Type::String());
  DecErr(FromHex("a1 78"), Type::List(Type::String()));
  DecErr(FromHex("91 01"), Type::Map(Type::Number()));
  DecErr(FromHex("c3"), Type::Number());
  DecErr(FromHex("a1 78"), Type::Dynamic());
}

TEST(CtyMsgpackTest, UnknownAndMissingAttributesAreErrors) {
  Type t = Type::Object({{"a", Type::String()}, {"b", Type::String()}});
  Error e = DecErr(FromHex("83 a1 61 c0 a1 62 c0 a3 65 76 6c c0"), t);
  EXPECT_NE(e.message.find("unsupported attribute \"evl\""), std::string::npos) << e.message;
  e = DecErr(FromHex("81 a1 61 c0"), t);
  EXPECT_NE(e.message.find("missing attribute \"b\""), std::string::npos) << e.message;
}

TEST(CtyMsgpackTest, NonStringAndDuplicateKeysAreErrors) {
  Error e = DecErr(FromHex("81 01 a1 78"), Type::Map(Type::String()));
  EXPECT_NE(e.message.find("map keys must be strings"), std::string::npos) << e.message;
  e = DecErr(FromHex("82 a1 6b a1 76 a1 6b a1 77"), Type::Map(Type::String()));
  EXPECT_EQ(e.where, "[\"k\"]");
  EXPECT_NE(e.message.find("duplicate"), std::string::npos);
  e = DecErr(FromHex("82 a1 61 c0 a1 61 c0"), Type::Object({{"a", Type::String()}}));
  EXPECT_EQ(e.where, ".a");
}

TEST(CtyMsgpackTest, HugeLengthsAreRejectedBeforeAllocation) {
  DecErr(FromHex("dd ff ff ff ff 01"), Type::List(Type::Number()));
  DecErr(FromHex("df ff ff ff ff a1 61"), Type::Map(Type::Number()));
  DecErr(FromHex("db ff ff ff ff 61"), Type::String());
  DecErr(FromHex("c9 ff ff ff ff 0c"), Type::String());
  DecErr(FromHex("dc ff ff 01 02"), Type::Set(Type::Number()));
  Error e = DecErr(FromHex("dd 00 01 00 00 01 02 03"), Type::List(Type::Number()));
  EXPECT_NE(e.message.find("only 3 bytes remain"), std::string::npos) << e.message;
}

TEST(CtyMsgpackTest, DeepNestingIsRejected) {
  // A list nested 100 levels deep in both type and data.
  Type t = Type::Number();
  for (int i = 0; i < 100; ++i) t = Type::List(t);
  std::string wire(100, '\x91');
  wire += '\x01';
  Error e = DecErr(wire, t);
  EXPECT_NE(e.message.find("too deep"), std::string::npos);
  // Dynamic values that nest themselves: ["\"dynamic\"", ["\"dynamic\"", ...]].
  std::string dyn;
  for (int i = 0; i < 200; ++i) dyn += FromHex("92 a9") + "\"dynamic\"";
  dyn += '\x01';
  e = DecErr(dyn, Type::Dynamic());
  EXPECT_NE(e.message.find("too deep"), std::string::npos);
  // A type description nested deeply inside the dynamic pair.
  std::string type_json = "\"string\"";
  for (int i = 0; i < 100; ++i) type_json = "[\"list\"," + type_json + "]";
  std::string pair = FromHex("92 da") + std::string(1, static_cast<char>(type_json.size() >> 8)) +
                     std::string(1, static_cast<char>(type_json.size() & 0xff)) + type_json + "\xc0";
  e = DecErr(pair, Type::Dynamic());
  EXPECT_NE(e.message.find("too deep"), std::string::npos) << e.message;
}

TEST(CtyMsgpackTest, MalformedDynamicIsAnError) {
  DecErr(FromHex("93 a8 22 73 74 72 69 6e 67 22 a2 68 69 c0"), Type::Dynamic());
  DecErr(FromHex("92 a3 7b 7b 7b a2 68 69"), Type::Dynamic());  // "{{{" is not JSON
  DecErr(FromHex("92 a6 22 62 6f 67 75 73 a2 68 69"), Type::Dynamic());
  DecErr(FromHex("92 01 a2 68 69"), Type::Dynamic());
}

TEST(CtyMsgpackTest, TrailingBytesAndInvalidBytesAreErrors) {
  DecErr(FromHex("01 02"), Type::Number());
  DecErr(FromHex("c1"), Type::Number());
  DecErr(FromHex(""), Type::String());
  DecErr(FromHex("cb 7f f0 00 00 00 00 00 00"), Type::Number());  // +Inf
  DecErr(FromHex("cb 7f f8 00 00 00 00 00 00"), Type::Number());  // NaN
  DecErr(FromHex("92 01"), Type::Tuple({Type::Number()}));
}

TEST(CtyMsgpackTest, BigMapsDecodeInLinearTime) {
  Type rule = Type::Object({{"cidr", Type::String()}, {"port", Type::Number()}});
  std::map<std::string, Value> elems;
  for (int i = 0; i < 20000; ++i) {
    elems.emplace("k" + std::to_string(i),
                  Value::ObjectOfType(rule, {{"cidr", Value::String("10.0.0." + std::to_string(i % 256) + "/32")},
                                             {"port", Value::Number(i)}}));
  }
  Type t = Type::Map(rule);
  Value v = Value::Map(rule, std::move(elems));
  auto start = std::chrono::steady_clock::now();
  std::string wire = *EncodeMsgpack(v, t);
  auto mid = std::chrono::steady_clock::now();
  Result<Value> back = DecodeMsgpack(wire, t);
  auto end = std::chrono::steady_clock::now();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, v);
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf("20000-entry map: %zu bytes, encode %.1f ms, decode %.1f ms\n", wire.size(),
              ms(mid - start), ms(end - mid));
  EXPECT_LT(ms(end - start), 2000.0);  // sanity bound only; typical is far below
}

}  // namespace
}  // namespace prov::cty
