#include "provider/cloud/aws/xml_util.h"

namespace prov::cloud::aws::xml {

std::string_view LocalName(const pugi::xml_node& n) {
  std::string_view name = n.name();
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& n, std::string_view local) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c) == local) return c;
  }
  return pugi::xml_node();
}

std::string ChildText(const pugi::xml_node& n, std::string_view local) {
  return Child(n, local).child_value();
}

pugi::xml_node Find(const pugi::xml_node& n, std::string_view local) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (LocalName(c) == local) return c;
    if (pugi::xml_node d = Find(c, local)) return d;
  }
  return pugi::xml_node();
}

std::vector<pugi::xml_node> Items(const pugi::xml_node& n, std::string_view list) {
  std::vector<pugi::xml_node> out;
  pugi::xml_node l = Child(n, list);
  for (pugi::xml_node c = l.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c) == "item") out.push_back(c);
  }
  return out;
}

Result<std::unique_ptr<pugi::xml_document>> Parse(std::string_view body) {
  auto doc = std::make_unique<pugi::xml_document>();
  pugi::xml_parse_result r = doc->load_buffer(body.data(), body.size(), pugi::parse_default);
  if (!r) {
    return MakeError(ErrorCode::kDataLoss, std::string("malformed XML response (") + r.description() +
                                               " at offset " + std::to_string(r.offset) + " of " +
                                               std::to_string(body.size()) + " bytes)");
  }
  if (!doc->document_element()) {
    return MakeError(ErrorCode::kDataLoss, "XML response has no root element");
  }
  return doc;
}

std::optional<AwsErrorBody> ParseError(std::string_view body) {
  auto doc = Parse(body);
  if (!doc.ok()) return std::nullopt;
  pugi::xml_node root = (*doc)->document_element();
  pugi::xml_node err = Find(root, "Error");
  if (!err) return std::nullopt;
  AwsErrorBody e;
  e.code = ChildText(err, "Code");
  e.message = ChildText(err, "Message");
  e.request_id = ChildText(root, "RequestID");
  if (e.request_id.empty()) e.request_id = ChildText(root, "RequestId");
  if (e.code.empty()) return std::nullopt;
  return e;
}

}  // namespace prov::cloud::aws::xml
