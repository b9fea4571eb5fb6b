// Coordinator link loader: the libcurl coordinator session is built as a separate module,
// <prefix>/lib/wirelink/coordinator-link.so, that the agent loads only when CoordinatorURL is
// set. An agent without a coordinator therefore never maps libcurl and what it pulls in (TLS,
// GSSAPI, LDAP, SSH: about 4 MiB resident), which keeps the agent inside its memory budget.
//
// Contract: the factory is called from the agent's loop thread. The first call dlopen()s the
// module (RTLD_NOW | RTLD_LOCAL) and keeps it loaded for the life of the process, since the links
// it makes run code from it until the agent exits. The module must come from the same wirelink
// build: its ABI tag (version, compiler, layout of the types that cross the boundary) is compared
// before anything else is called. Every failure is an Error naming the path and the reason; the
// agent logs it and runs without a coordinator.
#pragma once

#include <string>

#include "wirelink/agent/coordinator_link.hpp"
#include "wirelink/base/version.hpp"

namespace wl::agent {

// <directory of /proc/self/exe>/../lib/wirelink/coordinator-link.so: /usr/bin/wirelink finds
// /usr/lib/wirelink/, and build/bin/wirelink finds build/lib/wirelink/.
std::string default_coordinator_link_module_path();

// A CoordinatorFactory that loads the module at `path` on first use.
CoordinatorFactory coordinator_link_factory(std::string path);

// The tag both sides compute (inline, so each side compiles its own view); equal tags mean the
// module was built with this agent.
inline std::string coordinator_link_abi() {
  return std::string("wirelink ") + kVersion + " gcc " + __VERSION__ + " sizes " +
         std::to_string(sizeof(Config)) + "/" + std::to_string(sizeof(CoordinatorInfo)) + "/" +
         std::to_string(sizeof(PublicKey)) + "/" + std::to_string(sizeof(PrivateKey)) + "/" +
         std::to_string(sizeof(Result<std::unique_ptr<CoordinatorLink>>));
}

// Names of the module's two entry points (extern "C", see coordinator_link_module.cpp). v2: make
// takes the device's private key (registration proof).
inline constexpr const char* kCoordinatorLinkAbiSymbol = "wl_coordinator_link_abi_v2";
inline constexpr const char* kCoordinatorLinkMakeSymbol = "wl_coordinator_link_make_v2";

}  // namespace wl::agent
