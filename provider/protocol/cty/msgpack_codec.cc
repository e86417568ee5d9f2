// Type-directed msgpack codec for cty values, following the cty/msgpack wire format that
// Terraform uses in DynamicValue.msgpack: nil for null, ext for unknown, a
// [type-json, value] pair where the schema says "dynamic", and numbers as int, float64 or
// decimal string depending on what represents them exactly.
#include <cmath>
#include <cstring>

#include "provider/protocol/cty/codec.h"
#include "provider/protocol/cty/codec_path.h"
#include "provider/protocol/cty/number.h"

namespace prov::cty {
namespace {

using internal::CodecPath;

// ---------------------------------------------------------------- writer

class Writer {
 public:
  std::string& out() { return out_; }
  void Byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void Be(uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) Byte(static_cast<uint8_t>(v >> (8 * i)));
  }
  void Nil() { Byte(0xc0); }
  void Bool(bool b) { Byte(b ? 0xc3 : 0xc2); }
  void Uint(uint64_t v) {
    if (v <= 0x7f) {
      Byte(static_cast<uint8_t>(v));
    } else if (v <= 0xff) {
      Byte(0xcc), Be(v, 1);
    } else if (v <= 0xffff) {
      Byte(0xcd), Be(v, 2);
    } else if (v <= 0xffffffffULL) {
      Byte(0xce), Be(v, 4);
    } else {
      Byte(0xcf), Be(v, 8);
    }
  }
  void Int(int64_t v) {
    if (v >= 0) return Uint(static_cast<uint64_t>(v));
    if (v >= -32) {
      Byte(static_cast<uint8_t>(v));
    } else if (v >= INT8_MIN) {
      Byte(0xd0), Be(static_cast<uint64_t>(v), 1);
    } else if (v >= INT16_MIN) {
      Byte(0xd1), Be(static_cast<uint64_t>(v), 2);
    } else if (v >= INT32_MIN) {
      Byte(0xd2), Be(static_cast<uint64_t>(v), 4);
    } else {
      Byte(0xd3), Be(static_cast<uint64_t>(v), 8);
    }
  }
  void Float64(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    Byte(0xcb);
    Be(bits, 8);
  }
  void Str(std::string_view s) {
    size_t n = s.size();
    if (n < 32) {
      Byte(static_cast<uint8_t>(0xa0 | n));
    } else if (n <= 0xff) {
      Byte(0xd9), Be(n, 1);
    } else if (n <= 0xffff) {
      Byte(0xda), Be(n, 2);
    } else {
      Byte(0xdb), Be(n, 4);
    }
    out_.append(s);
  }
  void Bin(std::string_view s) {
    size_t n = s.size();
    if (n <= 0xff) {
      Byte(0xc4), Be(n, 1);
    } else if (n <= 0xffff) {
      Byte(0xc5), Be(n, 2);
    } else {
      Byte(0xc6), Be(n, 4);
    }
    out_.append(s);
  }
  void ArrayHeader(size_t n) {
    if (n < 16) {
      Byte(static_cast<uint8_t>(0x90 | n));
    } else if (n <= 0xffff) {
      Byte(0xdc), Be(n, 2);
    } else {
      Byte(0xdd), Be(n, 4);
    }
  }
  void MapHeader(size_t n) {
    if (n < 16) {
      Byte(static_cast<uint8_t>(0x80 | n));
    } else if (n <= 0xffff) {
      Byte(0xde), Be(n, 2);
    } else {
      Byte(0xdf), Be(n, 4);
    }
  }
  void Ext(int8_t type, std::string_view body) {
    size_t n = body.size();
    switch (n) {
      case 1: Byte(0xd4); break;
      case 2: Byte(0xd5); break;
      case 4: Byte(0xd6); break;
      case 8: Byte(0xd7); break;
      case 16: Byte(0xd8); break;
      default:
        if (n <= 0xff) {
          Byte(0xc7), Be(n, 1);
        } else if (n <= 0xffff) {
          Byte(0xc8), Be(n, 2);
        } else {
          Byte(0xc9), Be(n, 4);
        }
    }
    Byte(static_cast<uint8_t>(type));
    out_.append(body);
  }

 private:
  std::string out_;
};

constexpr int8_t kRefinedUnknownExt = 12;

class Encoder {
 public:
  Result<std::string> Run(const Value& v, const Type& t) {
    Status s = Encode(v, t);
    if (!s.ok()) return s.error();
    return std::move(w_.out());
  }

