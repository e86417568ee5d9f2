// Type-directed JSON codec for cty values (the cty/json form Terraform uses for raw state
// in UpgradeResourceState). Numbers are carried as exact decimal text both ways, which is
// why this file has its own small JSON reader: general JSON libraries turn 2^64+1 or
// 1e400 into doubles.
#include <cstring>

#include "provider/protocol/cty/codec.h"
#include "provider/protocol/cty/codec_path.h"
#include "provider/protocol/cty/number.h"

namespace prov::cty {
namespace {

using internal::CodecPath;

// Raw JSON nesting limit. Type descriptions take two JSON levels per type level, so this
// is twice the value depth limit.
constexpr int kMaxJsonDepth = 2 * internal::kMaxValueDepth;

// Returns the length of the valid UTF-8 sequence at s[i], or 0 if it is invalid.
size_t Utf8SeqLen(std::string_view s, size_t i) {
  auto u = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = u(i);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if ((c & 0xe0) == 0xc0) {
    n = 2, cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3, cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((u(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (u(i + k) & 0x3f);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// ---------------------------------------------------------------- writer

class JsonEncoder {
 public:
  Result<std::string> Run(const Value& v, const Type& t) {
    Status s = Encode(v, t);
    if (!s.ok()) return s.error();
    return std::move(out_);
  }

 private:
  Status Quote(std::string_view s) {
    out_.push_back('"');
    for (size_t i = 0; i < s.size();) {
      uint8_t c = static_cast<uint8_t>(s[i]);
      if (c >= 0x80) {
        size_t n = Utf8SeqLen(s, i);
        if (n == 0) return path_.MakeErr("string is not valid UTF-8");
        out_.append(s.substr(i, n));
        i += n;
        continue;
      }
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        default:
          if (c < 0x20) {
            static const char kHex[] = "0123456789abcdef";
            out_ += "\\u00";
            out_.push_back(kHex[c >> 4]);
            out_.push_back(kHex[c & 0xf]);
          } else {
            out_.push_back(static_cast<char>(c));
          }
      }
      ++i;
    }
    out_.push_back('"');
    return Status::Ok();
  }

  Status Mismatch(const Value& v, const Type& t) {
    return path_.MakeErr("value of type " + v.type().FriendlyName() + " does not conform to " +
                         t.FriendlyName());
  }

  Status Encode(const Value& v, const Type& t) {
    if (t.kind() == Kind::kDynamic && v.type().kind() != Kind::kDynamic) {
      out_ += "{\"value\":";
      PROV_RETURN_IF_ERROR(Encode(v, v.type()));
      out_ += ",\"type\":";
      out_ += v.type().ToJson().dump();
      out_ += "}";
      return Status::Ok();
    }
    if (v.IsUnknown()) return path_.MakeErr("value is not known; JSON cannot represent unknown values");
    if (v.IsNull()) {
      out_ += "null";
      return Status::Ok();
    }
    Kind vk = v.type().kind();
    switch (t.kind()) {
      case Kind::kString:
        if (vk != Kind::kString) return Mismatch(v, t);
        return Quote(v.AsString());
      case Kind::kNumber:
        if (vk != Kind::kNumber) return Mismatch(v, t);
        out_ += v.NumberText();  // canonical text is valid JSON number syntax
        return Status::Ok();
      case Kind::kBool:
        if (vk != Kind::kBool) return Mismatch(v, t);
        out_ += v.AsBool() ? "true" : "false";
        return Status::Ok();
      case Kind::kList:
      case Kind::kSet:
      case Kind::kTuple: {
        if (vk != t.kind()) return Mismatch(v, t);
        const auto& elems = v.Elements();
        if (t.kind() == Kind::kTuple && elems.size() != t.elements().size()) {
          return path_.MakeErr("tuple has " + std::to_string(elems.size()) + " elements, type needs " +
                               std::to_string(t.elements().size()));
        }
        out_.push_back('[');
        path_.PushIndex(0);
        for (size_t i = 0; i < elems.size(); ++i) {
          if (i) out_.push_back(',');
          path_.SetIndex(static_cast<int64_t>(i));
          const Type& et = t.kind() == Kind::kTuple ? t.elements()[i] : t.element();
          PROV_RETURN_IF_ERROR(Encode(elems[i], et));
        }
        path_.Pop();
        out_.push_back(']');
        return Status::Ok();
      }
      case Kind::kMap: {
        if (vk != Kind::kMap) return Mismatch(v, t);
        out_.push_back('{');
        bool first = true;
        for (const auto& [k, e] : v.Attributes()) {
          if (!first) out_.push_back(',');
          first = false;
          path_.PushKey(k);
          PROV_RETURN_IF_ERROR(Quote(k));
          out_.push_back(':');
          PROV_RETURN_IF_ERROR(Encode(e, t.element()));
          path_.Pop();
        }
        out_.push_back('}');
        return Status::Ok();
      }
      case Kind::kObject: {
        if (vk != Kind::kObject) return Mismatch(v, t);
        const auto& attrs = v.Attributes();
        const auto& types = t.attributes();
        for (const auto& [k, e] : attrs) {
          if (!types.count(k)) return path_.MakeErr("unsupported attribute \"" + k + "\"");
        }
        out_.push_back('{');
        bool first = true;
        for (const auto& [k, at] : types) {
          auto it = attrs.find(k);
          if (it == attrs.end()) return path_.MakeErr("missing attribute \"" + k + "\"");
          if (!first) out_.push_back(',');
          first = false;
          path_.PushAttr(k);
          PROV_RETURN_IF_ERROR(Quote(k));
          out_.push_back(':');
          PROV_RETURN_IF_ERROR(Encode(it->second, at));
          path_.Pop();
        }
        out_.push_back('}');
        return Status::Ok();
      }
      case Kind::kDynamic:
        return path_.MakeErr("known value has no concrete type");
    }
    return path_.MakeErr("unsupported type");
  }

  std::string out_;
  CodecPath path_;
};

// ---------------------------------------------------------------- reader

// A parsed JSON tree that keeps number text exactly and object members in input order.
struct JNode {
  enum class K : uint8_t { kNull, kFalse, kTrue, kNumber, kString, kArray, kObject };
  K k = K::kNull;
  std::string text;  // number text or string content
  std::vector<JNode> items;      // array elements, or object member values
  std::vector<std::string> keys;  // object member names, parallel to items
};

class JsonParser {
 public:
  explicit JsonParser(std::string_view in) : s_(in) {}

  Result<JNode> Run() {
    JNode root;
    PROV_RETURN_IF_ERROR(Parse(root, 0));
    SkipWs();
    if (i_ != s_.size()) return Err("unexpected trailing characters");
    return root;
  }

 private:
  Error Err(const std::string& what) const {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid JSON at byte " + std::to_string(i_) + ": " + what);
  }
  void SkipWs() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool Literal(std::string_view lit) {
    if (s_.substr(i_, lit.size()) != lit) return false;
    i_ += lit.size();
    return true;
  }

  Status Parse(JNode& n, int depth) {
    if (depth > kMaxJsonDepth) return Err("nesting is too deep");
    SkipWs();
    if (i_ >= s_.size()) return Err("unexpected end of input");
    char c = s_[i_];
    switch (c) {
      case 'n':
        if (!Literal("null")) return Err("invalid literal");
        n.k = JNode::K::kNull;
        return Status::Ok();
      case 't':
        if (!Literal("true")) return Err("invalid literal");
        n.k = JNode::K::kTrue;
        return Status::Ok();
      case 'f':
        if (!Literal("false")) return Err("invalid literal");
        n.k = JNode::K::kFalse;
        return Status::Ok();
      case '"':
        n.k = JNode::K::kString;
        return ParseString(n.text);
      case '[': {
        ++i_;
        n.k = JNode::K::kArray;
        SkipWs();
        if (i_ < s_.size() && s_[i_] == ']') {
          ++i_;
          return Status::Ok();
        }
        while (true) {
          n.items.emplace_back();
          PROV_RETURN_IF_ERROR(Parse(n.items.back(), depth + 1));
          SkipWs();
          if (i_ >= s_.size()) return Err("unexpected end of input in array");
          if (s_[i_] == ',') {
            ++i_;
            continue;
          }
          if (s_[i_] == ']') {
            ++i_;
            return Status::Ok();
          }
          return Err("expected ',' or ']'");
        }
      }
      case '{': {
        ++i_;
        n.k = JNode::K::kObject;
        SkipWs();
        if (i_ < s_.size() && s_[i_] == '}') {
          ++i_;
          return Status::Ok();
        }
        while (true) {
          SkipWs();
          if (i_ >= s_.size() || s_[i_] != '"') return Err("expected a string object key");
          std::string key;
          PROV_RETURN_IF_ERROR(ParseString(key));
          SkipWs();
          if (i_ >= s_.size() || s_[i_] != ':') return Err("expected ':'");
          ++i_;
          n.keys.push_back(std::move(key));
          n.items.emplace_back();
          PROV_RETURN_IF_ERROR(Parse(n.items.back(), depth + 1));
          SkipWs();
          if (i_ >= s_.size()) return Err("unexpected end of input in object");
          if (s_[i_] == ',') {
            ++i_;
            continue;
          }
          if (s_[i_] == '}') {
            ++i_;
            return Status::Ok();
          }
          return Err("expected ',' or '}'");
        }
      }
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          n.k = JNode::K::kNumber;
          return ParseNumber(n.text);
        }
        return Err("unexpected character");
    }
  }

  Status ParseNumber(std::string& out) {
    size_t start = i_;
    auto digits = [&]() {
      size_t b = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - b;
    };
    if (s_[i_] == '-') ++i_;
    size_t int_start = i_;
    size_t nd = digits();
    if (nd == 0) return Err("number has no digits");
    if (nd > 1 && s_[int_start] == '0') return Err("number has a leading zero");
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) return Err("number has no digits after '.'");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) return Err("number has no exponent digits");
    }
    out.assign(s_.substr(start, i_ - start));
    return Status::Ok();
  }

  Status ParseHex4(uint32_t& v) {
    if (i_ + 4 > s_.size()) return Err("truncated \\u escape");
    v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else return Err("invalid \\u escape");
    }
    return Status::Ok();
  }

