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
