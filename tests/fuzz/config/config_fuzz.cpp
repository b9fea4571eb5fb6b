// Fuzz harness: arbitrary bytes as the configuration file. The loader must return a value or
// a located error, never crash. Run longer with the `fuzz` preset:
//   cmake --preset fuzz && cmake --build --preset fuzz --target config_fuzz
//   out/fuzz/fuzz/config_fuzz -max_total_time=600 tests/fuzz/config/corpus
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "wirelink/agent/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/wl-config-fuzz-XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    return std::string(d != nullptr ? d : "/tmp");
  }();
  const std::string path = dir + "/wirelink.wg0.json";
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    if (size > 0) std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  wl::agent::ConfigInputs in;
  in.env["WIRELINK_CONFIG_PATH"] = dir;
  auto r = wl::agent::load_config(in);
  if (r) {
    (void)wl::agent::dump_config_json(*r);
  } else if (r.error().detail.empty()) {
    std::abort();  // every error must say where and why
  }
  return 0;
}
