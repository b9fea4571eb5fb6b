// Every official PASETO v4 and PASERK k4 vector (see vectors/README.md).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "wirelink/base/encoding.hpp"
#include "wirelink/coordinator/paserk.hpp"
#include "wirelink/coordinator/paseto.hpp"

using namespace wl::coordinator;
using nlohmann::json;

namespace {
json load(const std::string& name) {
  std::ifstream f(std::string(WL_VECTOR_DIR) + "/" + name);
  EXPECT_TRUE(f.good()) << name;
  return json::parse(f);
}
std::vector<std::uint8_t> hex(const json& v) {
  return *wl::hex_decode(v.get<std::string>());
}
std::string str(const json& v) {
  return v.is_null() ? std::string() : v.get<std::string>();
}
}  // namespace

TEST(PasetoV4, AllOfficialVectors) {
  auto doc = load("v4.json");
  int n = 0, failures_seen = 0;
  for (const auto& t : doc["tests"]) {
    SCOPED_TRACE(t["name"].get<std::string>());
    ++n;
    const std::string token = t["token"];
    const std::string footer = str(t["footer"]);
    const std::string implicit = str(t["implicit-assertion"]);
    const bool fail = t["expect-fail"];
    if (t.contains("public-key")) {
      auto pkb = hex(t["public-key"]);
      std::array<std::uint8_t, 32> pka{};
      std::copy(pkb.begin(), pkb.end(), pka.begin());
      auto r = paseto::v4_public_verify(token, paseto::V4PublicKey(pka), implicit);
      if (fail) {
        EXPECT_FALSE(r.ok());
        ++failures_seen;
        continue;
      }
      ASSERT_TRUE(r.ok()) << r.error().message();
      EXPECT_EQ(r->message, t["payload"].get<std::string>());
      EXPECT_EQ(r->footer, footer);
      // Ed25519 is deterministic: signing reproduces the token byte for byte.
      auto sk = paseto::V4SecretKey::from_bytes(hex(t["secret-key"]));
      ASSERT_TRUE(sk.ok());
      EXPECT_EQ(paseto::v4_public_sign(*sk, r->message, footer, implicit), token);
      EXPECT_TRUE(sk->public_key() == paseto::V4PublicKey(pka));
      // Wrong implicit assertion must fail.
      EXPECT_FALSE(paseto::v4_public_verify(token, paseto::V4PublicKey(pka), implicit + "x").ok());
    } else {
      auto key = paseto::V4LocalKey::from_bytes(hex(t["key"]));
      ASSERT_TRUE(key.ok());
      auto r = paseto::v4_local_decrypt(token, *key, implicit);
      if (fail) {
        EXPECT_FALSE(r.ok());
        ++failures_seen;
        continue;
      }
      ASSERT_TRUE(r.ok()) << r.error().message();
      EXPECT_EQ(r->message, t["payload"].get<std::string>());
      EXPECT_EQ(r->footer, footer);
      auto nb = hex(t["nonce"]);
      std::array<std::uint8_t, 32> nonce{};
      std::copy(nb.begin(), nb.end(), nonce.begin());
      EXPECT_EQ(paseto::v4_local_encrypt(*key, r->message, footer, implicit, nonce), token);
      EXPECT_FALSE(paseto::v4_local_decrypt(token, *key, implicit + "x").ok());
    }
  }
  EXPECT_EQ(n, 17);
  EXPECT_EQ(failures_seen, 5);
}

TEST(PasetoV4, PaeKnownValues) {
  EXPECT_EQ(wl::hex_encode(paseto::pae({})), "0000000000000000");
  const std::array<std::string_view, 1> one{""};
  EXPECT_EQ(wl::hex_encode(paseto::pae(one)), "01000000000000000000000000000000");
  const std::array<std::string_view, 1> test{"test"};
  EXPECT_EQ(wl::hex_encode(paseto::pae(test)), "0100000000000000040000000000000074657374");
}

TEST(PasetoV4, RejectsMalformedShapes) {
  auto sk = paseto::V4SecretKey::generate();
  auto tok = paseto::v4_public_sign(sk, "{}", "f");
  EXPECT_TRUE(paseto::v4_public_verify(tok, sk.public_key()).ok());
  EXPECT_FALSE(paseto::v4_public_verify(tok + ".x", sk.public_key()).ok());
  EXPECT_FALSE(paseto::v4_public_verify(tok + "=", sk.public_key()).ok());
  EXPECT_FALSE(paseto::v4_public_verify("v4.public.", sk.public_key()).ok());
  EXPECT_FALSE(paseto::v4_public_verify("v4.public.AAAA", sk.public_key()).ok());
  EXPECT_FALSE(paseto::v4_public_verify("V4.public." + tok.substr(10), sk.public_key()).ok());
  std::string flipped = tok;
  flipped[12] = flipped[12] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(paseto::v4_public_verify(flipped, sk.public_key()).ok());
  auto other = paseto::V4SecretKey::generate();
  EXPECT_FALSE(paseto::v4_public_verify(tok, other.public_key()).ok());
}

