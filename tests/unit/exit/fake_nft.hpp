// An Nft that records every script and can be told to fail the next apply.
#pragma once

#include <string>
#include <vector>

#include "wirelink/agent/exit/nft.hpp"

namespace wl::agent::exit::test {

class FakeNft final : public Nft {
 public:
  Result<void> apply(std::string_view script) override {
    if (fail_next) {
      fail_next = false;
      return make_error(std::errc::io_error, "nft: fake failure");
    }
    scripts.emplace_back(script);
    return {};
  }
  const std::string& last() const { return scripts.back(); }

  std::vector<std::string> scripts;
  bool fail_next = false;
};

// An owned handle on a FakeNft that outlives it (for objects that own their Nft).
class NftHandle final : public Nft {
 public:
  explicit NftHandle(FakeNft& to) : to_(to) {}
  Result<void> apply(std::string_view script) override { return to_.apply(script); }

 private:
  FakeNft& to_;
};

inline bool has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

}  // namespace wl::agent::exit::test
