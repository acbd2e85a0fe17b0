#!/usr/bin/env bash
# A private PostgreSQL server for Tributary's tests — no Docker, Debian's own PostgreSQL packages.
#
#   bash scripts/pg.sh up       initdb once, start the server, wait until it answers, create tributary_test; print the exports
#   bash scripts/pg.sh down     stop it (idempotent; the data is kept)
#   bash scripts/pg.sh status   what runs where; exit 0 only when it answers on 127.0.0.1
#   bash scripts/pg.sh env      print the export lines (TRIBUTARY_PG_URL, TRIBUTARY_PG_HOST, ...)
#   bash scripts/pg.sh psql [ARGS...]   psql as tributary_admin against tributary_test
#
# Needs the Debian packages `postgresql` (server binaries under /usr/lib/postgresql/<ver>/bin; the newest
# installed version is used). The cluster lives outside the repo in
# ${TRIBUTARY_PG_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tributary-pg}; it listens on 127.0.0.1 only.
# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` system user.
# Overrides (defaults unchanged): TRIBUTARY_PG_DIR, TRIBUTARY_PG_PORT, TRIBUTARY_PG_WAL_LEVEL (logical | replica;
# e.g. a throwaway second cluster with wal_level=replica for the CDC error tests; applied when the server starts).
# See docs/local-stack.md ("PostgreSQL for tests").
set -euo pipefail

# ---------------------------------------------------------------------------------------------- settings
BIND_HOST=127.0.0.1
PG_PORT="${TRIBUTARY_PG_PORT:-55432}"
PG_ADMIN=tributary_admin
PG_DATABASE=tributary_test
START_TIMEOUT="${TRIBUTARY_PG_TIMEOUT:-60}"      # seconds, for pg_ctl start -w and the readiness check
WAL_LEVEL="${TRIBUTARY_PG_WAL_LEVEL:-logical}"    # logical: CDC; replica: to test what CDC says without it
PG_LIB=/usr/lib/postgresql
OS_OWNER=postgres                                 # the system user that runs the server when we are root

# ---------------------------------------------------------------------------------------------- helpers
LOG_PREFIX='[pg]'
TOOLS_HINT='util-linux coreutils procps'
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
[[ "$WAL_LEVEL" == logical || "$WAL_LEVEL" == replica ]] || die "TRIBUTARY_PG_WAL_LEVEL must be 'logical' or 'replica', not '$WAL_LEVEL'"
is_root() { [[ "$(id -u)" == 0 ]]; }

port_in_use() { (exec 3<>"/dev/tcp/$BIND_HOST/$1") 2>/dev/null; }

# Run a command as the OS user that owns the cluster: `postgres` when we are root, else ourselves.
# From / (the postgres user may not be allowed into the caller's working directory), without our lock fd.
as_owner() {
  if is_root; then
    if command -v runuser >/dev/null 2>&1; then
      (cd / && exec runuser -u "$OS_OWNER" -- "$@" 9>&-)
    else
      (cd / && exec su "$OS_OWNER" -s /bin/sh -c "$(printf '%q ' "$@")" 9>&-)
    fi
  else
    (cd / && exec "$@" 9>&-)
  fi
}

# The cluster directory. As root the server runs as `postgres`, which must be able to reach the directory.
# root's home is usually 0700, so when TRIBUTARY_PG_DIR is not set and `postgres` cannot get into the default
# location, fall back to a directory under the postgres user's home (Debian: /var/lib/postgresql) rather than
# loosening the permissions of root's home.
nearest_existing() { local d="$1"; while [[ ! -e "$d" ]]; do d="$(dirname "$d")"; done; printf '%s\n' "$d"; }
owner_can_reach() { as_owner test -x "$1" 2>/dev/null; }

