#include <gtest/gtest.h>

#include <stdexcept>

#include "provider/protocol/cty/value.h"

namespace prov::cty {
namespace {

Value Num(const std::string& s) {
  Result<Value> v = Value::NumberFromString(s);
  EXPECT_TRUE(v.ok()) << s << ": " << (v.ok() ? "" : v.error().ToString());
  return v.ok() ? *v : Value();
}

TEST(CtyTypeTest, JsonRoundTripsEveryKind) {
  Type t = Type::Object(
      {{"a", Type::String()},
       {"b", Type::List(Type::Number())},
       {"c", Type::Set(Type::Bool())},
       {"d", Type::Map(Type::Dynamic())},
       {"e", Type::Tuple({Type::String(), Type::Number()})}},
      {"b"});
  EXPECT_EQ(t.ToJson().dump(),
            R"(["object",{"a":"string","b":["list","number"],"c":["set","bool"],)"
            R"("d":["map","dynamic"],"e":["tuple",["string","number"]]},["b"]])");
  Result<Type> back = Type::FromJson(t.ToJson());
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, t);
  EXPECT_NE(*back, Type::Object({{"a", Type::String()}}));
}

TEST(CtyTypeTest, FromJsonRejectsBadTypes) {
  for (const char* bad : {R"("strin")", R"(["list"])", R"(["object",[]])", R"(["tuple","x"])",
                          R"(42)", R"(["object",{"a":"string"},["zz"]])", R"(["frob","string"])"}) {
    Result<Type> t = Type::FromJson(nlohmann::json::parse(bad));
    EXPECT_FALSE(t.ok()) << bad;
  }
}

TEST(CtyTypeTest, FromJsonLimitsNesting) {
  nlohmann::json j = "string";
  for (int i = 0; i < 200; ++i) j = nlohmann::json::array({"list", j});
  Result<Type> t = Type::FromJson(j);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("too deep"), std::string::npos);
}

TEST(CtyTypeTest, AccessorsOnWrongKindAreSafe) {
  EXPECT_EQ(Type::String().element(), Type::Dynamic());
  EXPECT_TRUE(Type::Number().attributes().empty());
  EXPECT_TRUE(Type::Bool().elements().empty());
  EXPECT_EQ(Type::List(Type::String()).FriendlyName(), "list of string");
}

TEST(CtyValueTest, NumberTextIsCanonical) {
  EXPECT_EQ(Num("-12.5e3").NumberText(), "-12500");
  EXPECT_EQ(Num("0.0010").NumberText(), "0.001");
  EXPECT_EQ(Num("-0").NumberText(), "0");
  EXPECT_EQ(Num("+007").NumberText(), "7");
  EXPECT_EQ(Num("1.50").NumberText(), "1.5");
  EXPECT_EQ(Num("123456789012345678901234567890").NumberText(), "123456789012345678901234567890");
  EXPECT_EQ(Num("1e3").NumberText(), "1000");
  EXPECT_EQ(Num("1E-3").NumberText(), "0.001");
  EXPECT_EQ(Num("-1e400").NumberText(), "-1" + std::string(400, '0'));
  EXPECT_EQ(Num("1.5e5000").NumberText(), "1.5e+5000");
  EXPECT_EQ(Num("2.5e-5000").NumberText(), "2.5e-5000");
  EXPECT_EQ(Value::Number(-42).NumberText(), "-42");
  EXPECT_EQ(Value::NumberFromDouble(0.5).NumberText(), "0.5");
  EXPECT_EQ(Value::NumberFromDouble(0.1).NumberText(),
            "0.1000000000000000055511151231257827021181583404541015625");
}

TEST(CtyValueTest, NumberFromStringRejectsGarbage) {
  for (const char* bad : {"", "-", "1e", "abc", "1.2.3", "0x10", "inf", "NaN", " 1", "1 ",
                          "1e999999999999", "1_000"}) {
    EXPECT_FALSE(Value::NumberFromString(bad).ok()) << bad;
  }
}

TEST(CtyValueTest, AsInt64ChecksRange) {
  EXPECT_EQ(*Num("9223372036854775807").AsInt64(), INT64_MAX);
  EXPECT_EQ(*Num("-9223372036854775808").AsInt64(), INT64_MIN);
  EXPECT_FALSE(Num("9223372036854775808").AsInt64().ok());
  EXPECT_FALSE(Num("1.5").AsInt64().ok());
  EXPECT_EQ(*Num("4.4e2").AsInt64(), 440);
  EXPECT_FALSE(Value::String("1").AsInt64().ok());
}

