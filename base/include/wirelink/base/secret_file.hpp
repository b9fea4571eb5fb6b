// Reading secret files (private keys, invites): the file must be a regular file not accessible
// by group or other (like `wg` warns and ssh refuses). Errors name the path and the problem.
#pragma once

#include <string>

#include "wirelink/base/keys.hpp"
#include "wirelink/base/result.hpp"

namespace wl {

// Checks mode & 077 == 0 and that the path is a regular file.
Result<void> check_secret_file_permissions(const std::string& path);
// Reads a base64 private key (surrounding whitespace allowed) after the permission check.
Result<PrivateKey> read_private_key_file(const std::string& path);

}  // namespace wl
