// Golden bytes and every decoder rejection.
#include <gtest/gtest.h>

#include <cstdlib>

#include "test_support.hpp"
#include "wirelink/facts/codec.hpp"
#include "wirelink/facts/mac.hpp"

namespace wl::facts {
namespace {

using test::append;
using test::append_key;
using test::bytes_of;

PublicKey key_x() {
  std::array<std::uint8_t, 32> b{};
  for (std::size_t i = 0; i < 32; ++i) b[i] = static_cast<std::uint8_t>(0xa0 + i);
  return PublicKey(b);
}

std::vector<std::uint8_t> header(int attr, int ttl, const PublicKey& k) {
  auto v = bytes_of({attr, ttl});
  append_key(v, k);
  return v;
}

std::vector<std::uint8_t> group_with(const std::vector<std::uint8_t>& inner) {
  auto v = header(0x53, 0, key_x());
  v.resize(v.size() + 40, 0x11);  // nonce + tag
  append(v, inner);
  return v;
}

TEST(Codec, ReferenceEndpointFactDecodesAndReencodes) {
  // 65 08 <key> 64 01 01 03 ca 6c = endpoint 100.1.1.3:51820, TTL 8 s.
  auto inner = header(0x65, 0x08, key_x());
  append(inner, bytes_of({0x64, 0x01, 0x01, 0x03, 0xca, 0x6c}));
  std::vector<WireFact> out;
  ASSERT_EQ(decode_inner(inner, out), RejectReason::none);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].ttl_seconds, 8u);
  EXPECT_EQ(out[0].fact.attr, Attribute::endpoint_v4);
  EXPECT_EQ(std::get<Endpoint>(out[0].fact.value).to_string(), "100.1.1.3:51820");
  std::vector<std::uint8_t> re;
  encode_fact(out[0].fact, out[0].ttl_seconds, re);
  EXPECT_EQ(re, inner);
}

TEST(Codec, ReferenceMetadataFactDecodesAndReencodes) {
  // 4d 08 <key> 11 6e 0c "client2@self" 62 01 00
  auto inner = header(0x4d, 0x08, key_x());
  append(inner, bytes_of({0x11, 0x6e, 0x0c}));
  const std::string name = "client2@self";
  inner.insert(inner.end(), name.begin(), name.end());
  append(inner, bytes_of({0x62, 0x01, 0x00}));
  std::vector<WireFact> out;
  ASSERT_EQ(decode_inner(inner, out), RejectReason::none);
  const auto& m = std::get<MemberMetadata>(out[0].fact.value);
  EXPECT_EQ(m.name(), name);
  EXPECT_EQ(m.basic(), false);
  std::vector<std::uint8_t> re;
  encode_fact(out[0].fact, 8, re);
  EXPECT_EQ(re, inner);
}

TEST(Codec, HandBuiltWholePacketIs124Bytes) {
  // 53 00 <key> <nonce> <tag> 21 09 <key> <uuid>
  std::vector<std::uint8_t> p = header(0x53, 0, key_x());
  for (int i = 0; i < 24; ++i) p.push_back(static_cast<std::uint8_t>(i));
  for (int i = 0; i < 16; ++i) p.push_back(static_cast<std::uint8_t>(0x80 + i));
  append(p, header(0x21, 0x09, key_x()));
  for (int i = 0; i < 16; ++i) p.push_back(static_cast<std::uint8_t>(0xf0 + i));
  ASSERT_EQ(p.size(), 124u);
  auto d = decode_datagram(p);
  ASSERT_TRUE(d.ok()) << to_string(d.reason);
  EXPECT_EQ(d.group.signer, key_x());
  EXPECT_EQ(d.group.nonce[5], 5);
  EXPECT_EQ(d.group.tag[0], 0x80);
  ASSERT_EQ(d.group.facts.size(), 1u);
  EXPECT_EQ(d.group.facts[0].fact.attr, Attribute::alive);
  EXPECT_EQ(d.group.facts[0].ttl_seconds, 9u);
  EXPECT_EQ(std::get<BootId>(d.group.facts[0].fact.value)[15], 0xff);
  EXPECT_EQ(d.group.inner.size(), 50u);
  auto re = encode_datagram(d.group.signer, d.group.nonce, d.group.tag, d.group.inner);
  EXPECT_EQ(re, p);
}