PG_DIR_FALLBACK=""
resolve_dir() {
  if [[ -n "${TRIBUTARY_PG_DIR:-}" ]]; then PG_DIR="$TRIBUTARY_PG_DIR"; return 0; fi
  PG_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/tributary-pg"
  if is_root && id -u "$OS_OWNER" >/dev/null 2>&1 && ! owner_can_reach "$(nearest_existing "$(dirname "$PG_DIR")")"; then
    local home; home="$(getent passwd "$OS_OWNER" | cut -d: -f6)"
    [[ -n "$home" && -d "$home" ]] || home=/var/lib/postgresql
    PG_DIR_FALLBACK="$(dirname "$PG_DIR") is not reachable for user '$OS_OWNER'"
    PG_DIR="$home/tributary-pg"
  fi
}
resolve_dir
case "$PG_DIR" in /*) ;; *) PG_DIR="$PWD/$PG_DIR" ;; esac

DATA_DIR="$PG_DIR/data"
LOG_DIR="$PG_DIR/logs"
SOCKET_DIR="$PG_DIR/socket"
PG_LOG="$LOG_DIR/postgres.log"
PASSWORD_FILE="$PG_DIR/admin-password"   # 0600, owned by the cluster's OS user
CONF_FILE="$DATA_DIR/tributary.conf"     # our settings, included at the end of postgresql.conf
LOCK_FILE="$PG_DIR/.pg.lock"

# Newest installed server version, or the version of an existing cluster (its binaries must be installed).
pg_version() {
  if [[ -s "$DATA_DIR/PG_VERSION" ]]; then
    tr -dc '0-9' <"$DATA_DIR/PG_VERSION"
  else
    local p v=""
    for p in "$PG_LIB"/*/bin/postgres; do [[ -x "$p" ]] && v="$(basename "$(dirname "$(dirname "$p")")")"$'\n'"$v"; done
    printf '%s' "$v" | sort -V | tail -1
  fi
}

find_bin() {
  local v; v="$(pg_version)"
  [[ -n "$v" ]] || die "no PostgreSQL server binaries in $PG_LIB/*/bin (Debian: apt-get install -y postgresql)"
  BIN="$PG_LIB/$v/bin"
  [[ -x "$BIN/postgres" && -x "$BIN/pg_ctl" && -x "$BIN/initdb" ]] || {
    if [[ -s "$DATA_DIR/PG_VERSION" ]]; then
      die "the cluster in $DATA_DIR was created by PostgreSQL $v, whose server binaries are not installed (Debian: apt-get install -y postgresql-$v; or delete $PG_DIR to start over)"
    fi
    die "incomplete PostgreSQL $v installation in $BIN (Debian: apt-get install -y postgresql)"
  }
  PG_VER="$v"
}

# psql from the server's version if there, else whatever is on PATH.
psql_bin() { if [[ -n "${BIN:-}" && -x "$BIN/psql" ]]; then printf '%s\n' "$BIN/psql"; else command -v psql || die "psql not found (Debian: apt-get install -y postgresql-client)"; fi; }
pg_isready_bin() { if [[ -n "${BIN:-}" && -x "$BIN/pg_isready" ]]; then printf '%s\n' "$BIN/pg_isready"; else command -v pg_isready || die "pg_isready not found (Debian: apt-get install -y postgresql-client)"; fi; }

read_password() {
  [[ -s "$PASSWORD_FILE" ]] || return 1
  PG_PASSWORD="$(tr -d '\n' <"$PASSWORD_FILE")"
  # It goes into a URL unescaped: generated passwords are hex; refuse anything else.
  [[ "$PG_PASSWORD" =~ ^[A-Za-z0-9._~-]+$ ]] || die "the password in $PASSWORD_FILE has characters that are not URL-safe (delete the file and run 'up' to generate a new one)"
}

