// Stage 3: per-platform renderers and the helpers they share (names, labels, descriptions).
// Internal to prov_rules: other layers call Compile() in compiler.h.
//
// A renderer takes the optimised groups and the target options and returns the platform's
// rules, already budgeted and sorted by key. It never merges or collapses anything on its
// own, except AWS budgeted merging, which is a declared, reported trade (over_permission).
#pragma once

#include <string>
#include <vector>

#include "provider/rules/compiler.h"
#include "provider/rules/ir.h"

namespace prov::rules::internal {

Result<Compiled> RenderAws(const Resolved& resolved, std::vector<Group> groups,
                           const TargetOptions& target);
Result<Compiled> RenderAzure(const Resolved& resolved, std::vector<Group> groups,
                             const TargetOptions& target);
Result<Compiled> RenderGcp(const Resolved& resolved, std::vector<Group> groups,
                           const TargetOptions& target);

// 64-bit FNV-1a, printed as `digits` lowercase hex digits. Stable across builds and hosts.
std::string HashHex(const std::string& s, int digits);
// A readable, stable label for a set of prefixes: "supernets" when it is exactly the
// catalog's supernets (of that family), the prefix itself when alone
// ("3-211-163-136-32"), else "<first>-plus<n-1>-<hash>".
std::string PeerLabel(const std::vector<net::Cidr>& cidrs, const std::vector<net::Cidr>& supernets);
// "UDP 19302, 20000-64999".
std::string PortsText(net::Transport t, const std::vector<net::PortRange>& ranges);
// "Office@Hand desktop_app.media, video.media_secured: media UDP 20000-64999", at most
// max_len characters: the row list is cut first ("..."), the ports last. ASCII only (AWS
// restricts the character set).
std::string Describe(const Resolved& r, const std::vector<int>& rows, const std::string& what,
                     size_t max_len);
// Service ids and row ids of `rows` (indices into Resolved::rows), sorted by id without
// duplicates: canonical, whatever order the resolver reached them in. Describe lists the
// rows in the same order.
std::vector<std::string> ServicesOf(const Resolved& r, const std::vector<int>& rows);
std::vector<std::string> RowIdsOf(const Resolved& r, const std::vector<int>& rows);
std::vector<int> RowsOf(const TransportRanges& t);
std::vector<std::string> CidrStrings(const std::vector<net::Cidr>& v);
// Keeps [A-Za-z0-9_.-] (lower-casing when `lower`), maps the rest to '-', squeezes '-'
// runs, and cuts to max_len keeping a hash of the full text when it had to cut.
std::string SafeName(const std::string& text, size_t max_len, bool lower);

}  // namespace prov::rules::internal
