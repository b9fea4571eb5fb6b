# Shared by the coordinator's netns tests (sourced). The caller sets NS (its network namespace)
# and DIR (its scratch directory) before calling these.

in_ns() { ip netns exec "$NS" "$@"; }

# post PATH BODY [TOKEN] -> prints "STATUS BODY" of a POST to the server on 127.0.0.1:8787 in $NS.
post() {
  local auth=()
  [[ -n ${3:-} ]] && auth=(-H "Authorization: Bearer $3")
  in_ns curl -sS -o "$DIR/body" -w '%{http_code}' -X POST "${auth[@]}" -H 'Content-Type: application/json' \
    --data "$2" "http://127.0.0.1:8787$1"
  echo " $(cat "$DIR/body")"
}

# register PRIVATE_KEY INVITE -> "STATUS BODY" of a registration proven with PRIVATE_KEY (as
# `wg genkey` prints it): a challenge, then the proof (register_body.py).
register() {
  local ch
  ch=$(in_ns curl -fsS http://127.0.0.1:8787/api/v1/challenge) || { echo "000 no challenge"; return; }
  post /api/v1/register "$(python3 "$(dirname "${BASH_SOURCE[0]}")/register_body.py" "$1" "$2" <<<"$ch")"
}
