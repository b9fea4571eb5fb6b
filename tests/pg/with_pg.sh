#!/bin/bash
# Runs a command against a PostgreSQL 15 of its own: initdb + pg_ctl in a temporary directory
# as an unprivileged user (the server refuses root), listening on a Unix socket only (no port
# clashes with other tests), stopped and removed afterwards whatever the command did.
# The command sees WL_TEST_PG_HOST (the socket directory) and WL_TEST_PG_USER.
# Usage: with_pg.sh COMMAND [ARGS...]
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
  echo "with_pg: PostgreSQL server binaries missing (apt-get install postgresql-15)" >&2
  exit 77
fi

dir=$(mktemp -d /tmp/wlpg-XXXXXX)
if [[ $(id -u) -eq 0 ]]; then
  user=postgres
  id "$user" >/dev/null 2>&1 || useradd --system --no-create-home wirelink-test
  id "$user" >/dev/null 2>&1 || user=wirelink-test
  chown "$user" "$dir"
  as() { runuser -u "$user" -- "$@"; }
else
  user=$(id -un)
  as() { "$@"; }
fi
chmod 755 "$dir"

stop() {
  as "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

as "$bin/initdb" -D "$dir/data" -A trust -U "$user" --no-sync >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-k $dir -c listen_addresses='' -c fsync=off -c max_connections=200" start >/dev/null ||
  { cat "$dir/server.log" >&2; exit 1; }

export WL_TEST_PG_HOST=$dir WL_TEST_PG_USER=$user WL_TEST_PG_BIN=$bin WL_TEST_PG_DATA=$dir/data
set +e
"$@"
rc=$?
set -e
exit $rc
