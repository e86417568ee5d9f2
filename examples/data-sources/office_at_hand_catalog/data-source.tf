# What Office@Hand needs for the video app and the desktop app, straight from the vendor's
# article: supernets, names that can only be allowed by an FQDN-capable firewall, and
# advisories that are not firewall rules at all (NAT timeouts, SIP ALG, DSCP).
data "office_at_hand_catalog" "video" {
  services     = ["video", "desktop_app"]
  tcp_fallback = false
}

output "supernets" {
  value = data.office_at_hand_catalog.video.supernets
}

output "fqdns_for_the_web_proxy" {
  value = concat(data.office_at_hand_catalog.video.fqdns,
  data.office_at_hand_catalog.video.wildcard_domains)
}
