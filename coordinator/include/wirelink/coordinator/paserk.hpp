// PASERK k4 key serialisation and key ids (k4.local, k4.public, k4.secret, k4.lid/pid/sid).
//
// Contract: pure, thread-safe, strict. Parsers reject any other version or type prefix, wrong
// lengths and non-canonical base64url. IDs are h || b64url(BLAKE2b-264(h || paserk)).
// Errors: wl::errc::invalid_key with a detail naming what was wrong.
#pragma once

#include <string>
#include <string_view>

#include "wirelink/base/result.hpp"
#include "wirelink/coordinator/paseto.hpp"

namespace wl::coordinator::paserk {

std::string to_local(const paseto::V4LocalKey& k);
std::string to_public(const paseto::V4PublicKey& k);
std::string to_secret(const paseto::V4SecretKey& k);

Result<paseto::V4LocalKey> parse_local(std::string_view s);
Result<paseto::V4PublicKey> parse_public(std::string_view s);
Result<paseto::V4SecretKey> parse_secret(std::string_view s);

std::string lid(const paseto::V4LocalKey& k);
std::string pid(const paseto::V4PublicKey& k);
std::string sid(const paseto::V4SecretKey& k);

}  // namespace wl::coordinator::paserk
