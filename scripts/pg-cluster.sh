#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: trust authentication on
# 127.0.0.1 and a free port, its files in a temporary folder. Two roles log
# in with a password over TCP: ectoplasm_scram (scram-sha-256) and
# ectoplasm_md5 (md5), both with the password "p@ss w:rd".
#
#   scripts/pg-cluster.sh start        initdb + start (installs Debian's postgresql
#                                      with apt-get when initdb/pg_ctl are missing);
#                                      prints the seconds it took
#   scripts/pg-cluster.sh url [DB] [scram|md5]
#                                      postgres://postgres@127.0.0.1:PORT/DB, or the
#                                      URL of the SCRAM or MD5 role with its password
#   scripts/pg-cluster.sh createdb DB  a fresh database DB (dropped first if it exists)
#   scripts/pg-cluster.sh stop         stops the server and removes its files
#
# The cluster's folder is $ECTOPLASM_PG_DIR (default: one per checkout under /tmp).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${ECTOPLASM_PG_DIR:-/tmp/ectoplasm-pg-$(printf '%s' "$root" | cksum | cut -d' ' -f1)}

bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return 0; fi
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then dirname "$(command -v initdb)"; return 0; fi
  return 1
}

# Runs a server program as the cluster's owner (PostgreSQL refuses to run as root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port() { cat "$dir/port" 2>/dev/null || { echo "pg-cluster: no cluster is running (scripts/pg-cluster.sh start)" >&2; exit 1; }; }

case ${1:-} in
  start)
    started=$(date +%s%N)
    if ! bin=$(bindir); then
      echo "pg-cluster: installing Debian's postgresql" >&2
      if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; }
      else
        sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
      fi
      bin=$(bindir) || { echo "pg-cluster: no initdb/pg_ctl after installing postgresql" >&2; exit 1; }
    fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
      useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    fi
    if [ -f "$dir/port" ]; then "$0" stop; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    free_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # password roles first: pg_hba.conf takes the first line that matches
    hba=$dir/data/pg_hba.conf
    { printf 'host all ectoplasm_scram 127.0.0.1/32 scram-sha-256\nhost all ectoplasm_md5 127.0.0.1/32 md5\n'; cat "$hba"; } >"$hba.new"
    mv "$hba.new" "$hba"
    [ "$(id -u)" = 0 ] && chown postgres "$hba"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $free_port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    echo "$free_port" >"$dir/port"
    echo "$bin" >"$dir/bin"
    "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$free_port" -U postgres -d postgres >/dev/null <<'SQL' ||
CREATE ROLE ectoplasm_scram LOGIN PASSWORD 'p@ss w:rd';
SET password_encryption = 'md5';
CREATE ROLE ectoplasm_md5 LOGIN PASSWORD 'p@ss w:rd';
SQL
      { echo "pg-cluster: cannot create the password roles" >&2; exit 1; }
    ended=$(date +%s%N)
    ms=$(((ended - started) / 1000000))
    printf 'pg-cluster: PostgreSQL %s started on 127.0.0.1:%s in %d.%03d s\n' \
      "$("$bin/postgres" --version | awk '{print $3}')" "$free_port" $((ms / 1000)) $((ms % 1000)) >&2
    ;;
  url)
    case ${3:-} in
      "") echo "postgres://postgres@127.0.0.1:$(port)/${2:-postgres}" ;;
      scram | md5) echo "postgres://ectoplasm_$3:p%40ss%20w%3Ard@127.0.0.1:$(port)/${2:-postgres}" ;;
      *) echo "pg-cluster: url takes scram or md5 as its role, not $3" >&2; exit 2 ;;
    esac
    ;;
  createdb)
    db=${2:?pg-cluster: createdb needs a database name}
    p=$(port)
    bin=$(cat "$dir/bin")
    PGOPTIONS='-c client_min_messages=warning' "$bin/dropdb" --if-exists -h 127.0.0.1 -p "$p" -U postgres "$db"
    "$bin/createdb" -h 127.0.0.1 -p "$p" -U postgres "$db"
    ;;
  stop)
    if [ -f "$dir/bin" ]; then
      as_owner "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
