// KeyRing: the coordinator public keys a verifier trusts, indexed by PASERK k4.pid.
//
// Contract: value type, thread-compatible. A coordinator rotates its signing key by adding a
// new key; the old public key stays in the ring until every token it signed has expired, so
// verifiers pick the key by the token footer's kid. Parsing errors: wl::errc::invalid_key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wirelink/base/result.hpp"
#include "wirelink/coordinator/paseto.hpp"

namespace wl::coordinator {

struct RingKey {
  std::string pid;  // k4.pid.…
  paseto::V4PublicKey key;
};

class KeyRing {
 public:
  void add(const paseto::V4PublicKey& k);
  // One or more k4.public PASERKs separated by commas or whitespace.
  static Result<KeyRing> parse(std::string_view paserks);
  const paseto::V4PublicKey* find(std::string_view pid) const;
  bool empty() const { return keys_.empty(); }
  const std::vector<RingKey>& keys() const { return keys_; }

 private:
  std::vector<RingKey> keys_;
};

// The active signing key and its id.
struct SigningKey {
  paseto::V4SecretKey secret;
  std::string pid;
  static SigningKey from(paseto::V4SecretKey k);
};

}  // namespace wl::coordinator
