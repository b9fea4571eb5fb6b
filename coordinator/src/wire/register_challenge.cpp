#include "wirelink/coordinator/register_challenge.hpp"

#include <sodium.h>

#include <vector>

#include "wirelink/base/encoding.hpp"
#include "wirelink/coordinator/errors.hpp"

namespace wl::coordinator {
namespace {

constexpr std::string_view kPrefix = "wlch1.";
constexpr std::string_view kLabel = "wirelink challenge v1";
constexpr std::size_t kBody = 8 + 16;  // expires || nonce
constexpr std::size_t kTag = 32;

std::array<std::uint8_t, kTag> tag_of(const ChallengeKey& key, const PublicKey& coordinator,
                                      std::span<const std::uint8_t> body) {
  std::vector<std::uint8_t> in(kLabel.begin(), kLabel.end());
  in.insert(in.end(), coordinator.bytes().begin(), coordinator.bytes().end());
  in.insert(in.end(), body.begin(), body.end());
  std::array<std::uint8_t, kTag> t{};
  crypto_generichash(t.data(), t.size(), in.data(), in.size(), key.data(), key.size());
  return t;
}

Error invalid(std::string d) {
  return Error{coord_errc::challenge_invalid, std::move(d)};
}

}  // namespace

std::string seal_challenge(const ChallengeKey& key, const PublicKey& coordinator, WallTime expires,
                           const ChallengeNonce& nonce) {
  const auto secs = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count());
  std::vector<std::uint8_t> b;
  for (int shift = 56; shift >= 0; shift -= 8)
    b.push_back(static_cast<std::uint8_t>(secs >> shift));
  b.insert(b.end(), nonce.begin(), nonce.end());
  const auto t = tag_of(key, coordinator, b);
  b.insert(b.end(), t.begin(), t.end());
  return std::string(kPrefix) + base64url_encode(b);
}

Result<OpenedChallenge> open_challenge(std::string_view text, const ChallengeKey& key,
                                       const PublicKey& coordinator) {
  if (text.empty()) return invalid("registration needs a challenge (GET /api/v1/challenge)");
  if (text.substr(0, kPrefix.size()) != kPrefix) return invalid("challenge is not wlch1.");
  auto b = base64url_decode(text.substr(kPrefix.size()));
  if (!b || b->size() != kBody + kTag) return invalid("challenge is malformed");
  const std::span<const std::uint8_t> body(b->data(), kBody);
  const auto t = tag_of(key, coordinator, body);
  if (sodium_memcmp(t.data(), b->data() + kBody, kTag) != 0)
    return invalid("challenge was not issued here, or before a restart or key rotation");
  std::uint64_t secs = 0;
  for (std::size_t i = 0; i < 8; ++i) secs = (secs << 8) | (*b)[i];
  OpenedChallenge o;
  // Issued by us, so in range; the cap only keeps the conversion defined for any input.
  o.expires = WallTime(std::chrono::seconds(static_cast<long long>(secs & 0x7fffffffffffULL)));
  std::copy(b->begin() + 8, b->begin() + kBody, o.nonce.begin());
  return o;
}

}  // namespace wl::coordinator
