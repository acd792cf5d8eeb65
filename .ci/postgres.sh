# Source me: start_throwaway_postgres starts a PostgreSQL cluster in a temp dir on a free
# loopback port, exports DTI_PG_URL, and stops and deletes it when the shell exits.
# initdb refuses root, so as root the cluster runs as the postgres user.
start_throwaway_postgres() {
  local pgbin
  pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$pgbin" ]; then
    echo "postgres: server binaries not found; installing postgresql" >&2
    apt-get update -q >/dev/null && apt-get install -y -q postgresql >/dev/null
    pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  PG_TMP="$(mktemp -d /tmp/dti-pg.XXXXXX)"
  PG_BIN="$pgbin"
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_TMP"
  _as_pg "'$PG_BIN/initdb' -D '$PG_TMP/data' -A trust -U postgres -E UTF8 --no-locale >'$PG_TMP/initdb.log'"
  _as_pg "'$PG_BIN/pg_ctl' -D '$PG_TMP/data' -l '$PG_TMP/server.log' -w \
    -o \"-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off\" start >/dev/null"
  trap stop_throwaway_postgres EXIT
  _as_pg "'$PG_BIN/createdb' -h 127.0.0.1 -p $port -U postgres dti"
  export DTI_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/dti"
}

_as_pg() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

stop_throwaway_postgres() {
  _as_pg "'$PG_BIN/pg_ctl' -D '$PG_TMP/data' -m fast stop >/dev/null" || true
  rm -rf "$PG_TMP"
}
