#include "wirelink/agent/coordinator_link_loader.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <memory>

namespace wl::agent {

namespace {

using AbiFn = const char* (*)();
using MakeFn = Result<std::unique_ptr<CoordinatorLink>>* (*)(const PublicKey&, const PrivateKey&,
                                                             const Config&, const Clock&);
struct Module {
  MakeFn make = nullptr;
};

// dlerror() text, or a fallback when the loader gave none.
std::string loader_error() {
  const char* e = ::dlerror();
  return e != nullptr ? e : "unknown loader error";
}

Result<Module> load(const std::string& path) {
  void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr)
    return make_error(std::errc::no_such_file_or_directory,
                      "coordinator support is not available: " + loader_error());
  // Never dlclose(h): the links the module makes keep running its code.
  auto abi = reinterpret_cast<AbiFn>(::dlsym(h, kCoordinatorLinkAbiSymbol));
  auto make = reinterpret_cast<MakeFn>(::dlsym(h, kCoordinatorLinkMakeSymbol));
  if (abi == nullptr || make == nullptr)
    return make_error(std::errc::invalid_argument,
                      path + " is not a wirelink coordinator module (" + loader_error() + ")");
  const std::string theirs = abi();
  if (theirs != coordinator_link_abi())
    return make_error(std::errc::invalid_argument,
                      path + " was built for another wirelink (" + theirs + "; this is " +
                          coordinator_link_abi() + "): reinstall wirelink");
  return Module{make};
}

}  // namespace

std::string default_coordinator_link_module_path() {
  std::array<char, 4096> buf{};
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  std::string exe = n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : "";
  const auto slash = exe.rfind('/');
  const std::string dir = slash == std::string::npos ? "/usr/bin" : exe.substr(0, slash);
  return dir + "/../lib/wirelink/coordinator-link.so";
}

CoordinatorFactory coordinator_link_factory(std::string path) {
  auto make = std::make_shared<MakeFn>(nullptr);  // set once the module loaded
  return [path = std::move(path), make](
             const PublicKey& self, const PrivateKey& own, const Config& cfg,
             const Clock& clock) -> Result<std::unique_ptr<CoordinatorLink>> {
    if (*make == nullptr) {  // a failed load is retried on the next call (after SIGHUP)
      auto mod = load(path);
      if (!mod) return mod.error();
      *make = mod->make;
    }
    std::unique_ptr<Result<std::unique_ptr<CoordinatorLink>>> r((*make)(self, own, cfg, clock));
    return std::move(*r);
  };
}

}  // namespace wl::agent