 private:
  Status Mismatch(const Value& v, const Type& t) {
    return path_.MakeErr("value of type " + v.type().FriendlyName() +
                         " does not conform to " + t.FriendlyName());
  }

  Status EncodeNumber(const std::string& text) {
    Result<internal::Decimal> d = internal::ParseDecimal(text);
    if (!d.ok()) return path_.MakeErr(d.error().message);
    if (d->IsInteger()) {
      if (std::optional<int64_t> i = internal::DecimalToInt64(*d)) {
        w_.Int(*i);
        return Status::Ok();
      }
    }
    if (std::optional<double> f = internal::DecimalToExactDouble(*d)) {
      w_.Float64(*f);
      return Status::Ok();
    }
    w_.Str(text);
    return Status::Ok();
  }

  Status Encode(const Value& v, const Type& t) {
    if (t.kind() == Kind::kDynamic && v.type().kind() != Kind::kDynamic) {
      // The receiver cannot know the concrete type: send it along as JSON bytes.
      w_.ArrayHeader(2);
      w_.Bin(v.type().ToJson().dump());
      return Encode(v, v.type());
    }
    if (v.IsUnknown()) {
      if (v.refinement().empty()) {
        w_.Ext(0, std::string_view("\0", 1));
      } else {
        w_.Ext(kRefinedUnknownExt, v.refinement());
      }
      return Status::Ok();
    }
    if (v.IsNull()) {
      w_.Nil();
      return Status::Ok();
    }
    Kind vk = v.type().kind();
    switch (t.kind()) {
      case Kind::kString:
        if (vk != Kind::kString) return Mismatch(v, t);
        w_.Str(v.AsString());
        return Status::Ok();
      case Kind::kNumber:
        if (vk != Kind::kNumber) return Mismatch(v, t);
        return EncodeNumber(v.NumberText());
      case Kind::kBool:
        if (vk != Kind::kBool) return Mismatch(v, t);
        w_.Bool(v.AsBool());
        return Status::Ok();
      case Kind::kList:
      case Kind::kSet: {
        if (vk != t.kind()) return Mismatch(v, t);
        const auto& elems = v.Elements();
        w_.ArrayHeader(elems.size());
        path_.PushIndex(0);
        for (size_t i = 0; i < elems.size(); ++i) {
          path_.SetIndex(static_cast<int64_t>(i));
          PROV_RETURN_IF_ERROR(Encode(elems[i], t.element()));
        }
        path_.Pop();
        return Status::Ok();
      }
      case Kind::kMap: {
        if (vk != Kind::kMap) return Mismatch(v, t);
        const auto& elems = v.Attributes();
        w_.MapHeader(elems.size());
        for (const auto& [k, e] : elems) {
          w_.Str(k);
          path_.PushKey(k);
          PROV_RETURN_IF_ERROR(Encode(e, t.element()));
          path_.Pop();
        }
        return Status::Ok();
      }
      case Kind::kObject: {
        if (vk != Kind::kObject) return Mismatch(v, t);
        const auto& attrs = v.Attributes();
        const auto& types = t.attributes();
        for (const auto& [k, e] : attrs) {
          if (!types.count(k)) return path_.MakeErr("unsupported attribute \"" + k + "\"");
        }
        w_.MapHeader(types.size());
        for (const auto& [k, at] : types) {
          auto it = attrs.find(k);
          if (it == attrs.end()) return path_.MakeErr("missing attribute \"" + k + "\"");
          w_.Str(k);
          path_.PushAttr(k);
          PROV_RETURN_IF_ERROR(Encode(it->second, at));
          path_.Pop();
        }
        return Status::Ok();
      }
      case Kind::kTuple: {
        if (vk != Kind::kTuple) return Mismatch(v, t);
        const auto& elems = v.Elements();
        const auto& types = t.elements();
        if (elems.size() != types.size()) {
          return path_.MakeErr("tuple has " + std::to_string(elems.size()) + " elements, type needs " +
                               std::to_string(types.size()));
        }
        w_.ArrayHeader(elems.size());
        path_.PushIndex(0);
        for (size_t i = 0; i < elems.size(); ++i) {
          path_.SetIndex(static_cast<int64_t>(i));
          PROV_RETURN_IF_ERROR(Encode(elems[i], types[i]));
        }
        path_.Pop();
        return Status::Ok();
      }
      case Kind::kDynamic:
        return path_.MakeErr("known value has no concrete type");
    }
    return path_.MakeErr("unsupported type");
  }

