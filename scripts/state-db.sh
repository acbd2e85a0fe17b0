#!/usr/bin/env bash
# A local development database for Tributary's PostgreSQL state store, on the scripts/pg.sh test server.
#
#   bash scripts/state-db.sh up     start the pg.sh server when it is not running; create the role, the database
#                                   and the schema with scripts/sql/create-state-store.sql (idempotent)
#   bash scripts/state-db.sh env    print the export lines DGS_PG_SRV, _PRT, _DBN, _USR, _PSW, _SCH (password included)
#   bash scripts/state-db.sh down   drop the database and the role (the server keeps running)
#   bash scripts/state-db.sh psql [ARGS...]   psql as the state role on the state database
#
# Names: database ${TRIBUTARY_STATE_DB:-tributary_state_dev}, role ${TRIBUTARY_STATE_USER:-tributary_state},
# schema ${TRIBUTARY_STATE_SCHEMA:-tributary_state}. The role's generated password is kept (0600) next to
# pg.sh's admin-password, in <pg dir>/role-<role>-password, and reused by every later call. Only `env` prints it.
# See docs/state.md ("Local development").
set -euo pipefail

# ---------------------------------------------------------------------------------------------- settings
SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PG_SH="$SCRIPTS/pg.sh"
SQL_FILE="$SCRIPTS/sql/create-state-store.sql"
STATE_DB="${TRIBUTARY_STATE_DB:-tributary_state_dev}"
STATE_USER="${TRIBUTARY_STATE_USER:-tributary_state}"
STATE_SCHEMA="${TRIBUTARY_STATE_SCHEMA:-tributary_state}"

LOG_PREFIX='[state-db]'
TOOLS_HINT='postgresql-client util-linux coreutils'
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$SCRIPTS/lib/common.sh"

# Plain lower-case identifiers only: the names in the DGS_PG_* variables are then exactly the names in the server.
check_name() {
  [[ "$2" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "$1='$2' is not a plain lower-case identifier ([a-z_][a-z0-9_]*, at most 63 characters)"
}
check_name TRIBUTARY_STATE_DB "$STATE_DB"
check_name TRIBUTARY_STATE_USER "$STATE_USER"
check_name TRIBUTARY_STATE_SCHEMA "$STATE_SCHEMA"
[[ "$STATE_SCHEMA" != public && "$STATE_SCHEMA" != pg_* ]] || die "TRIBUTARY_STATE_SCHEMA='$STATE_SCHEMA' is reserved; choose a schema of its own"
[[ "$STATE_USER" != tributary_admin ]] || die "TRIBUTARY_STATE_USER must not be pg.sh's superuser tributary_admin"
[[ "$STATE_DB" != postgres && "$STATE_DB" != template* && "$STATE_DB" != tributary_test ]] \
  || die "TRIBUTARY_STATE_DB='$STATE_DB' is a system or test database; choose one of its own"

# ---------------------------------------------------------------------------------------------- pg.sh
# The cluster's directory, as pg.sh resolves it (TRIBUTARY_PG_DIR, XDG_CACHE_HOME, the fallback for root).
# `status` prints it even when the server is down. Our lock (fd 8) is never passed on to pg.sh: a server it
# starts would otherwise hold the lock for as long as it runs.
pg_dir() {
  local dir
  dir="$(bash "$PG_SH" status 2>/dev/null 8>&- | sed -n 's/^dir: *//p' || true)"
  [[ -n "$dir" ]] || die "could not read the cluster directory from 'bash scripts/pg.sh status'"
  printf '%s\n' "$dir"
}
pg_up() { bash "$PG_SH" status >/dev/null 2>&1 8>&-; }

# The admin connection from `pg.sh env` (export NAME=value lines), read without eval and without exporting.
read_admin() {
  local out line name value
  out="$(bash "$PG_SH" env 8>&-)" || die "'bash scripts/pg.sh env' failed (run: bash scripts/pg.sh up)"
  while IFS= read -r line; do
    line="${line#export }"; name="${line%%=*}"; value="${line#*=}"
    case "$name" in
      TRIBUTARY_PG_HOST) PG_HOST="$value" ;;
      TRIBUTARY_PG_PORT) PG_PORT="$value" ;;
      TRIBUTARY_PG_USER) ADMIN_USER="$value" ;;
      TRIBUTARY_PG_PASSWORD) ADMIN_PASSWORD="$value" ;;
    esac
  done <<<"$out"
  [[ -n "${PG_HOST:-}" && -n "${PG_PORT:-}" && -n "${ADMIN_USER:-}" && -n "${ADMIN_PASSWORD:-}" ]] \
    || die "'bash scripts/pg.sh env' did not print TRIBUTARY_PG_HOST, _PORT, _USER and _PASSWORD"
}

# psql on PATH, else the newest one of the Debian server packages.
psql_bin() {
  local p
  if p="$(command -v psql)"; then printf '%s\n' "$p"; return 0; fi
  p="$(printf '%s\n' /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)"
  [[ -x "$p" ]] || die "psql not found (Debian: apt-get install -y postgresql-client)"
  printf '%s\n' "$p"
}

admin_psql() {
  PGPASSWORD="$ADMIN_PASSWORD" PGCONNECT_TIMEOUT=5 "$(psql_bin)" -X -q -v ON_ERROR_STOP=1 \
    -h "$PG_HOST" -p "$PG_PORT" -U "$ADMIN_USER" "$@"
}

# ---------------------------------------------------------------------------------------------- password
password_file() { PASSWORD_FILE="$1/role-$STATE_USER-password"; }

