// Property tests: randomly generated (type, value) pairs survive encode -> decode ->
// encode through both codecs, with equal values and byte-identical re-encodings.
#include <gtest/gtest.h>

#include <random>

#include "provider/protocol/cty/codec.h"
#include "tests/protocol/cty_test_util.h"

namespace prov::cty {
namespace {

class Gen {
 public:
  Gen(uint32_t seed, bool allow_unknown) : rng_(seed), allow_unknown_(allow_unknown) {}

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  Type RandomType(int depth) {
    int choice = depth >= 3 ? Pick(4) : Pick(9);
    switch (choice) {
      case 0: return Type::String();
      case 1: return Type::Number();
      case 2: return Type::Bool();
      case 3: return Pick(3) == 0 ? Type::Dynamic() : Type::String();
      case 4: return Type::List(RandomType(depth + 1));
      case 5: return Type::Set(RandomPrimitive());
      case 6: return Type::Map(RandomType(depth + 1));
      case 7: {
        std::map<std::string, Type> attrs;
        int n = Pick(5);
        for (int i = 0; i < n; ++i) attrs.emplace(RandomName(), RandomType(depth + 1));
        return Type::Object(std::move(attrs));
      }
      default: {
        std::vector<Type> elems;
        int n = Pick(4);
        for (int i = 0; i < n; ++i) elems.push_back(RandomType(depth + 1));
        return Type::Tuple(std::move(elems));
      }
    }
  }

  Type RandomPrimitive() {
    switch (Pick(3)) {
      case 0: return Type::String();
      case 1: return Type::Number();
      default: return Type::Bool();
    }
  }

  std::string RandomName() {
    static const char* kNames[] = {"id", "name", "cidr", "ports", "rules", "a", "b", "x_y", "tags"};
    return kNames[Pick(9)];
  }

  std::string RandomString() {
    static const char* kPieces[] = {"a", "Z", " ", "\"", "\\", "\n", "\x01", "é", "日本", "😀",
                                    "10.0.0.0/8", "", "{}", "[]"};
    std::string s;
    int n = Pick(6);
    for (int i = 0; i < n; ++i) s += kPieces[Pick(14)];
    return s;
  }

  Value RandomNumber() {
    switch (Pick(7)) {
      case 0: return Value::Number(Pick(200) - 100);
      case 1: return Value::Number(static_cast<int64_t>(rng_()) << 31 | rng_());
      case 2: return Value::Number(-(static_cast<int64_t>(rng_()) << 20));
      case 3: return Value::NumberFromDouble(std::uniform_real_distribution<double>(-1e6, 1e6)(rng_));
      case 4: return *Value::NumberFromString(std::to_string(rng_()) + "." + std::to_string(rng_()));
      case 5: return *Value::NumberFromString("18446744073709551" + std::to_string(600 + Pick(400)));
      default: return *Value::NumberFromString(std::string(Pick(2) ? "-" : "") + "1e" +
                                               std::to_string(Pick(600) - 300));
    }
  }

  Value RandomValue(const Type& t, int depth) {
    int roll = Pick(12);
    if (roll == 0) return Value::Null(t);
    if (roll == 1 && allow_unknown_) {
      return Value::Unknown(t, Pick(2) ? std::string() : testing::FromHex("81 01 c2"));
    }
    switch (t.kind()) {
      case Kind::kString: return Value::String(RandomString());
      case Kind::kNumber: return RandomNumber();
      case Kind::kBool: return Value::Bool(Pick(2) == 1);
      case Kind::kDynamic: {
        if (depth > 4) return Value::String(RandomString());
        return RandomValue(RandomType(2), depth + 1);
      }
      case Kind::kList:
      case Kind::kSet: {
        std::vector<Value> elems;
        int n = Pick(5);
        for (int i = 0; i < n; ++i) elems.push_back(RandomValue(t.element(), depth + 1));
        if (t.kind() == Kind::kList) return Value::List(t.element(), std::move(elems));
        return Value::Set(t.element(), std::move(elems));
      }
      case Kind::kMap: {
        std::map<std::string, Value> elems;
        int n = Pick(5);
        for (int i = 0; i < n; ++i) elems.emplace(RandomString(), RandomValue(t.element(), depth + 1));
        return Value::Map(t.element(), std::move(elems));
      }
      case Kind::kObject: {
        std::map<std::string, Value> attrs;
        for (const auto& [name, at] : t.attributes()) attrs.emplace(name, RandomValue(at, depth + 1));
        return Value::ObjectOfType(t, std::move(attrs));
      }
      case Kind::kTuple: {
        std::vector<Value> elems;
        for (const auto& et : t.elements()) elems.push_back(RandomValue(et, depth + 1));
        return Value::Tuple(std::move(elems));
      }
    }
    return Value::Null(t);
  }