new_password() {
  local pw tmp="$PASSWORD_FILE.tmp.$$"
  pw="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
  [[ ${#pw} == 48 ]] || die "could not generate a password from /dev/urandom"
  (umask 077 && printf '%s\n' "$pw" >"$tmp")
  if is_root; then chown "$OS_OWNER:" "$tmp"; fi
  chmod 0600 "$tmp"
  mv -f "$tmp" "$PASSWORD_FILE"
}

# pid of the running postmaster of this cluster (first line of postmaster.pid, checked against /proc).
server_pid() {
  local pid
  [[ -s "$DATA_DIR/postmaster.pid" ]] || return 1
  pid="$(head -1 "$DATA_DIR/postmaster.pid" 2>/dev/null | tr -dc '0-9')"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qE '(postgres|postmaster)' || return 1
  printf '%s\n' "$pid"
}

# Accepting TCP connections on 127.0.0.1:PORT?
tcp_ready() { "$(pg_isready_bin)" -q -h "$BIND_HOST" -p "$PG_PORT" -d postgres -t 3 >/dev/null 2>&1; }

# psql over the Unix socket (trust; for setup), and over TCP with the password (what clients use).
socket_psql() { "$(psql_bin)" -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -p "$PG_PORT" -U "$PG_ADMIN" "$@"; }
tcp_psql() {
  read_password || die "no password file $PASSWORD_FILE (run: bash scripts/pg.sh up)"
  PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=5 "$(psql_bin)" -h "$BIND_HOST" -p "$PG_PORT" -U "$PG_ADMIN" "$@"
}

# Up and answering a query with the password over TCP.
answering() { tcp_ready && [[ "$(tcp_psql -X -At -d "$PG_DATABASE" -c 'SELECT 1' 2>/dev/null)" == 1 ]]; }

# ---------------------------------------------------------------------------------------------- cluster
prepare_dir() {
  if is_root; then
    id -u "$OS_OWNER" >/dev/null 2>&1 || die "running as root, but there is no '$OS_OWNER' system user to run PostgreSQL as (Debian: apt-get install -y postgresql creates it)"
    (umask 022 && mkdir -p "$(dirname "$PG_DIR")")
  fi
  mkdir -p "$PG_DIR"
  if is_root; then
    owner_can_reach "$(dirname "$PG_DIR")" || die "user '$OS_OWNER' cannot reach $(dirname "$PG_DIR") (a parent directory is not searchable by it); set TRIBUTARY_PG_DIR to a directory it can reach"
    if [[ -e "$DATA_DIR" && "$(stat -c %U "$DATA_DIR")" != "$OS_OWNER" ]]; then
      die "$DATA_DIR belongs to $(stat -c %U "$DATA_DIR"), not to '$OS_OWNER'; run as $(stat -c %U "$DATA_DIR") or set TRIBUTARY_PG_DIR"
    fi
    chown "$OS_OWNER:" "$PG_DIR"
  elif [[ "$(stat -c %u "$PG_DIR")" != "$(id -u)" ]]; then
    die "$PG_DIR belongs to $(stat -c %U "$PG_DIR"), not to $(id -un); run as that user (or as root if it is '$OS_OWNER') or set TRIBUTARY_PG_DIR"
  fi
  # 0700: the Unix socket (trust authentication) is only reachable for the owner (and root).
  chmod 0700 "$PG_DIR"
  as_owner mkdir -p "$LOG_DIR" "$SOCKET_DIR"
  as_owner chmod 0700 "$LOG_DIR" "$SOCKET_DIR"
  # The Unix socket path must fit into sockaddr_un (107 bytes).
  local sock="$SOCKET_DIR/.s.PGSQL.$PG_PORT"
  (( ${#sock} <= 107 )) || die "socket path $sock is longer than 107 bytes; set TRIBUTARY_PG_DIR to a shorter path"
}

init_cluster() {
  if [[ -s "$DATA_DIR/PG_VERSION" ]]; then return 0; fi
  if [[ -d "$DATA_DIR" ]] && [[ -n "$(ls -A "$DATA_DIR" 2>/dev/null)" ]]; then
    die "$DATA_DIR is not empty but holds no cluster (no PG_VERSION); delete it to run initdb again"
  fi
  new_password
  local locale=(--no-locale)
  if locale -a 2>/dev/null | grep -qixE 'c\.utf-?8'; then locale=(--locale=C.UTF-8); fi
  say "initdb: new PostgreSQL $PG_VER cluster in $DATA_DIR (UTF8, ${locale[*]#--}, superuser $PG_ADMIN; log: $LOG_DIR/initdb.log)"
  if ! as_owner "$BIN/initdb" -D "$DATA_DIR" -U "$PG_ADMIN" --pwfile="$PASSWORD_FILE" -E UTF8 "${locale[@]}" \
      --auth-local=trust --auth-host=scram-sha-256 >"$LOG_DIR/initdb.log" 2>&1; then
    show_log_tail "$LOG_DIR/initdb.log" 30
    die "initdb failed; see $LOG_DIR/initdb.log"
  fi
}

# Our settings and pg_hba.conf, written again on every start (so a changed TRIBUTARY_PG_PORT takes effect).
write_config() {
  local tmp="$PG_DIR/.config.tmp.$$"
  cat >"$tmp" <<EOF
# Written by scripts/pg.sh on every start; change the script, not this file.
listen_addresses = '$BIND_HOST'          # loopback only
port = $PG_PORT
unix_socket_directories = '$SOCKET_DIR'
max_connections = 200
shared_buffers = 256MB
# Logical decoding and replication connections (CDC tests); TRIBUTARY_PG_WAL_LEVEL=replica turns decoding off.
wal_level = $WAL_LEVEL
max_replication_slots = 20
max_wal_senders = 20
# TEST SERVER ONLY: no durability. A crash (of the machine, not of a backend) can corrupt the cluster;
# delete the data directory then. Never copy these three settings to a real server.
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = scram-sha-256
EOF
  as_owner tee "$CONF_FILE" <"$tmp" >/dev/null
  cat >"$tmp" <<EOF
# Written by scripts/pg.sh on every start; change the script, not this file.
# TYPE  DATABASE     USER  ADDRESS        METHOD
# Unix socket: trust. The socket directory is 0700, so only the cluster's OS user (and root) can use it.
local   all          all                  trust
local   replication  all                  trust
# TCP: 127.0.0.1 only (listen_addresses), with the password.
host    all          all   127.0.0.1/32   scram-sha-256
host    replication  all   127.0.0.1/32   scram-sha-256
EOF
  as_owner tee "$DATA_DIR/pg_hba.conf" <"$tmp" >/dev/null
  rm -f "$tmp"
  if ! grep -qF "include 'tributary.conf'" "$DATA_DIR/postgresql.conf"; then
    printf "\n# Tributary test settings (scripts/pg.sh); later settings win.\ninclude 'tributary.conf'\n" \
      | as_owner tee -a "$DATA_DIR/postgresql.conf" >/dev/null
  fi
}

start_server() {
  ! port_in_use "$PG_PORT" || die "port $PG_PORT on $BIND_HOST is already in use (set TRIBUTARY_PG_PORT)"
  write_config
  say "starting PostgreSQL $PG_VER on $BIND_HOST:$PG_PORT (data: $DATA_DIR; log: $PG_LOG)"
  if ! as_owner "$BIN/pg_ctl" start -D "$DATA_DIR" -l "$PG_LOG" -w -t "$START_TIMEOUT" -s </dev/null >&2; then
    show_log_tail "$PG_LOG" 30
    die "PostgreSQL did not start; see $PG_LOG"
  fi
  STARTED_HERE=1
}

wait_ready() {
  local start; start="$(now)"
  until tcp_ready; do
    if ! server_pid >/dev/null; then show_log_tail "$PG_LOG" 30; die "PostgreSQL exited during start-up; see $PG_LOG"; fi
    if (( $(now) - start >= START_TIMEOUT )); then
      show_log_tail "$PG_LOG" 30
      die "PostgreSQL not accepting connections on $BIND_HOST:$PG_PORT within ${START_TIMEOUT}s (pg_isready); see $PG_LOG"
    fi
    sleep 0.2
  done
}

# A cluster whose password file was lost gets a new password (over the trusted socket).
ensure_password() {
  [[ -s "$PASSWORD_FILE" ]] && return 0
  say "no password file; setting a new password for $PG_ADMIN"
  new_password; read_password
  # log_min_error_statement=panic: the statement (with the password) never goes into the server log.
  socket_psql -d postgres -c "SET log_min_error_statement = panic" -c "ALTER ROLE $PG_ADMIN PASSWORD '$PG_PASSWORD'" >/dev/null \
    || die "could not set the password of $PG_ADMIN"
}

ensure_database() {
  local exists
  exists="$(socket_psql -d postgres -At -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'")" \
    || die "cannot query PostgreSQL over its socket in $SOCKET_DIR; see $PG_LOG"
  if [[ "$exists" != 1 ]]; then
    socket_psql -d postgres -c "CREATE DATABASE $PG_DATABASE OWNER $PG_ADMIN" >/dev/null || die "CREATE DATABASE $PG_DATABASE failed; see $PG_LOG"
    say "created database $PG_DATABASE (owner $PG_ADMIN)"
  fi
}

stop_server() {
  local pid
  if ! pid="$(server_pid)"; then say "PostgreSQL not running"; return 0; fi
  find_bin
  say "stopping PostgreSQL (pid $pid)"
  if ! as_owner "$BIN/pg_ctl" stop -D "$DATA_DIR" -m fast -w -t 60 -s >&2; then
    say "fast shutdown did not finish within 60s; immediate shutdown"
    as_owner "$BIN/pg_ctl" stop -D "$DATA_DIR" -m immediate -w -t 30 -s >&2 || die "could not stop PostgreSQL (pid $pid); see $PG_LOG"
  fi
}

# ---------------------------------------------------------------------------------------------- commands
print_env() {
  read_password || die "no password file $PASSWORD_FILE: the cluster was never initialised (run: bash scripts/pg.sh up)"
  cat <<EOF
export TRIBUTARY_PG_URL=postgresql://$PG_ADMIN:$PG_PASSWORD@$BIND_HOST:$PG_PORT/$PG_DATABASE
export TRIBUTARY_PG_HOST=$BIND_HOST
export TRIBUTARY_PG_PORT=$PG_PORT
export TRIBUTARY_PG_USER=$PG_ADMIN
export TRIBUTARY_PG_PASSWORD=$PG_PASSWORD
export TRIBUTARY_PG_DATABASE=$PG_DATABASE
EOF
}

lock() {
  exec 9>"$LOCK_FILE"
  flock -w 120 9 || die "another 'pg.sh' is running (lock $LOCK_FILE)"
}

# EXIT trap of `up`: a start that failed after the server came up stops it again (data and logs stay).
on_failed_up() {
  local rc=$?
  if ((rc != 0 && STARTED_HERE)); then say "start failed; stopping the server (logs in $LOG_DIR)"; stop_server || true; fi
}

cmd_up() {
  need_tools flock od
  is_root && { command -v runuser >/dev/null 2>&1 || command -v su >/dev/null 2>&1 || die "running as root needs runuser or su (util-linux) to run PostgreSQL as '$OS_OWNER'"; }
  local t0; t0="$(now)"
  find_bin
  [[ -z "$PG_DIR_FALLBACK" ]] || say "using $PG_DIR ($PG_DIR_FALLBACK; set TRIBUTARY_PG_DIR to choose another place)"
  prepare_dir
  lock
  STARTED_HERE=0
  if server_pid >/dev/null; then
    # Running, but the password file was lost: set a new password over the socket instead of restarting.
    if [[ ! -s "$PASSWORD_FILE" ]] && socket_psql -d postgres -At -c 'SELECT 1' >/dev/null 2>&1; then ensure_password; fi
    if answering; then
      ensure_database
      say "PostgreSQL already up (pid $(server_pid), $BIND_HOST:$PG_PORT)"
      print_env
      return 0
    fi
    say "PostgreSQL runs (pid $(server_pid)) but does not answer on $BIND_HOST:$PG_PORT; restarting it"
    stop_server
  fi
  init_cluster
  # A failed start must not leave a half-ready server behind (the data and logs stay).
  trap on_failed_up EXIT
  start_server
  wait_ready
  ensure_password
  ensure_database
  answering || { show_log_tail "$PG_LOG" 30; die "PostgreSQL started but '$PG_ADMIN' cannot log in over TCP with the password in $PASSWORD_FILE; see $PG_LOG"; }
  trap - EXIT
  say "PostgreSQL $PG_VER up in $(( $(now) - t0 ))s (pid $(server_pid), $BIND_HOST:$PG_PORT, database $PG_DATABASE, dir $PG_DIR)"
  say "stop with: bash scripts/pg.sh down"
  print_env
}

cmd_down() {
  [[ -d "$PG_DIR" ]] || { say "PostgreSQL not running (no $PG_DIR)"; return 0; }
  lock
  stop_server
  say "PostgreSQL down"
}

cmd_status() {
  local pid
  printf 'dir:      %s\ndata:     %s\nlog:      %s\n' "$PG_DIR" "$DATA_DIR" "$PG_LOG"
  if ! pid="$(server_pid)"; then printf 'postgres: down\n'; return 1; fi
  find_bin
  if answering; then
    local info
    info="$(tcp_psql -X -At -F ' ' -d "$PG_DATABASE" -c "SELECT current_setting('server_version'), current_setting('wal_level')" 2>/dev/null || echo '? ?')"
    printf 'postgres: up    %s  pid %s  %s:%s  user %s  database %s  wal_level=%s\n' "${info%% *}" "$pid" "$BIND_HOST" "$PG_PORT" "$PG_ADMIN" "$PG_DATABASE" "${info##* }"
    return 0
  fi
  printf 'postgres: NOT ANSWERING  pid %s  %s:%s  (log %s)\n' "$pid" "$BIND_HOST" "$PG_PORT" "$PG_LOG"
  return 1
}

cmd_psql() {
  if [[ -s "$DATA_DIR/PG_VERSION" ]]; then find_bin; fi
  tcp_ready || die "PostgreSQL is not answering on $BIND_HOST:$PG_PORT (run: bash scripts/pg.sh up)"
  read_password || die "no password file $PASSWORD_FILE (run: bash scripts/pg.sh up)"
  PGPASSWORD="$PG_PASSWORD" exec "$(psql_bin)" -h "$BIND_HOST" -p "$PG_PORT" -U "$PG_ADMIN" -d "$PG_DATABASE" "$@"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) print_env ;;
  psql) shift; cmd_psql "$@" ;;
  *) usage ;;
esac
