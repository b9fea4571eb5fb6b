# Sourced by the .deb tests: `deb_runtime_packages <deb>` prints the package's Depends as real
# package names, comma-separated (version constraints dropped; bookworm satisfies them).
# debootstrap needs real package names: a virtual one (libspdlog1.10-fmt9) becomes the installed
# package that provides it.
real_name() {
  if dpkg-query -W -f '${Package}\n' | grep -qx "$1"; then echo "$1"; return; fi
  local r
  r=$(dpkg-query -W -f '${Package} ${Provides}\n' | awk -v v="$1" '{ for (i = 2; i <= NF; i++) { p = $i; sub(/,$/, "", p); if (p == v) { print $1; exit } } }')
  echo "${r:-$1}"
}
deb_runtime_packages() {
  local d
  for d in $(dpkg-deb -f "$1" Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/ //g' | grep -v '^$'); do
    real_name "$d"; done | sort -u | paste -sd, -
}