  Writer w_;
  CodecPath path_;
};

// ---------------------------------------------------------------- reader

const char* FormatName(uint8_t b) {
  if (b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3)) return "integer";
  if (b <= 0x8f || b == 0xde || b == 0xdf) return "map";
  if (b <= 0x9f || b == 0xdc || b == 0xdd) return "array";
  if (b <= 0xbf || (b >= 0xd9 && b <= 0xdb)) return "string";
  switch (b) {
    case 0xc0: return "nil";
    case 0xc2:
    case 0xc3: return "bool";
    case 0xc4:
    case 0xc5:
    case 0xc6: return "binary";
    case 0xca:
    case 0xcb: return "float";
    default: break;
  }
  if ((b >= 0xc7 && b <= 0xc9) || (b >= 0xd4 && b <= 0xd8)) return "extension";
  return "invalid byte";
}

class Decoder {
 public:
  explicit Decoder(std::string_view in)
      : p_(reinterpret_cast<const uint8_t*>(in.data())), end_(p_ + in.size()) {}

  Result<Value> Run(const Type& t) {
    Result<Value> v = Decode(t, 0);
    if (!v.ok()) return v;
    if (p_ != end_) {
      return path_.MakeErr(std::to_string(end_ - p_) + " trailing bytes after the value");
    }
    return v;
  }

 private:
  size_t Remaining() const { return static_cast<size_t>(end_ - p_); }

  Error Truncated() const { return path_.MakeErr("unexpected end of msgpack input"); }

  Error WrongType(const char* want, uint8_t got) const {
    return path_.MakeErr(std::string(want) + " is required, got msgpack " + FormatName(got));
  }

  bool ReadBe(int bytes, uint64_t& v) {
    if (Remaining() < static_cast<size_t>(bytes)) return false;
    v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | *p_++;
    return true;
  }

  // Reads a string (or binary) that is text: a string value, a map key or an attribute
  // name. cty strings are Unicode; bytes that are not UTF-8 are refused here, as the JSON
  // decoder does, so no error text or state ever carries them back to the client.
  Result<std::string_view> ReadText(const char* want) {
    Result<std::string_view> s = ReadStrOrBin(want);
    if (s.ok() && !IsValidUtf8(*s)) {
      return path_.MakeErr(std::string(want) + " is not valid UTF-8");
    }
    return s;
  }

  // Reads a string or binary header and body.
  Result<std::string_view> ReadStrOrBin(const char* want) {
    if (p_ == end_) return Truncated();
    uint8_t b = *p_;
    uint64_t n = 0;
    if (b >= 0xa0 && b <= 0xbf) {
      ++p_;
      n = b & 0x1f;
    } else if (b == 0xd9 || b == 0xc4) {
      ++p_;
      if (!ReadBe(1, n)) return Truncated();
    } else if (b == 0xda || b == 0xc5) {
      ++p_;
      if (!ReadBe(2, n)) return Truncated();
    } else if (b == 0xdb || b == 0xc6) {
      ++p_;
      if (!ReadBe(4, n)) return Truncated();
    } else {
      return WrongType(want, b);
    }
    if (n > Remaining()) {
      return path_.MakeErr("string length " + std::to_string(n) + " exceeds the remaining " +
                           std::to_string(Remaining()) + " bytes");
    }
    std::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }

  // Reads an array (is_map false) or map header; checks the count against the bytes left
  // (each element needs at least one byte, each map entry two) before anything is sized.
  Result<uint64_t> ReadContainer(bool is_map, const char* want) {
    if (p_ == end_) return Truncated();
    uint8_t b = *p_;
    uint64_t n = 0;
    uint8_t fix_lo = is_map ? 0x80 : 0x90;
    uint8_t c16 = is_map ? 0xde : 0xdc;
    if (b >= fix_lo && b <= fix_lo + 0x0f) {
      ++p_;
      n = b & 0x0f;
    } else if (b == c16) {
      ++p_;
      if (!ReadBe(2, n)) return Truncated();
    } else if (b == c16 + 1) {
      ++p_;
      if (!ReadBe(4, n)) return Truncated();
    } else {
      return WrongType(want, b);
    }
    uint64_t min_bytes = is_map ? n * 2 : n;
    if (min_bytes > Remaining()) {
      return path_.MakeErr(std::string(is_map ? "map" : "array") + " claims " + std::to_string(n) +
                           " elements but only " + std::to_string(Remaining()) + " bytes remain");
    }
    return n;
  }

