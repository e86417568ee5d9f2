"""Facts from the Office@Hand network-requirements article (the seed document), used as the
expected values of the acceptance tests. Kept here, independent of provider/catalog/data, so
a catalog bug cannot make its own test pass."""

# Table 2.1 - Advertised IP supernets (9 entries; RingCentral's own page lacks 66.81.240.0/20).
SUPERNETS = frozenset({
    "66.81.240.0/20", "80.81.128.0/20", "103.44.68.0/22", "104.245.56.0/21", "185.23.248.0/22",
    "192.209.24.0/21", "199.68.212.0/22", "199.255.120.0/22", "208.87.40.0/22",
})

# Table 3.2.2 (Office@Hand Video): names that must be listed when the video service is selected.
VIDEO_FQDNS = frozenset({
    "meetings.officeathand.att.com", "media.ringcentral.com", "api-meet.ringcentral.biz",
    "edr.ringcentral.biz", "downloads.ringcentral.biz", "app.ringcentral.biz",
    "ringcentral.pubnubapi.com",
})
VIDEO_WILDCARDS = frozenset({"*.v.ringcentral.biz"})
# Video media: UDP 10000-19999 (default); TCP 443 only as the (optional) fallback.
VIDEO_MEDIA_UDP = (10000, 19999)

# Table 3.2.6 (desk phones) only: must NOT appear when only video is selected.
PHONE_ONLY_FQDNS = frozenset({"pp.ringcentral.biz", "cp.ringcentral.biz", "yp.ringcentral.biz"})

# users.md worked example: all endpoint services on AWS need 8 merged port ranges x 9 supernets.
AWS_ALL_SERVICES_RULE_ENTRIES = 72
AWS_DEFAULT_RULE_QUOTA = 60