TEST(Paserk, K4LocalPublicSecret) {
  for (const char* f : {"k4.local.json", "k4.public.json", "k4.secret.json"}) {
    auto doc = load(f);
    for (const auto& t : doc["tests"]) {
      SCOPED_TRACE(t["name"].get<std::string>());
      const bool fail = t["expect-fail"];
      const std::string kind = std::string(f).substr(3, std::string(f).size() - 8);
      if (!t["paserk"].is_null() && fail) {
        // Deserialisation must fail.
        const std::string p = t["paserk"];
        if (kind == "local") {
          EXPECT_FALSE(paserk::parse_local(p).ok());
        }
        if (kind == "public") {
          EXPECT_FALSE(paserk::parse_public(p).ok());
        }
        if (kind == "secret") {
          EXPECT_FALSE(paserk::parse_secret(p).ok());
        }
        continue;
      }
      auto key = hex(t["key"]);
      if (fail) {
        // Serialisation from the given (wrong) key bytes must fail.
        if (kind == "local") {
          EXPECT_FALSE(paseto::V4LocalKey::from_bytes(key).ok());
        }
        if (kind == "public") {
          EXPECT_NE(key.size(), 32u);
        }
        if (kind == "secret") {
          EXPECT_FALSE(paseto::V4SecretKey::from_bytes(key).ok());
        }
        continue;
      }
      const std::string p = t["paserk"];
      if (kind == "local") {
        auto k = paseto::V4LocalKey::from_bytes(key);
        ASSERT_TRUE(k.ok());
        EXPECT_EQ(paserk::to_local(*k), p);
        auto back = paserk::parse_local(p);
        ASSERT_TRUE(back.ok());
        EXPECT_TRUE(back->bytes().equals(k->bytes()));
      } else if (kind == "public") {
        std::array<std::uint8_t, 32> a{};
        std::copy(key.begin(), key.end(), a.begin());
        EXPECT_EQ(paserk::to_public(paseto::V4PublicKey(a)), p);
        auto back = paserk::parse_public(p);
        ASSERT_TRUE(back.ok());
        EXPECT_TRUE(*back == paseto::V4PublicKey(a));
        EXPECT_FALSE(paserk::parse_local(p).ok());
        EXPECT_FALSE(paserk::parse_secret(p).ok());  // algorithm lucidity across types
      } else {
        auto k = paseto::V4SecretKey::from_bytes(key);
        ASSERT_TRUE(k.ok());
        EXPECT_EQ(paserk::to_secret(*k), p);
        EXPECT_EQ(wl::hex_encode(k->public_key().bytes()), t["public-key"].get<std::string>());
        auto back = paserk::parse_secret(p);
        ASSERT_TRUE(back.ok());
        EXPECT_TRUE(back->bytes().equals(k->bytes()));
      }
    }
  }
}

TEST(Paserk, K4Ids) {
  for (const char* f : {"k4.lid.json", "k4.pid.json", "k4.sid.json"}) {
    auto doc = load(f);
    const std::string kind = std::string(f).substr(3, 3);
    for (const auto& t : doc["tests"]) {
      SCOPED_TRACE(t["name"].get<std::string>());
      auto key = hex(t["key"]);
      if (t["expect-fail"]) {
        if (kind == "lid") {
          EXPECT_FALSE(paseto::V4LocalKey::from_bytes(key).ok());
        }
        if (kind == "pid") {
          EXPECT_NE(key.size(), 32u);
        }
        if (kind == "sid") {
          EXPECT_FALSE(paseto::V4SecretKey::from_bytes(key).ok());
        }
        continue;
      }
      const std::string p = t["paserk"];
      if (kind == "lid") {
        EXPECT_EQ(paserk::lid(*paseto::V4LocalKey::from_bytes(key)), p);
      } else if (kind == "pid") {
        std::array<std::uint8_t, 32> a{};
        std::copy(key.begin(), key.end(), a.begin());
        EXPECT_EQ(paserk::pid(paseto::V4PublicKey(a)), p);
      } else {
        EXPECT_EQ(paserk::sid(*paseto::V4SecretKey::from_bytes(key)), p);
      }
    }
  }
}