TEST(Codec, WirelinkCapturedPacketsDecodeAndReencodeExactly) {
  const std::string dir =
      std::string(std::getenv("WL_SOURCE_DIR") ? std::getenv("WL_SOURCE_DIR") : ".") +
      "/tests/unit/facts/data/wirelink014-packets.hex";
  auto packets = test::load_hex_lines(dir);
  ASSERT_EQ(packets.size(), 3u) << dir;
  std::size_t total_facts = 0;
  bool saw_allowed_ip = false;
  for (const auto& p : packets) {
    auto d = decode_datagram(p);
    ASSERT_TRUE(d.ok()) << to_string(d.reason) << " at " << d.offset;
    std::vector<std::uint8_t> inner;
    for (const auto& wf : d.group.facts) {
      encode_fact(wf.fact, wf.ttl_seconds, inner);
      if (wf.fact.attr == Attribute::allowed_ip_v4) {
        EXPECT_EQ(std::get<Cidr>(wf.fact.value).to_string(), "192.168.0.0/24");
        saw_allowed_ip = true;
      }
    }
    total_facts += d.group.facts.size();
    EXPECT_EQ(encode_datagram(d.group.signer, d.group.nonce, d.group.tag, inner), p);
  }
  EXPECT_TRUE(saw_allowed_ip);
  EXPECT_EQ(total_facts, 3u + 5u + 7u);
}

TEST(Codec, AllAttributesRoundTrip) {
  const PublicKey k = key_x();
  MemberMetadata meta;
  meta.set_name("host-a");
  meta.set_basic(true);
  meta.entries[0x7a] = {1, 2, 3};  // an unknown key survives
  FeatureSet fs;
  fs.add(Feature::coordinator_token);
  meta.set_features(fs);
  std::vector<Fact> facts = {
      make_alive(k, BootId{1, 2, 3}),
      make_endpoint(k, *Endpoint::parse("192.0.2.1:51820")),
      make_endpoint(k, *Endpoint::parse("[2001:db8::1]:443")),
      make_allowed_ip(k, *Cidr::parse("10.1.0.0/16")),
      make_allowed_ip(k, *Cidr::parse("2001:db8::/48")),
      Fact{Attribute::member, k, Empty{}},
      make_member(k, meta),
      make_member(k, MemberMetadata{}),
      make_token(k, {9, 8, 7}),
      make_grant(k, 3),
  };
  std::vector<std::uint8_t> inner;
  for (std::size_t i = 0; i < facts.size(); ++i)
    encode_fact(facts[i], static_cast<std::uint32_t>(i * 100), inner);
  std::vector<WireFact> out;
  ASSERT_EQ(decode_inner(inner, out), RejectReason::none);
  ASSERT_EQ(out.size(), facts.size());
  for (std::size_t i = 0; i < facts.size(); ++i) {
    EXPECT_EQ(out[i].fact, facts[i]) << i;
    EXPECT_EQ(out[i].ttl_seconds, i * 100);
  }
  EXPECT_TRUE(
      std::get<MemberMetadata>(out[6].fact.value).features().has(Feature::coordinator_token));
}

TEST(Codec, EmptyMetadataIsSingleZeroByte) {
  std::vector<std::uint8_t> b;
  encode_fact(make_member(key_x(), {}), 255, b);
  ASSERT_EQ(b.size(), 1u + 2u + 32u + 1u);
  EXPECT_EQ(b[1], 0xff);
  EXPECT_EQ(b[2], 0x01);  // 255 as a uvarint
  EXPECT_EQ(b.back(), 0x00);
}

TEST(Codec, MetadataNameFirstThenAscendingKeys) {
  MemberMetadata m;
  m.entries[0x01] = {0xaa};
  m.set_basic(false);
  m.set_name("z");
  std::vector<std::uint8_t> b;
  encode_fact(make_member(key_x(), m), 1, b);
  std::vector<std::uint8_t> value(b.begin() + 34, b.end());
  EXPECT_EQ(value, bytes_of({0x09, 0x6e, 0x01, 'z', 0x01, 0x01, 0xaa, 0x62, 0x01, 0x00}));
}

TEST(Codec, Uvarint) {
  std::vector<std::uint8_t> b;
  put_uvarint(65535, b);
  EXPECT_EQ(b, bytes_of({0xff, 0xff, 0x03}));
  std::uint64_t v = 0;
  EXPECT_EQ(get_uvarint(b, v), 3u);
  EXPECT_EQ(v, 65535u);
  EXPECT_EQ(get_uvarint(bytes_of({0x80}), v), 0u);                     // truncated
  EXPECT_EQ(get_uvarint(std::vector<std::uint8_t>(11, 0x80), v), 0u);  // overlong
  EXPECT_EQ(get_uvarint(bytes_of({0x80, 0x00}), v), 2u);               // padded: Go accepts it
  EXPECT_EQ(v, 0u);
}

