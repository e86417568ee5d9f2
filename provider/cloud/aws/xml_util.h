// pugixml helpers for AWS Query/EC2 XML: match elements by local name (namespaces differ
// between AWS, moto and STS), and parse the two error envelopes. Internal to cloud/aws.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "provider/base/result.h"

namespace prov::cloud::aws::xml {

std::string_view LocalName(const pugi::xml_node& n);
// First direct child element with that local name (empty node if none).
pugi::xml_node Child(const pugi::xml_node& n, std::string_view local);
// Text of a direct child ("" if absent).
std::string ChildText(const pugi::xml_node& n, std::string_view local);
// First descendant element (depth-first) with that local name.
pugi::xml_node Find(const pugi::xml_node& n, std::string_view local);
// Direct children named `item` of the child `list` (EC2 list wrapper).
std::vector<pugi::xml_node> Items(const pugi::xml_node& n, std::string_view list);

// Parses a whole document; kDataLoss with the parser's reason for truncated or malformed
// input, or when the root element is missing.
Result<std::unique_ptr<pugi::xml_document>> Parse(std::string_view body);

struct AwsErrorBody {
  std::string code;
  std::string message;
  std::string request_id;
};
// EC2 (<Response><Errors><Error>) or Query/STS (<ErrorResponse><Error>) error bodies.
std::optional<AwsErrorBody> ParseError(std::string_view body);

}  // namespace prov::cloud::aws::xml
