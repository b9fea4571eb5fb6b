// Reading secret files (private keys, invites): the file must be a regular file not accessible
// by group or other (like `wg` warns and ssh refuses). Errors name the path and the problem.
#pragma once

#include <string>

#include "wirelink/base/keys.hpp"
#include "wirelink/base/result.hpp"

namespace wl {

// Checks mode & 077 == 0 and that the path is a regular file.
Result<void> check_secret_file_permissions(const std::string& path);
// Reads a small secret text file (at most 4 KiB) after the permission check, checked on the
// opened file itself; surrounding whitespace is dropped and the read buffer wiped.
Result<std::string> read_secret_text_file(const std::string& path);
// Reads a base64 private key (surrounding whitespace allowed) after the permission check.
Result<PrivateKey> read_private_key_file(const std::string& path);

}  // namespace wl