TEST(Codec, GreedyPackingRespectsInnerLimit) {
  std::vector<std::vector<std::uint8_t>> facts(40,
                                               std::vector<std::uint8_t>(57, 1));  // 40*57 = 2280
  auto groups = pack_inner(facts);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].size(), 19u * 57u);  // 1083 <= 1136 < 1140
  EXPECT_EQ(groups[1].size(), 19u * 57u);
  EXPECT_EQ(groups[2].size(), 2u * 57u);
  // An oversized fact travels alone.
  std::vector<std::vector<std::uint8_t>> big = {std::vector<std::uint8_t>(10, 1),
                                                std::vector<std::uint8_t>(2000, 2),
                                                std::vector<std::uint8_t>(10, 3)};
  auto g2 = pack_inner(big);
  ASSERT_EQ(g2.size(), 3u);
  EXPECT_EQ(g2[1].size(), 2000u);
}

// The annotated example of PROTOCOL.md §3.4: built from facts, signed, byte for byte.
TEST(Codec, ProtocolDocumentExample) {
  const std::string doc_hex =
      "5300c1c318eeeead11778e566a24a8cb04b9b431eb84cfa623c6a682c7ee56c8e2060104070a0d101316191c1f"
      "2225282b2e3134373a3d404346b9e23a2581c3105dbcb3b990e2242dd721ff01c1c318eeeead11778e566a24a8"
      "cb04b9b431eb84cfa623c6a682c7ee56c8e206101112131415161718191a1b1c1d1e1f65ff01c1c318eeeead11"
      "778e566a24a8cb04b9b431eb84cfa623c6a682c7ee56c8e206c0000201ca6c61c801c1c318eeeead11778e566a"
      "24a8cb04b9b431eb84cfa623c6a682c7ee56c8e2060a00000120";
  const auto a =
      std::move(parse_private_key("ICcuNTxDSlFYX2ZtdHuCiZCXnqWss7rByM/W3eTr8nk=")).value();
  const auto b =
      std::move(parse_private_key("OEZNVFtiaXB3foWMk5qhqK+2vcTL0tng5+71/AMKEVg=")).value();
  const PublicKey pa = public_key_of(a);
  EXPECT_EQ(pa.to_base64(), "wcMY7u6tEXeOVmokqMsEubQx64TPpiPGpoLH7lbI4gY=");
  EXPECT_EQ(link_local_for(pa).to_string(), "fe80::7c18:41cf:57f:a09d");
  BootId boot{};
  for (int i = 0; i < 16; ++i) boot[i] = static_cast<std::uint8_t>(0x10 + i);
  std::vector<std::uint8_t> inner;
  encode_fact(make_alive(pa, boot), 255, inner);
  encode_fact(make_endpoint(pa, *Endpoint::parse("192.0.2.1:51820")), 255, inner);
  encode_fact(make_allowed_ip(pa, *Cidr::parse("10.0.0.1/32")), 200, inner);
  const auto datagram = test::sign_inner(a, public_key_of(b), inner);
  EXPECT_EQ(hex_encode(datagram), doc_hex);
  auto d = decode_datagram(datagram);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d.group.facts.size(), 3u);
  // The recipient's view of the pairwise key verifies it; anyone else's does not.
  EXPECT_TRUE(mac_verify(*pairwise_key(b, pa), d.group.nonce, d.group.tag, d.group.inner));
  EXPECT_FALSE(mac_verify(*pairwise_key(test::private_from_seed(3), pa), d.group.nonce, d.group.tag,
                          d.group.inner));
}

TEST(Mac, PairwiseKeyIsSymmetricAndRejectsLowOrderPoints) {
  const auto a = test::private_from_seed(1);
  const auto b = test::private_from_seed(2);
  EXPECT_TRUE(pairwise_key(a, public_key_of(b))->equals(*pairwise_key(b, public_key_of(a))));
  EXPECT_FALSE(pairwise_key(a, PublicKey{}).has_value());  // all-zero point
  std::array<std::uint8_t, 32> one{};
  one[0] = 1;  // the identity point: also a zero shared secret
  EXPECT_FALSE(pairwise_key(a, PublicKey(one)).has_value());
}

struct RejectCase {
  const char* name;
  std::vector<std::uint8_t> datagram;
  RejectReason reason;
};

