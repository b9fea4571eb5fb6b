#include "wirelink/trust/acceptance.hpp"

#include "wirelink/base/enum_names.hpp"

namespace wl::trust {

std::string_view to_string(Verdict v) {
  static constexpr std::array<std::string_view, 5> kNames = {
      "accept", "untrusted", "unknown_subject", "routes_into_tunnel", "self_grant"};
  return enum_name<Verdict::self_grant>(v, kNames);
}

Level required_level(FactKind kind) {
  switch (kind) {
    case FactKind::alive:
      return Level::untrusted;
    case FactKind::endpoint:
      return Level::endpoint;
    case FactKind::allowed_ip:
      return Level::allowedips;
    case FactKind::membership:
      return Level::membership;
    // A token proves itself (coordinator signature); relaying one needs only a known peer.
    case FactKind::token:
      return Level::endpoint;
    case FactKind::grant:
      return Level::delegate;
  }
  return Level::delegate;
}

Verdict accept(const AcceptQuery& q) {
  if (q.kind == FactKind::grant && q.subject_is_source) return Verdict::self_grant;
  if (q.source_level < required_level(q.kind)) return Verdict::untrusted;
  // Facts that would make us talk to a peer we do not have need a membership-level source.
  if ((q.kind == FactKind::endpoint || q.kind == FactKind::allowed_ip) && !q.subject_known &&
      q.source_level < Level::membership)
    return Verdict::unknown_subject;
  if (q.kind == FactKind::endpoint && q.endpoint_in_tunnel) return Verdict::routes_into_tunnel;
  return Verdict::accept;
}

}  // namespace wl::trust
