// The one seam to nf_tables: a batch of nft commands applied atomically.
//
// Contract: apply() hands the whole script to the kernel as one transaction: either every
// command takes effect or none does (libnftables batches a buffer). The script is nft's own
// command language, built by exit_rules.hpp; nothing else in the agent writes nft text.
// Errors: std::errc::io_error with nft's message. A fake records the scripts for unit tests.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "wirelink/base/result.hpp"

namespace wl::agent::exit {

class Nft {
 public:
  virtual ~Nft() = default;
  virtual Result<void> apply(std::string_view script) = 0;
};

// The kernel through libnftables (no `nft` process is run).
std::unique_ptr<Nft> make_libnftables();

}  // namespace wl::agent::exit