std::vector<RejectCase> reject_cases() {
  const PublicKey k = key_x();
  std::vector<RejectCase> c;
  auto inner_with = [&](int attr, std::vector<std::uint8_t> value, int ttl = 5) {
    auto v = header(attr, ttl, k);
    append(v, value);
    return group_with(v);
  };
  c.push_back({"empty", {}, RejectReason::truncated});
  c.push_back({"unsigned_top_level", header(0x65, 1, k), RejectReason::not_signed_group});
  c.push_back({"old_ping", bytes_of({0x00, 0x01}), RejectReason::not_signed_group});
  c.push_back(
      {"short_group", std::vector<std::uint8_t>{0x53, 0x00, 0x01}, RejectReason::truncated});
  {
    auto g = header(0x53, 0, k);
    g.resize(g.size() + 30);
    c.push_back({"group_without_tag", g, RejectReason::truncated});
  }
  c.push_back({"nested_group", group_with(group_with({})), RejectReason::nested_group});
  c.push_back({"unknown_attribute", inner_with(0x7a, {}), RejectReason::unknown_attribute});
  c.push_back({"inner_old_ping", inner_with(0x00, {}), RejectReason::unknown_attribute});
  {
    auto v = bytes_of({0x65, 0x80, 0x80, 0x04});  // TTL 65536
    append_key(v, k);
    append(v, bytes_of({1, 2, 3, 4, 0, 1}));
    c.push_back({"ttl_over_65535", group_with(v), RejectReason::ttl_too_large});
  }
  {
    auto v = bytes_of({0x65, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
    c.push_back({"overlong_varint", group_with(v), RejectReason::bad_varint});
  }
  c.push_back({"short_endpoint_v4", inner_with(0x65, {1, 2, 3, 4, 5}), RejectReason::truncated});
  c.push_back(
      {"short_alive", inner_with(0x21, std::vector<std::uint8_t>(15, 0)), RejectReason::truncated});
  c.push_back({"short_subject", group_with(bytes_of({0x65, 0x01, 0xaa})), RejectReason::truncated});
  {
    std::vector<std::uint8_t> mapped(16, 0);
    mapped[10] = mapped[11] = 0xff;
    mapped[12] = 192;
    mapped[15] = 1;
    mapped.push_back(0xca);
    mapped.push_back(0x6c);
    c.push_back({"v4_mapped_in_E", inner_with(0x45, mapped), RejectReason::v4_mapped_endpoint});
  }
  c.push_back(
      {"prefix_33_in_a", inner_with(0x61, {10, 0, 0, 0, 33}), RejectReason::prefix_too_long});
  {
    std::vector<std::uint8_t> v(16, 0x20);
    v.push_back(129);
    c.push_back({"prefix_129_in_A", inner_with(0x41, v), RejectReason::prefix_too_long});
  }
  c.push_back(
      {"metadata_len_past_end", inner_with(0x4d, {0x05, 0x6e, 0x01}), RejectReason::truncated});
  c.push_back({"metadata_entry_past_payload", inner_with(0x4d, {0x03, 0x6e, 0x05, 'a'}),
               RejectReason::bad_length});
  c.push_back({"metadata_duplicate_key", inner_with(0x4d, {0x06, 0x6e, 0x01, 'a', 0x6e, 0x01, 'b'}),
               RejectReason::bad_metadata});
  c.push_back(
      {"metadata_basic_2", inner_with(0x4d, {0x03, 0x62, 0x01, 0x02}), RejectReason::bad_metadata});
  c.push_back({"metadata_basic_len_2", inner_with(0x4d, {0x04, 0x62, 0x02, 0x00, 0x00}),
               RejectReason::bad_metadata});
  c.push_back({"grant_level_4", inner_with(0x67, {0x04}), RejectReason::bad_grant});
  c.push_back({"token_len_past_end", inner_with(0x54, {0x09, 1, 2}), RejectReason::truncated});
  {
    // A valid fact followed by garbage voids the whole group, not just the tail.
    auto v = header(0x65, 5, k);
    append(v, bytes_of({1, 2, 3, 4, 0, 1}));
    v.push_back(0x65);
    c.push_back({"valid_then_truncated", group_with(v), RejectReason::truncated});
  }
  return c;
}

TEST(Codec, EveryRejectionVoidsTheWholeDatagram) {
  for (const auto& rc : reject_cases()) {
    auto d = decode_datagram(rc.datagram);
    EXPECT_EQ(d.reason, rc.reason) << rc.name << ": got " << to_string(d.reason);
    EXPECT_TRUE(d.group.facts.empty()) << rc.name;
  }
}

}  // namespace
}  // namespace wl::facts