 private:
  std::mt19937 rng_;
  bool allow_unknown_;
};

TEST(CtyRoundTripTest, MsgpackRoundTripsRandomValues) {
  Gen gen(20260101, /*allow_unknown=*/true);
  int with_unknowns = 0;
  for (int i = 0; i < 4000; ++i) {
    Type t = gen.RandomType(0);
    Value v = gen.RandomValue(t, 0);
    with_unknowns += v.ContainsUnknown();
    Result<std::string> wire = EncodeMsgpack(v, t);
    ASSERT_TRUE(wire.ok()) << "case " << i << ": " << wire.error().ToString() << "\n" << v.DebugString();
    Result<Value> back = DecodeMsgpack(*wire, t);
    ASSERT_TRUE(back.ok()) << "case " << i << ": " << back.error().ToString() << "\n"
                           << v.DebugString() << "\n" << testing::ToHex(*wire);
    ASSERT_EQ(*back, v) << "case " << i << "\n" << v.DebugString() << "\n" << back->DebugString();
    Result<std::string> again = EncodeMsgpack(*back, t);
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(testing::ToHex(*again), testing::ToHex(*wire)) << "case " << i;
  }
  EXPECT_GT(with_unknowns, 400);  // the generator really exercises unknowns
}

TEST(CtyRoundTripTest, JsonRoundTripsRandomValues) {
  Gen gen(777, /*allow_unknown=*/false);
  for (int i = 0; i < 4000; ++i) {
    Type t = gen.RandomType(0);
    Value v = gen.RandomValue(t, 0);
    Result<std::string> json = EncodeJson(v, t);
    ASSERT_TRUE(json.ok()) << "case " << i << ": " << json.error().ToString() << "\n" << v.DebugString();
    Result<Value> back = DecodeJson(*json, t);
    ASSERT_TRUE(back.ok()) << "case " << i << ": " << back.error().ToString() << "\n" << *json;
    ASSERT_EQ(*back, v) << "case " << i << "\n" << *json << "\n" << back->DebugString();
    Result<std::string> again = EncodeJson(*back, t);
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(*again, *json) << "case " << i;
    // The same value also survives msgpack, so both codecs agree on it.
    Result<std::string> wire = EncodeMsgpack(v, t);
    ASSERT_TRUE(wire.ok());
    Result<Value> via_msgpack = DecodeMsgpack(*wire, t);
    ASSERT_TRUE(via_msgpack.ok());
    ASSERT_EQ(*via_msgpack, v);
  }
}

TEST(CtyRoundTripTest, RandomBytesNeverCrashTheDecoders) {
  std::mt19937 rng(4242);
  Gen gen(99, true);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    Type t = gen.RandomType(0);
    Value v = gen.RandomValue(t, 0);
    std::string wire = *EncodeMsgpack(v, t);
    // Flip, drop or insert a few bytes of a valid encoding.
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !wire.empty(); ++e) {
      size_t pos = rng() % wire.size();
      switch (rng() % 3) {
        case 0: wire[pos] = static_cast<char>(rng()); break;
        case 1: wire.erase(pos, 1); break;
        default: wire.insert(pos, 1, static_cast<char>(rng())); break;
      }
    }
    Result<Value> r = DecodeMsgpack(wire, t);
    if (r.ok()) {
      ++accepted;
      // Whatever decodes must encode again.
      EXPECT_TRUE(EncodeMsgpack(*r, t).ok()) << testing::ToHex(wire);
    }
    std::string json = EncodeJson(v, t).ok() ? *EncodeJson(v, t) : std::string("{}");
    if (!json.empty()) json[rng() % json.size()] = static_cast<char>(rng());
    Result<Value> j = DecodeJson(json, t);
    if (j.ok()) EXPECT_TRUE(EncodeJson(*j, t).ok()) << json;
  }
  EXPECT_LT(accepted, 3000);
}

}  // namespace
}  // namespace prov::cty