read_password() {
  [[ -s "$PASSWORD_FILE" ]] || return 1
  STATE_PASSWORD="$(tr -d '\n' <"$PASSWORD_FILE")"
  # Printed unquoted in `env` and given to psql's \set: generated passwords are hex; refuse anything else.
  [[ "$STATE_PASSWORD" =~ ^[A-Za-z0-9._~-]+$ ]] || die "the password in $PASSWORD_FILE has unexpected characters (delete the file and run 'up' to generate a new one)"
}

# 48 hex characters, written atomically, 0600, owned like pg.sh's admin-password (the cluster's OS user).
new_password() {
  local dir="$1" pw tmp="$PASSWORD_FILE.tmp.$$"
  pw="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
  [[ ${#pw} == 48 ]] || die "could not generate a password from /dev/urandom"
  (umask 077 && printf '%s\n' "$pw" >"$tmp")
  if [[ "$(id -u)" == 0 ]]; then chown "$(stat -c %u:%g "$dir")" "$tmp"; fi
  chmod 0600 "$tmp"
  mv -f "$tmp" "$PASSWORD_FILE"
  say "generated a password for role $STATE_USER in $PASSWORD_FILE (0600)"
}

lock() {
  exec 8>"$1/.state-db.lock"
  flock -w 120 8 || die "another 'state-db.sh' is running (lock $1/.state-db.lock)"
}

# ---------------------------------------------------------------------------------------------- commands
cmd_up() {
  need_tools flock od sed stat
  [[ -r "$SQL_FILE" ]] || die "missing $SQL_FILE"
  if ! pg_up; then
    say "the PostgreSQL test server is not running; starting it (bash scripts/pg.sh up)"
    # pg.sh up prints the admin's export lines on stdout: keep them out of our output.
    bash "$PG_SH" up >/dev/null 8>&- || die "'bash scripts/pg.sh up' failed"
  fi
  local dir; dir="$(pg_dir)"
  lock "$dir"
  read_admin
  password_file "$dir"
  read_password || { new_password "$dir"; read_password; }
  # The password goes to psql on stdin (a \set before the script), never on a command line.
  # The check line the script ends with goes to stderr with the other messages; stdout stays empty.
  {
    printf '\\set state_password %s\n' "$STATE_PASSWORD"
    printf "\\\\i '%s'\n" "${SQL_FILE//\'/\'\'}"
  } | admin_psql -d postgres -P footer=off \
      -v state_user="$STATE_USER" -v state_db="$STATE_DB" -v state_schema="$STATE_SCHEMA" -f - >&2 \
    || die "create-state-store.sql failed (role $STATE_USER, database $STATE_DB, schema $STATE_SCHEMA)"
  say "state database ready: $STATE_DB on $PG_HOST:$PG_PORT, role $STATE_USER, schema $STATE_SCHEMA"
  say "next: eval \"\$(bash scripts/state-db.sh env)\"    remove with: bash scripts/state-db.sh down"
}

cmd_env() {
  local dir; dir="$(pg_dir)"
  read_admin
  password_file "$dir"
  read_password || die "no password file $PASSWORD_FILE (run: bash scripts/state-db.sh up)"
  cat <<EOF
export DGS_PG_SRV=$PG_HOST
export DGS_PG_PRT=$PG_PORT
export DGS_PG_DBN=$STATE_DB
export DGS_PG_USR=$STATE_USER
export DGS_PG_PSW=$STATE_PASSWORD
export DGS_PG_SCH=$STATE_SCHEMA
EOF
}

cmd_down() {
  need_tools flock
  pg_up || die "the PostgreSQL test server is not running, so there is nothing to drop from (start it: bash scripts/pg.sh up)"
  local dir; dir="$(pg_dir)"
  lock "$dir"
  read_admin
  local found
  found="$(admin_psql -d postgres -At -c "SELECT (SELECT count(*) FROM pg_database WHERE datname = '$STATE_DB') || ' ' || (SELECT count(*) FROM pg_roles WHERE rolname = '$STATE_USER')")" \
    || die "cannot query the PostgreSQL test server as $ADMIN_USER"
  if [[ "$found" == "0 0" ]]; then say "nothing to drop: no database $STATE_DB, no role $STATE_USER"; return 0; fi
  # FORCE ends the sessions still connected (a running tool, a psql). The role owns nothing outside the dropped
  # database unless someone granted it more; then DROP ROLE fails and names what it still owns.
  admin_psql -d postgres \
    -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS \"$STATE_DB\" WITH (FORCE)" \
    -c "DROP ROLE IF EXISTS \"$STATE_USER\"" >&2 \
    || die "could not drop database $STATE_DB and role $STATE_USER"
  password_file "$dir"
  say "dropped database $STATE_DB and role $STATE_USER (the password in $PASSWORD_FILE is kept for the next 'up'; delete it for a new one)"
}

cmd_psql() {
  pg_up || die "the PostgreSQL test server is not running (run: bash scripts/state-db.sh up)"
  local dir; dir="$(pg_dir)"
  read_admin
  password_file "$dir"
  read_password || die "no password file $PASSWORD_FILE (run: bash scripts/state-db.sh up)"
  [[ "$(admin_psql -d postgres -At -c "SELECT count(*) FROM pg_database d, pg_roles r WHERE d.datname = '$STATE_DB' AND r.rolname = '$STATE_USER'")" == 1 ]] \
    || die "no database $STATE_DB or no role $STATE_USER (run: bash scripts/state-db.sh up)"
  PGPASSWORD="$STATE_PASSWORD" exec "$(psql_bin)" -h "$PG_HOST" -p "$PG_PORT" -U "$STATE_USER" -d "$STATE_DB" "$@"
}

case "${1:-}" in
  up) cmd_up ;;
  env) cmd_env ;;
  down) cmd_down ;;
  psql) shift; cmd_psql "$@" ;;
  *) usage ;;
esac
