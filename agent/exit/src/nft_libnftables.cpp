// Nft through libnftables: one context per agent, output and errors captured in buffers so a
// failure's message reaches the agent's log instead of stderr.
#include <nftables/libnftables.h>

#include <string>

#include "wirelink/agent/exit/nft.hpp"

namespace wl::agent::exit {

namespace {

class LibNftables final : public Nft {
 public:
  LibNftables() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
    if (ctx_ == nullptr) return;
    (void)nft_ctx_buffer_output(ctx_);
    (void)nft_ctx_buffer_error(ctx_);
  }
  ~LibNftables() override {
    if (ctx_ != nullptr) nft_ctx_free(ctx_);
  }
  LibNftables(const LibNftables&) = delete;
  LibNftables& operator=(const LibNftables&) = delete;

  Result<void> apply(std::string_view script) override {
    if (ctx_ == nullptr) return make_error(std::errc::not_enough_memory, "nft: no context");
    const std::string text(script);  // libnftables wants a NUL-terminated buffer
    if (nft_run_cmd_from_buffer(ctx_, text.c_str()) == 0) return {};
    const char* err = nft_ctx_get_error_buffer(ctx_);
    std::string msg = err != nullptr ? err : "";
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return make_error(std::errc::io_error, "nft: " + msg);
  }

 private:
  nft_ctx* ctx_;
};

}  // namespace

std::unique_ptr<Nft> make_libnftables() {
  return std::make_unique<LibNftables>();
}

}  // namespace wl::agent::exit