TEST(CtyValueTest, CompareOrdersNumbersNumerically) {
  std::vector<std::string> ascending = {"-1e400", "-100", "-2.5", "-1", "0", "1e-400", "0.1",
                                        "0.5", "1", "1.5", "2", "10", "18446744073709551617",
                                        "1e400"};
  for (size_t i = 0; i < ascending.size(); ++i) {
    for (size_t k = 0; k < ascending.size(); ++k) {
      int want = i < k ? -1 : (i > k ? 1 : 0);
      EXPECT_EQ(Value::Compare(Num(ascending[i]), Num(ascending[k])), want)
          << ascending[i] << " vs " << ascending[k];
    }
  }
}

TEST(CtyValueTest, SetDeduplicatesAndSorts) {
  Value s = Value::StringSet({"b", "a", "c", "a", "b"});
  ASSERT_EQ(s.Length(), 3u);
  EXPECT_EQ(s.Elements()[0].AsString(), "a");
  EXPECT_EQ(s.Elements()[2].AsString(), "c");
  EXPECT_EQ(s, Value::StringSet({"c", "b", "a"}));
  Value n = Value::Set(Type::Number(), {Value::Number(10), Num("1e1"), Value::Number(2)});
  ASSERT_EQ(n.Length(), 2u);
  EXPECT_EQ(n.Elements()[0].NumberText(), "2");
}

TEST(CtyValueTest, SetKeepsEveryUnknownElement) {
  // Two unknowns may turn out to be different values, so neither may be dropped.
  Value s = Value::Set(Type::String(), {Value::Unknown(Type::String()), Value::String("a"),
                                        Value::Unknown(Type::String())});
  ASSERT_EQ(s.Length(), 3u);
  EXPECT_EQ(s.Elements()[0].AsString(), "a");  // unknowns sort last
  EXPECT_TRUE(s.Elements()[2].IsUnknown());
  EXPECT_TRUE(s.ContainsUnknown());
}

TEST(CtyValueTest, EqualityCoversNullUnknownAndType) {
  EXPECT_NE(Value::Null(Type::String()), Value::String(""));
  EXPECT_NE(Value::Null(Type::String()), Value::Null(Type::Number()));
  EXPECT_NE(Value::Unknown(Type::String()), Value::Null(Type::String()));
  EXPECT_EQ(Value::Unknown(Type::String(), "\x81\x01\xc3"), Value::Unknown(Type::String()));
  EXPECT_NE(Value::StringList({"a"}), Value::StringSet({"a"}));
}

TEST(CtyValueTest, ContainsUnknownLooksDeep) {
  Value inner = Value::Object({{"x", Value::Unknown(Type::Number())}});
  Value outer = Value::Map(inner.type(), {{"k", inner}});
  EXPECT_TRUE(outer.ContainsUnknown());
  EXPECT_FALSE(Value::Map(Type::String(), {{"k", Value::String("v")}}).ContainsUnknown());
  EXPECT_FALSE(Value::Null(Type::String()).ContainsUnknown());
}

TEST(CtyValueTest, ObjectOfTypeFillsMissingAttributesWithNull) {
  Type t = Type::Object({{"a", Type::String()}, {"b", Type::Number()}});
  Value v = Value::ObjectOfType(t, {{"a", Value::String("x")}});
  EXPECT_TRUE(v.Get("b").IsNull());
  EXPECT_EQ(v.Get("b").type(), Type::Number());
  EXPECT_TRUE(v.Has("b"));
  EXPECT_FALSE(v.Has("zz"));
  EXPECT_TRUE(v.Get("zz").IsNull());
  EXPECT_EQ(v.type(), t);
}

TEST(CtyValueTest, WithReplacesOrAddsAttribute) {
  Value v = Value::Object({{"a", Value::String("x")}});
  Value w = v.With("a", Value::String("y")).With("b", Value::Bool(true));
  EXPECT_EQ(v.Get("a").AsString(), "x");
  EXPECT_EQ(w.Get("a").AsString(), "y");
  EXPECT_TRUE(w.Get("b").AsBool());
  EXPECT_EQ(w.type().attributes().size(), 2u);
  EXPECT_THROW(Value::String("s").With("a", Value()), std::logic_error);
}

TEST(CtyValueTest, AccessorsCheckPreconditions) {
  EXPECT_THROW(Value::Number(1).AsString(), std::logic_error);
  EXPECT_THROW(Value::Null(Type::String()).AsString(), std::logic_error);
  EXPECT_THROW(Value::String("x").Elements(), std::logic_error);
  EXPECT_EQ(Value::Unknown(Type::List(Type::String())).Length(), 0u);
}

TEST(CtyValueTest, DebugStringIsReadable) {
  Value v = Value::Object({{"name", Value::String("a\"b")},
                           {"ports", Value::List(Type::Number(), {Value::Number(443)})},
                           {"tags", Value::StringSet({"x"})},
                           {"id", Value::Unknown(Type::String())},
                           {"gone", Value::Null(Type::Bool())}});
  EXPECT_EQ(v.DebugString(),
            "{gone = null, id = (unknown string), name = \"a\\\"b\", ports = [443], tags = set[\"x\"]}");
}

}  // namespace
}  // namespace prov::cty
