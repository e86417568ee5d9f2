// JSON codec fixtures (cty/json form, as in Terraform state) and hostile-input tests.
#include <gtest/gtest.h>

#include "provider/protocol/cty/codec.h"

namespace prov::cty {
namespace {

std::string Enc(const Value& v, const Type& t) {
  Result<std::string> r = EncodeJson(v, t);
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  return r.ok() ? *r : "<error>";
}

Value Dec(const std::string& json, const Type& t) {
  Result<Value> r = DecodeJson(json, t);
  EXPECT_TRUE(r.ok()) << json << ": " << r.error().ToString();
  return r.ok() ? *r : Value();
}

Error DecErr(const std::string& json, const Type& t) {
  Result<Value> r = DecodeJson(json, t);
  EXPECT_FALSE(r.ok()) << json << " decoded as " << r->DebugString();
  return r.ok() ? Error{} : r.error();
}

TEST(CtyJsonTest, EncodesObjectsWithEveryAttribute) {
  Type t = Type::Object({{"name", Type::String()},
                         {"ports", Type::List(Type::Number())},
                         {"tags", Type::Map(Type::String())},
                         {"on", Type::Bool()},
                         {"gone", Type::Set(Type::String())}});
  Value v = Value::ObjectOfType(
      t, {{"name", Value::String("a\"b\\c\n\x01é")},
          {"ports", Value::List(Type::Number(), {Value::Number(443), *Value::NumberFromString("0.5")})},
          {"tags", Value::Map(Type::String(), {{"k", Value::String("v")}})},
          {"on", Value::Bool(true)}});
  std::string json = Enc(v, t);
  EXPECT_EQ(json,
            R"({"gone":null,"name":"a\"b\\c\n\u0001é","on":true,"ports":[443,0.5],"tags":{"k":"v"}})");
  EXPECT_EQ(Dec(json, t), v);
}

TEST(CtyJsonTest, NumbersAreExact) {
  Type t = Type::List(Type::Number());
  Value v = Dec("[18446744073709551617, 0.1, -1e400, 1.5e5000, 12.50, 1E2]", t);
  ASSERT_EQ(v.Length(), 6u);
  EXPECT_EQ(v.Elements()[0].NumberText(), "18446744073709551617");
  EXPECT_EQ(v.Elements()[1].NumberText(), "0.1");
  EXPECT_EQ(v.Elements()[2].NumberText(), "-1" + std::string(400, '0'));
  EXPECT_EQ(v.Elements()[3].NumberText(), "1.5e+5000");
  EXPECT_EQ(v.Elements()[4].NumberText(), "12.5");
  EXPECT_EQ(v.Elements()[5].NumberText(), "100");
  EXPECT_EQ(Enc(v, t), "[18446744073709551617,0.1,-1" + std::string(400, '0') + ",1.5e+5000,12.5,100]");
}

TEST(CtyJsonTest, DynamicIsValueAndType) {
  EXPECT_EQ(Enc(Value::String("hi"), Type::Dynamic()), R"({"value":"hi","type":"string"})");
  Value v = Dec(R"({"type":["list","number"],"value":[1,2]})", Type::Dynamic());
  EXPECT_EQ(v, Value::List(Type::Number(), {Value::Number(1), Value::Number(2)}));
  EXPECT_TRUE(Dec("null", Type::Dynamic()).IsNull());
  DecErr(R"({"value":1})", Type::Dynamic());
  DecErr(R"({"type":"number"})", Type::Dynamic());
  DecErr(R"({"type":"number","value":1,"extra":2})", Type::Dynamic());
  DecErr(R"({"type":"numbr","value":1})", Type::Dynamic());
  DecErr("1", Type::Dynamic());
}

TEST(CtyJsonTest, UnknownCannotBeEncoded) {
  Type t = Type::Object({{"id", Type::String()}});
  Result<std::string> r = EncodeJson(Value::ObjectOfType(t, {{"id", Value::Unknown(Type::String())}}), t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, ".id");
}

TEST(CtyJsonTest, MissingAttributesBecomeNullAndUnknownOnesFail) {
  Type t = Type::Object({{"a", Type::String()}, {"b", Type::List(Type::String())}});
  Value v = Dec(R"({"a":"x"})", t);
  EXPECT_TRUE(v.Get("b").IsNull());
  EXPECT_EQ(v.Get("b").type(), Type::List(Type::String()));
  Error e = DecErr(R"({"a":"x","legacy_id":"1"})", t);
  EXPECT_NE(e.message.find("unsupported attribute \"legacy_id\""), std::string::npos);
}

TEST(CtyJsonTest, PrimitiveConversionsFollowCty) {
  EXPECT_EQ(Dec("\"42\"", Type::Number()).NumberText(), "42");
  EXPECT_EQ(Dec("42", Type::String()).AsString(), "42");
  EXPECT_EQ(Dec("true", Type::String()).AsString(), "true");
  EXPECT_TRUE(Dec("\"true\"", Type::Bool()).AsBool());
  DecErr("\"yes\"", Type::Bool());
  DecErr("\"4x\"", Type::Number());
  DecErr("[]", Type::String());
  DecErr("{}", Type::List(Type::String()));
  DecErr("[]", Type::Object({}));
}

TEST(CtyJsonTest, ErrorsCarryTheAttributePath) {
  Type rule = Type::Object({{"ports", Type::List(Type::Number())}});
  Type t = Type::Object({{"rules", Type::Map(rule)}});
  Error e = DecErr(R"({"rules":{"k":{"ports":[1,true]}}})", t);
  EXPECT_EQ(e.where, ".rules[\"k\"].ports[1]");
  e = DecErr(R"({"rules":{"k":{"ports":[1]},"k":{"ports":[]}}})", t);
  EXPECT_EQ(e.where, ".rules[\"k\"]");
  EXPECT_NE(e.message.find("duplicate"), std::string::npos);
}

TEST(CtyJsonTest, MalformedJsonIsAnError) {
  Type t = Type::Object({{"a", Type::String()}});
  std::string good = R"({"a":"x\u00e9\ud83d\ude00"})";
  EXPECT_EQ(Dec(good, t).Get("a").AsString(), "x\xc3\xa9\xf0\x9f\x98\x80");
  for (size_t n = 0; n < good.size(); ++n) DecErr(good.substr(0, n), t);
  for (const char* bad : {R"({"a":"x"} x)", R"({"a":"\ud800"})", R"({"a":"\q"})", "{\"a\":\"\x01\"}",
                          "{\"a\":\"\xff\"}", R"({"a":01})", R"({a:"x"})", R"({"a":"x",})", "",
                          R"({"a":tru})"}) {
    DecErr(bad, t);
  }
  DecErr("01", Type::Number());
  DecErr("-", Type::Number());
  DecErr("1.", Type::Number());
}

TEST(CtyJsonTest, DeepNestingIsRejected) {
  std::string deep(5000, '[');
  deep += std::string(5000, ']');
  Error e = DecErr(deep, Type::Dynamic());
  EXPECT_NE(e.message.find("too deep"), std::string::npos);
  Type t = Type::String();
  for (int i = 0; i < 100; ++i) t = Type::List(t);
  std::string arr = std::string(100, '[') + "\"x\"" + std::string(100, ']');
  e = DecErr(arr, t);
  EXPECT_NE(e.message.find("too deep"), std::string::npos);
}

TEST(CtyJsonTest, InvalidUtf8CannotBeEncoded) {
  EXPECT_FALSE(EncodeJson(Value::String("\xc3"), Type::String()).ok());
  EXPECT_FALSE(EncodeJson(Value::String("\xed\xa0\x80"), Type::String()).ok());  // surrogate
}

}  // namespace
}  // namespace prov::cty
