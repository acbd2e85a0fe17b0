# Helpers shared by scripts/stack.sh and scripts/pg.sh. Set LOG_PREFIX (e.g. "[pg]") and
# TOOLS_HINT (the Debian packages that provide the tools) before sourcing.

say() { printf '%s %s\n' "$LOG_PREFIX" "$*" >&2; }
die() { printf '%s ERROR: %s\n' "$LOG_PREFIX" "$*" >&2; exit 1; }
now() { date +%s; }

need_tools() {
  local t missing=()
  for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
  ((${#missing[@]} == 0)) || die "missing tools: ${missing[*]} (Debian: apt-get install -y $TOOLS_HINT)"
}

# Show the tail of a log after a failure.
show_log_tail() {
  local f="$1" n="${2:-40}"
  if [[ -s "$f" ]]; then
    printf '%s ---- last %s lines of %s ----\n' "$LOG_PREFIX" "$n" "$f" >&2
    tail -n "$n" "$f" >&2 || true
    printf '%s ---- end of %s ----\n' "$LOG_PREFIX" "$f" >&2
  fi
}

# Print the script's header comment (its usage) and exit 2.
usage() {
  awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"
  exit 2
}