  // Skips one well-formed msgpack object (used to validate refinement bodies).
  Status Skip(int depth) {
    if (depth > internal::kMaxValueDepth) return path_.MakeErr("msgpack nesting is too deep");
    if (p_ == end_) return Truncated();
    uint8_t b = *p_;
    uint64_t n = 0;
    auto skip_bytes = [&](uint64_t k) -> Status {
      if (k > Remaining()) return Truncated();
      p_ += k;
      return Status::Ok();
    };
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
      ++p_;
      return Status::Ok();
    }
    if ((b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb) || (b >= 0xc4 && b <= 0xc6)) {
      Result<std::string_view> s = ReadStrOrBin("value");
      if (!s.ok()) return s.error();
      return Status::Ok();
    }
    if ((b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd || (b >= 0x80 && b <= 0x8f) ||
        b == 0xde || b == 0xdf) {
      bool is_map = (b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf;
      Result<uint64_t> cnt = ReadContainer(is_map, "value");
      if (!cnt.ok()) return cnt.error();
      uint64_t items = is_map ? *cnt * 2 : *cnt;
      for (uint64_t i = 0; i < items; ++i) PROV_RETURN_IF_ERROR(Skip(depth + 1));
      return Status::Ok();
    }
    ++p_;
    switch (b) {
      case 0xcc: case 0xd0: return skip_bytes(1);
      case 0xcd: case 0xd1: return skip_bytes(2);
      case 0xca: case 0xce: case 0xd2: return skip_bytes(4);
      case 0xcb: case 0xcf: case 0xd3: return skip_bytes(8);
      case 0xd4: return skip_bytes(2);
      case 0xd5: return skip_bytes(3);
      case 0xd6: return skip_bytes(5);
      case 0xd7: return skip_bytes(9);
      case 0xd8: return skip_bytes(17);
      case 0xc7: if (!ReadBe(1, n)) return Truncated(); return skip_bytes(n + 1);
      case 0xc8: if (!ReadBe(2, n)) return Truncated(); return skip_bytes(n + 1);
      case 0xc9: if (!ReadBe(4, n)) return Truncated(); return skip_bytes(n + 1);
      default: break;
    }
    --p_;
    return path_.MakeErr("invalid msgpack byte 0xc1");
  }

  static bool IsExt(uint8_t b) { return (b >= 0xc7 && b <= 0xc9) || (b >= 0xd4 && b <= 0xd8); }

  Result<Value> DecodeUnknown(const Type& t) {
    uint8_t b = *p_++;
    uint64_t n = 0;
    switch (b) {
      case 0xd4: n = 1; break;
      case 0xd5: n = 2; break;
      case 0xd6: n = 4; break;
      case 0xd7: n = 8; break;
      case 0xd8: n = 16; break;
      case 0xc7: if (!ReadBe(1, n)) return Truncated(); break;
      case 0xc8: if (!ReadBe(2, n)) return Truncated(); break;
      default: if (!ReadBe(4, n)) return Truncated(); break;
    }
    if (Remaining() < 1 || n > Remaining() - 1) return Truncated();
    int8_t ext_type = static_cast<int8_t>(*p_++);
    std::string_view body(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    // Every extension means "unknown" (cty has no other); only type 12 carries
    // refinements, which we keep verbatim so they go back to Terraform unchanged.
    if (ext_type != kRefinedUnknownExt || n == 0) return Value::Unknown(t);
    Decoder body_reader(body);
    body_reader.path_ = path_;
    Status s = body_reader.Skip(0);
    if (!s.ok() || body_reader.p_ != body_reader.end_) {
      return path_.MakeErr("malformed refinements in unknown value (msgpack ext 12)");
    }
    return Value::Unknown(t, std::string(body));
  }

  Result<Value> DecodeNumber() {
    uint8_t b = *p_;
    uint64_t u = 0;
    if (b <= 0x7f) {
      ++p_;
      return Value::Number(b);
    }
    if (b >= 0xe0) {
      ++p_;
      return Value::Number(static_cast<int8_t>(b));
    }
    auto truncated = [&]() -> Result<Value> { return Truncated(); };
    switch (b) {
      case 0xcc: case 0xcd: case 0xce: case 0xcf: {
        ++p_;
        if (!ReadBe(1 << (b - 0xcc), u)) return truncated();
        if (u > static_cast<uint64_t>(INT64_MAX)) return Value::NumberFromString(std::to_string(u));
        return Value::Number(static_cast<int64_t>(u));
      }
      case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        ++p_;
        int bytes = 1 << (b - 0xd0);
        if (!ReadBe(bytes, u)) return truncated();
        int64_t v;
        if (bytes == 1) v = static_cast<int8_t>(u);
        else if (bytes == 2) v = static_cast<int16_t>(u);
        else if (bytes == 4) v = static_cast<int32_t>(u);
        else v = static_cast<int64_t>(u);
        return Value::Number(v);
      }
      case 0xca: case 0xcb: {
        ++p_;
        double d;
        if (b == 0xca) {
          if (!ReadBe(4, u)) return truncated();
          uint32_t bits = static_cast<uint32_t>(u);
          float f;
          std::memcpy(&f, &bits, sizeof f);
          d = f;
        } else {
          if (!ReadBe(8, u)) return truncated();
          std::memcpy(&d, &u, sizeof d);
        }
        if (!std::isfinite(d)) return path_.MakeErr("number is infinite or NaN");
        Result<std::string> text = internal::ExactDoubleText(d);
        if (!text.ok()) return path_.MakeErr(text.error().message);
        return Value::NumberFromString(*text);
      }
      default:
        break;
    }
    if ((b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb)) {
      Result<std::string_view> s = ReadStrOrBin("number");
      if (!s.ok()) return s.error();
      Result<Value> v = Value::NumberFromString(std::string(*s));
      if (!v.ok()) return path_.MakeErr(v.error().message);
      return v;
    }
    return WrongType("number", b);
  }

  Result<Value> DecodeDynamic(int depth) {
    if (*p_ == 0xc0) {
      ++p_;
      return Value::Null(Type::Dynamic());
    }
    Result<uint64_t> n = ReadContainer(false, "dynamic value [type, value] array");
    if (!n.ok()) return n.error();
    if (*n != 2) return path_.MakeErr("dynamic value array must have exactly two elements");
    Result<std::string_view> type_text = ReadStrOrBin("dynamic value type (JSON bytes)");
    if (!type_text.ok()) return type_text.error();
    nlohmann::json tj = nlohmann::json::parse(type_text->begin(), type_text->end(), nullptr,
                                              /*allow_exceptions=*/false);
    if (tj.is_discarded()) return path_.MakeErr("dynamic value type is not valid JSON");
    Result<Type> t = Type::FromJson(tj);
    if (!t.ok()) return path_.MakeErr("dynamic value type: " + t.error().message);
    return Decode(*t, depth + 1);
  }

  Result<Value> Decode(const Type& t, int depth) {
    if (depth > internal::kMaxValueDepth) return path_.MakeErr("value nesting is too deep");
    if (p_ == end_) return Truncated();
    uint8_t b = *p_;
    if (IsExt(b)) return DecodeUnknown(t);
    if (t.kind() == Kind::kDynamic) return DecodeDynamic(depth);
    if (b == 0xc0) {
      ++p_;
      return Value::Null(t);
    }
    switch (t.kind()) {
      case Kind::kString: {
        Result<std::string_view> s = ReadText("string");
        if (!s.ok()) return s.error();
        return Value::String(std::string(*s));
      }
      case Kind::kNumber:
        return DecodeNumber();
      case Kind::kBool:
        if (b != 0xc2 && b != 0xc3) return WrongType("bool", b);
        ++p_;
        return Value::Bool(b == 0xc3);
      case Kind::kList:
      case Kind::kSet: {
        Result<uint64_t> n = ReadContainer(false, t.kind() == Kind::kList ? "list" : "set");
        if (!n.ok()) return n.error();
        std::vector<Value> elems;
        elems.reserve(*n);
        path_.PushIndex(0);
        for (uint64_t i = 0; i < *n; ++i) {
          path_.SetIndex(static_cast<int64_t>(i));
          Result<Value> e = Decode(t.element(), depth + 1);
          if (!e.ok()) return e;
          elems.push_back(std::move(*e));
        }
        path_.Pop();
        if (t.kind() == Kind::kList) return Value::List(t.element(), std::move(elems));
        return Value::Set(t.element(), std::move(elems));
      }
      case Kind::kMap: {
        Result<uint64_t> n = ReadContainer(true, "map");
        if (!n.ok()) return n.error();
        std::map<std::string, Value> elems;
        for (uint64_t i = 0; i < *n; ++i) {
          if (p_ != end_ && !((*p_ >= 0xa0 && *p_ <= 0xbf) || (*p_ >= 0xd9 && *p_ <= 0xdb))) {
            return path_.MakeErr(std::string("map keys must be strings, got msgpack ") + FormatName(*p_));
          }
          Result<std::string_view> k = ReadText("map key");
          if (!k.ok()) return k.error();
          path_.PushKey(*k);
          auto [it, inserted] = elems.try_emplace(std::string(*k));
          if (!inserted) return path_.MakeErr("duplicate map key");
          Result<Value> e = Decode(t.element(), depth + 1);
          if (!e.ok()) return e;
          it->second = std::move(*e);
          path_.Pop();
        }
        return Value::Map(t.element(), std::move(elems));
      }
      case Kind::kObject: {
        Result<uint64_t> n = ReadContainer(true, "object");
        if (!n.ok()) return n.error();
        const auto& types = t.attributes();
        std::map<std::string, Value> attrs;
        for (uint64_t i = 0; i < *n; ++i) {
          if (p_ != end_ && !((*p_ >= 0xa0 && *p_ <= 0xbf) || (*p_ >= 0xd9 && *p_ <= 0xdb))) {
            return path_.MakeErr(std::string("object attribute names must be strings, got msgpack ") +
                                 FormatName(*p_));
          }
          Result<std::string_view> k = ReadText("attribute name");
          if (!k.ok()) return k.error();
          auto ty = types.find(std::string(*k));
          if (ty == types.end()) {
            return path_.MakeErr("unsupported attribute \"" + std::string(*k) + "\"");
          }
          path_.PushAttr(*k);
          auto [it, inserted] = attrs.try_emplace(ty->first);
          if (!inserted) return path_.MakeErr("duplicate attribute");
          Result<Value> e = Decode(ty->second, depth + 1);
          if (!e.ok()) return e;
          it->second = std::move(*e);
          path_.Pop();
        }
        if (attrs.size() != types.size()) {
          for (const auto& [name, at] : types) {
            if (!attrs.count(name)) return path_.MakeErr("missing attribute \"" + name + "\"");
          }
        }
        return Value::ObjectOfType(t, std::move(attrs));
      }
      case Kind::kTuple: {
        Result<uint64_t> n = ReadContainer(false, "tuple");
        if (!n.ok()) return n.error();
        const auto& types = t.elements();
        if (*n != types.size()) {
          return path_.MakeErr("tuple has " + std::to_string(*n) + " elements, type needs " +
                               std::to_string(types.size()));
        }
        std::vector<Value> elems;
        elems.reserve(*n);
        path_.PushIndex(0);
        for (uint64_t i = 0; i < *n; ++i) {
          path_.SetIndex(static_cast<int64_t>(i));
          Result<Value> e = Decode(types[i], depth + 1);
          if (!e.ok()) return e;
          elems.push_back(std::move(*e));
        }
        path_.Pop();
        return Value::Tuple(std::move(elems));
      }
      case Kind::kDynamic:
        break;
    }
    return path_.MakeErr("unsupported type");
  }

  const uint8_t* p_;
  const uint8_t* end_;
  CodecPath path_;
};

}  // namespace

Result<std::string> EncodeMsgpack(const Value& v, const Type& t) {
  try {
    return Encoder().Run(v, t);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("encoding msgpack: ") + e.what());
  }
}

Result<Value> DecodeMsgpack(std::string_view bytes, const Type& t) {
  try {
    return Decoder(bytes).Run(t);
  } catch (const std::exception& e) {
    // Only allocation failure can get here; keep the no-throw contract regardless.
    return MakeError(ErrorCode::kInternal, std::string("decoding msgpack: ") + e.what());
  }
}

}  // namespace prov::cty