  Status ParseString(std::string& out) {
    ++i_;  // opening quote
    while (true) {
      if (i_ >= s_.size()) return Err("unterminated string");
      uint8_t c = static_cast<uint8_t>(s_[i_]);
      if (c == '"') {
        ++i_;
        return Status::Ok();
      }
      if (c < 0x20) return Err("control character in string");
      if (c >= 0x80) {
        size_t n = Utf8SeqLen(s_, i_);
        if (n == 0) return Err("invalid UTF-8 in string");
        out.append(s_.substr(i_, n));
        i_ += n;
        continue;
      }
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        ++i_;
        continue;
      }
      ++i_;
      if (i_ >= s_.size()) return Err("unterminated escape");
      char e = s_[i_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          uint32_t cp;
          PROV_RETURN_IF_ERROR(ParseHex4(cp));
          if (cp >= 0xd800 && cp <= 0xdbff) {
            uint32_t lo;
            if (!Literal("\\u")) return Err("unpaired surrogate in \\u escape");
            PROV_RETURN_IF_ERROR(ParseHex4(lo));
            if (lo < 0xdc00 || lo > 0xdfff) return Err("unpaired surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            return Err("unpaired surrogate in \\u escape");
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          return Err("invalid escape character");
      }
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

nlohmann::json ToNlohmann(const JNode& n) {
  switch (n.k) {
    case JNode::K::kNull: return nullptr;
    case JNode::K::kTrue: return true;
    case JNode::K::kFalse: return false;
    case JNode::K::kString: return n.text;
    case JNode::K::kNumber: return nlohmann::json::parse(n.text, nullptr, false);
    case JNode::K::kArray: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& i : n.items) a.push_back(ToNlohmann(i));
      return a;
    }
    case JNode::K::kObject: {
      nlohmann::json o = nlohmann::json::object();
      for (size_t i = 0; i < n.keys.size(); ++i) o[n.keys[i]] = ToNlohmann(n.items[i]);
      return o;
    }
  }
  return nullptr;
}

const char* JsonKindName(const JNode& n) {
  switch (n.k) {
    case JNode::K::kNull: return "null";
    case JNode::K::kTrue:
    case JNode::K::kFalse: return "bool";
    case JNode::K::kNumber: return "number";
    case JNode::K::kString: return "string";
    case JNode::K::kArray: return "array";
    case JNode::K::kObject: return "object";
  }
  return "?";
}

class JsonDecoder {
 public:
  Result<Value> Decode(const JNode& n, const Type& t, int depth) {
    if (depth > internal::kMaxValueDepth) return path_.MakeErr("value nesting is too deep");
    if (n.k == JNode::K::kNull) return Value::Null(t);
    auto wrong = [&](const char* want) {
      return path_.MakeErr(std::string(want) + " is required, got JSON " + JsonKindName(n));
    };
    switch (t.kind()) {
      case Kind::kDynamic:
        return DecodeDynamic(n, depth);
      // Primitive conversions follow cty/json: strings accept numbers and bools, numbers
      // and bools accept their string spellings (older states wrote them that way).
      case Kind::kString:
        if (n.k == JNode::K::kString || n.k == JNode::K::kNumber) return Value::String(n.text);
        if (n.k == JNode::K::kTrue) return Value::String("true");
        if (n.k == JNode::K::kFalse) return Value::String("false");
        return wrong("string");
      case Kind::kNumber: {
        if (n.k != JNode::K::kNumber && n.k != JNode::K::kString) return wrong("number");
        Result<Value> v = Value::NumberFromString(n.text);
        if (!v.ok()) return path_.MakeErr(v.error().message);
        return v;
      }
      case Kind::kBool:
        if (n.k == JNode::K::kTrue || n.k == JNode::K::kFalse) return Value::Bool(n.k == JNode::K::kTrue);
        if (n.k == JNode::K::kString && (n.text == "true" || n.text == "false")) {
          return Value::Bool(n.text == "true");
        }
        return wrong("bool");
      case Kind::kList:
      case Kind::kSet:
      case Kind::kTuple: {
        if (n.k != JNode::K::kArray) {
          return wrong(t.kind() == Kind::kList ? "JSON array for list"
                                               : (t.kind() == Kind::kSet ? "JSON array for set"
                                                                         : "JSON array for tuple"));
        }
        if (t.kind() == Kind::kTuple && n.items.size() != t.elements().size()) {
          return path_.MakeErr("tuple has " + std::to_string(n.items.size()) + " elements, type needs " +
                               std::to_string(t.elements().size()));
        }
        std::vector<Value> elems;
        elems.reserve(n.items.size());
        path_.PushIndex(0);
        for (size_t i = 0; i < n.items.size(); ++i) {
          path_.SetIndex(static_cast<int64_t>(i));
          const Type& et = t.kind() == Kind::kTuple ? t.elements()[i] : t.element();
          Result<Value> e = Decode(n.items[i], et, depth + 1);
          if (!e.ok()) return e;
          elems.push_back(std::move(*e));
        }
        path_.Pop();
        if (t.kind() == Kind::kList) return Value::List(t.element(), std::move(elems));
        if (t.kind() == Kind::kSet) return Value::Set(t.element(), std::move(elems));
        return Value::Tuple(std::move(elems));
      }
      case Kind::kMap: {
        if (n.k != JNode::K::kObject) return wrong("JSON object for map");
        std::map<std::string, Value> elems;
        for (size_t i = 0; i < n.keys.size(); ++i) {
          const std::string& k = n.keys[i];
          const JNode& e = n.items[i];
          path_.PushKey(k);
          auto [it, inserted] = elems.try_emplace(k);
          if (!inserted) return path_.MakeErr("duplicate map key");
          Result<Value> v = Decode(e, t.element(), depth + 1);
          if (!v.ok()) return v;
          it->second = std::move(*v);
          path_.Pop();
        }
        return Value::Map(t.element(), std::move(elems));
      }
      case Kind::kObject: {
        if (n.k != JNode::K::kObject) return wrong("JSON object for object");
        const auto& types = t.attributes();
        std::map<std::string, Value> attrs;
        for (size_t i = 0; i < n.keys.size(); ++i) {
          const std::string& k = n.keys[i];
          const JNode& e = n.items[i];
          auto ty = types.find(k);
          if (ty == types.end()) return path_.MakeErr("unsupported attribute \"" + k + "\"");
          path_.PushAttr(k);
          auto [it, inserted] = attrs.try_emplace(k);
          if (!inserted) return path_.MakeErr("duplicate attribute");
          Result<Value> v = Decode(e, ty->second, depth + 1);
          if (!v.ok()) return v;
          it->second = std::move(*v);
          path_.Pop();
        }
        // Missing attributes become null, as Terraform's state decoding does.
        return Value::ObjectOfType(t, std::move(attrs));
      }
    }
    return path_.MakeErr("unsupported type");
  }

 private:
  Result<Value> DecodeDynamic(const JNode& n, int depth) {
    if (n.k != JNode::K::kObject) {
      return path_.MakeErr("JSON object with \"value\" and \"type\" is required for a dynamically-typed value");
    }
    const JNode* type_node = nullptr;
    const JNode* value_node = nullptr;
    for (size_t i = 0; i < n.keys.size(); ++i) {
      const std::string& k = n.keys[i];
      const JNode& e = n.items[i];
      const JNode** slot = k == "type" ? &type_node : (k == "value" ? &value_node : nullptr);
      if (!slot) return path_.MakeErr("invalid key \"" + k + "\" in dynamically-typed value");
      if (*slot) return path_.MakeErr("duplicate key \"" + k + "\" in dynamically-typed value");
      *slot = &e;
    }
    if (!type_node) return path_.MakeErr("missing type in dynamically-typed value");
    if (!value_node) return path_.MakeErr("missing value in dynamically-typed value");
    Result<Type> t = Type::FromJson(ToNlohmann(*type_node));
    if (!t.ok()) return path_.MakeErr("dynamic value type: " + t.error().message);
    return Decode(*value_node, *t, depth + 1);
  }

  CodecPath path_;
};

}  // namespace

Result<std::string> EncodeJson(const Value& v, const Type& t) {
  try {
    return JsonEncoder().Run(v, t);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("encoding JSON: ") + e.what());
  }
}

Result<Value> DecodeJson(std::string_view json, const Type& t) {
  try {
    Result<JNode> root = JsonParser(json).Run();
    if (!root.ok()) return root.error();
    return JsonDecoder().Decode(*root, t, 0);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("decoding JSON: ") + e.what());
  }
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8SeqLen(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace prov::cty
