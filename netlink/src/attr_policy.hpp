// Attribute policies: what one nesting level of a netlink family accepts, written once as a
// table that every decoder of that level walks (the kernel's nla_policy, plus where each
// decoder stores a value).
//
// Contract: pure, header-only, private to wl_netlink. A rule has one setter per decoder
// (target type); a null setter means that decoder does not read the attribute, so it is
// neither checked nor stored there. Types without a rule are ignored, and the last attribute
// of a type wins, as index_attrs does. Required attributes are checked first, then the rules
// run in table order: each present attribute's shape (exact length for the integers and
// fixed-size binaries) is checked, then its setter runs. The first failure is returned as a
// Problem, which the decoder turns into its own error kind.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "wirelink/netlink/codec.hpp"

namespace wl::netlink::policy {

// Why a level was rejected; nothing = accepted.
using Problem = std::optional<std::string>;

enum class Kind : std::uint8_t { u8, u16, u32, u64, binary, string, nested };

struct Shape {
  Kind kind = Kind::binary;
  std::uint16_t len = 0;  // binary: exact payload length, 0 = any length
};
inline constexpr Shape kU8{Kind::u8}, kU16{Kind::u16}, kU32{Kind::u32}, kU64{Kind::u64},
    kString{Kind::string}, kNested{Kind::nested}, kAnyBinary{Kind::binary};
constexpr Shape exact(std::uint16_t len) {
  return {Kind::binary, len};
}

// Strings may lack their NUL (Attr::str() stops at the end) and nests are checked by the
// level they hold, so only the fixed sizes are checked here.
inline bool fits(Shape s, const Attr& a) {
  switch (s.kind) {
    case Kind::u8:
      return a.data.size() == 1;
    case Kind::u16:
      return a.data.size() == 2;
    case Kind::u32:
      return a.data.size() == 4;
    case Kind::u64:
      return a.data.size() == 8;
    case Kind::binary:
      return s.len == 0 || a.data.size() == s.len;
    case Kind::string:
    case Kind::nested:
      return true;
  }
  return false;
}

// The shape of an attribute stored in a field of type T: a string, or an integer of T's size.
template <class T>
constexpr Shape value_shape() {
  if constexpr (std::is_same_v<T, std::string>) {
    return kString;
  } else {
    static_assert(std::is_unsigned_v<T> && sizeof(T) <= 8);
    if constexpr (sizeof(T) == 1) return kU8;
    if constexpr (sizeof(T) == 2) return kU16;
    if constexpr (sizeof(T) == 4) return kU32;
    return kU64;
  }
}
// The value of an attribute whose shape is value_shape<T>() (apply() checked it).
template <class T>
T value_of(const Attr& a) {
  if constexpr (std::is_same_v<T, std::string>) {
    return std::string(a.str());
  } else {
    T v;
    std::memcpy(&v, a.data.data(), sizeof v);
    return v;
  }
}

template <class Target>
using Setter = Problem (*)(Target&, const Attr&);

template <class... Targets>
struct Rule {
  std::uint16_t type = 0;
  Shape shape;
  const char* name = "";  // in problems: "<name> size", "<name> missing"
  bool required = false;
  std::tuple<Setter<Targets>...> set;  // one per decoder, in the order of Targets
};

// --- field rules: the shape follows the type of the fields the decoders store into ---

template <class>
struct FieldOf;
template <class C, class T>
struct FieldOf<T C::*> {
  using Class = C;
  using Value = T;
};
template <class T>
struct Unwrapped {
  using type = T;
};
template <class T>
struct Unwrapped<std::optional<T>> {
  using type = T;
};
// The value type a field (T or std::optional<T>) holds.
template <auto Field>
using ValueOf = typename Unwrapped<typename FieldOf<decltype(Field)>::Value>::type;

// Copies the attribute into Field of the object the target holds for Field's class: a target
// provides `template <class C> C& in()`.
template <class Target, auto Field>
Problem store_field(Target& target, const Attr& a) {
  target.template in<typename FieldOf<decltype(Field)>::Class>().*Field =
      value_of<ValueOf<Field>>(a);
  return std::nullopt;
}
template <class Target, auto Field>
constexpr Setter<Target> field_setter() {
  if constexpr (std::is_null_pointer_v<decltype(Field)>)
    return nullptr;
  else
    return store_field<Target, Field>;
}
template <auto Field, auto... Rest>
constexpr Shape first_field_shape() {
  if constexpr (std::is_null_pointer_v<decltype(Field)>)
    return first_field_shape<Rest...>();
  else
    return value_shape<ValueOf<Field>>();
}
template <class R>
struct FieldRule;
template <class... Targets>
struct FieldRule<Rule<Targets...>> {
  template <auto... Fields>
  static constexpr Rule<Targets...> make(std::uint16_t type, const char* name, bool required) {
    static_assert(sizeof...(Fields) == sizeof...(Targets), "one field per decoder");
    return {
        type, first_field_shape<Fields...>(), name, required, {field_setter<Targets, Fields>()...}};
  }
};

// A rule for an attribute each decoder copies into a field as it is. Fields, one per target
// of R (nullptr: that decoder skips the attribute), hold the same type: an unsigned integer,
// whose size is the attribute's exact length, or a string.
template <class R, auto... Fields>
constexpr R field(std::uint16_t type, const char* name, bool required = false) {
  return FieldRule<R>::template make<Fields...>(type, name, required);
}

// Attribute types a table may name: the index below has this many slots.
inline constexpr std::size_t kMaxRuleType = 31;

template <std::size_t N, class... Ts>
constexpr bool types_fit(const std::array<Rule<Ts...>, N>& rules) {
  for (const auto& r : rules)
    if (r.type > kMaxRuleType) return false;
  return true;
}

// Decodes one level (`attrs` holds its attributes) into `target` with Target's setters.
template <class Target, std::size_t N, class... Ts>
Problem apply(std::string_view level, const std::array<Rule<Ts...>, N>& rules,
              std::span<const std::uint8_t> attrs, Target& target) {
  std::optional<Attr> t[kMaxRuleType + 1];
  if (!index_attrs(attrs, t)) return "bad " + std::string(level) + " attribute lengths";
  for (const auto& r : rules)
    if (r.required && !t[r.type]) return std::string(r.name) + " missing";
  for (const auto& r : rules) {
    const Setter<Target> set = std::get<Setter<Target>>(r.set);
    if (!set || !t[r.type]) continue;
    if (!fits(r.shape, *t[r.type])) return std::string(r.name) + " size";
    if (Problem p = set(target, *t[r.type])) return p;
  }
  return std::nullopt;
}

// Runs `each` on every member of a nested list (members' types are ignored, as the kernel
// does); a member length that does not fit stops the walk with a problem.
template <class Each>
Problem for_each_member(std::string_view level, const Attr& list, Each&& each) {
  AttrReader r(list.data);
  Attr member;
  while (r.next(member))
    if (Problem p = each(member)) return p;
  if (r.malformed()) return "bad " + std::string(level) + " list lengths";
  return std::nullopt;
}

}  // namespace wl::netlink::policy
