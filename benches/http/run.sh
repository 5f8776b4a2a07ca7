#!/usr/bin/env bash
# HTTP load test: mediate against nginx as a reverse proxy in front of the same backend
# (issue 5). See benches/http/README.md for what is measured and how to read the table.
#
#   bash benches/http/run.sh                      # full run (builds mediate in release mode)
#   DURATION=5s ROUNDS=1 bash benches/http/run.sh # quicker
#   ONLY=nginx bash benches/http/run.sh           # backend + nginx rows only, no mediate build
#
# Every process it starts is stopped on exit (also on Ctrl-C). All traffic stays on 127.0.0.1.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

# ---- settings (environment) -------------------------------------------------------------------
DURATION="${DURATION:-10s}"             # measured time of one wrk run
WARMUP="${WARMUP:-2s}"                  # unmeasured wrk run before each measured one
CONNECTIONS="${CONNECTIONS:-32}"        # wrk connections (closed loop: one request in flight each)
WRK_THREADS="${WRK_THREADS:-1}"         # wrk threads; 1 leaves the most CPU to the servers
ROUNDS="${ROUNDS:-3}"                   # measured runs per scenario, interleaved; the median is kept
SIZES="${SIZES:-1k 100k}"               # body sizes: 1k = 1024 bytes, 100k = 102400 bytes
ONLY="${ONLY:-all}"                     # all | nginx (skip mediate entirely)
NPROC="$(nproc 2>/dev/null || echo 2)"
PROXY_WORKERS="${PROXY_WORKERS:-$NPROC}" # nginx proxy worker_processes (mediate uses all cores too)
BACKEND_WORKERS="${BACKEND_WORKERS:-1}" # nginx backend worker_processes
WRK_CPUS="${WRK_CPUS:-}"                # optional taskset CPU list for wrk (e.g. 1); unset: no pinning
BACKEND_PORT="${BACKEND_PORT:-18080}"
NGINX_PORT="${NGINX_PORT:-18081}"
MEDIATE_PORT="${MEDIATE_PORT:-18082}"
MANAGEMENT_PORT="${MANAGEMENT_PORT:-18083}"
HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-30}"  # seconds to wait for mediate's /healthz
MEDIATE_BIN="${MEDIATE_BIN:-}"          # a prebuilt mediate binary; unset: cargo build --release
MEDIATE_ARGS="${MEDIATE_ARGS---http-bind 127.0.0.1}" # extra arguments for `mediate serve`
RESULTS="${RESULTS:-$HERE/results.md}"
KEEP_TMP="${KEEP_TMP:-0}"               # 1: keep the work folder (configurations, logs, raw wrk output)
IDLE_WAIT="${IDLE_WAIT:-60}"            # seconds to wait for an idle machine before each run (0: never)
IDLE_PCT="${IDLE_PCT:-90}"              # what "idle" means: this % of CPU time idle over one second

log() { printf '== %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# ---- tools ------------------------------------------------------------------------------------
# nginx, wrk and curl come from the distribution's packages (Debian here); nothing else is
# downloaded.
ensure_tools() {
  local missing=() pkg
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if [ "${#missing[@]}" -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
      log "installing ${missing[*]} (apt-get)"
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      die "missing ${missing[*]}: install them (apt-get install -y ${missing[*]}) and run again"
    fi
  fi
  PATH="$PATH:/usr/sbin:/sbin"
  for pkg in nginx wrk curl awk; do
    command -v "$pkg" >/dev/null 2>&1 || die "$pkg is still missing after the install"
  done
  NGINX_VERSION="$(nginx -v 2>&1 | sed 's/^nginx version: //')"
  # wrk --version prints its banner, then usage, and exits 1.
  WRK_VERSION="$( (wrk --version 2>&1 || true) | head -n1 | awk '{print $1, $2}')"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---- processes --------------------------------------------------------------------------------
PIDS=()
WORK=""
cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in "${PIDS[@]:-}"; do
    if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi
  done
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then
    if [ "$KEEP_TMP" = "1" ]; then
      log "work folder kept: $WORK"
    else
      rm -rf "$WORK"
    fi
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_http URL SECONDS PID: 0 once URL answers 200; 1 on timeout or when PID has exited.
wait_http() {
  local url="$1" secs="$2" pid="$3" i code
  for ((i = 0; i < secs * 10; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" 2>/dev/null || true)"
    [ "$code" = "200" ] && return 0
    sleep 0.1
  done
  return 1
}

# wait_port PORT SECONDS PID: 0 once something listens on PORT.
wait_port() {
  local port="$1" secs="$2" pid="$3" i
  for ((i = 0; i < secs * 10; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    port_in_use "$port" && return 0
    sleep 0.1
  done
  return 1
}

# cpu_idle_pct: the share of CPU time (all cores) that was idle over the next second.
cpu_idle_pct() {
  local a b
  a="$(awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t, $5 + $6; exit}' /proc/stat)"
  sleep 1
  b="$(awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t, $5 + $6; exit}' /proc/stat)"
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
    d = y[1] - x[1]; print (d > 0) ? int(100 * (y[2] - x[2]) / d) : 100 }'
}

# wait_idle: 0 once the machine is idle (our own servers wait between runs, so what is busy is
# something else), 1 after IDLE_WAIT seconds without that. BUSY_RUNS counts the latter.
BUSY_RUNS=0
MEASURED_RUNS=0
wait_idle() {
  local start=$SECONDS pct
  [ "$IDLE_WAIT" -gt 0 ] 2>/dev/null || return 0
  [ -r /proc/stat ] || return 0
  while :; do
    pct="$(cpu_idle_pct)"
    [ "$pct" -ge "$IDLE_PCT" ] && return 0
    if [ $((SECONDS - start)) -ge "$IDLE_WAIT" ]; then
      warn "the machine is still busy (${pct}% idle) after ${IDLE_WAIT}s: measuring anyway"
      BUSY_RUNS=$((BUSY_RUNS + 1))
      return 1
    fi
  done
}

# cpu_ticks PID...: the CPU time (user + system, in clock ticks) used so far by the processes
# and their children (nginx's workers).
CLK_TCK="$(getconf CLK_TCK 2>/dev/null || echo 100)"
cpu_ticks() {
  local pid p total=0 t
  for pid in "$@"; do
    for p in "$pid" $(pgrep -P "$pid" 2>/dev/null || true); do
      # Fields after "pid (comm) ": utime is the 12th, stime the 13th.
      t="$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}')" || t=0
      total=$((total + ${t:-0}))
    done
  done
  echo "$total"
}

# ---- payloads ---------------------------------------------------------------------------------
# gen_body KIND(json|xml) ROLE(order|reply) BYTES: a well-formed order (request) or reply
# (backend response) of exactly BYTES bytes: as many items as fit, then a padding note.
gen_body() {
  awk -v kind="$1" -v role="$2" -v size="$3" '
    function item(i,   sku) {
      sku = sprintf("SKU-%05d", i)
      if (kind == "json") {
        if (role == "order") return "{\"sku\":\"" sku "\",\"qty\":" (i % 5 + 1) ",\"price\":" (i % 90 + 9) ".99}"
        return "{\"sku\":\"" sku "\",\"qty\":" (i % 5 + 1) ",\"state\":\"reserved\"}"
      }
      if (role == "order") return "<item><sku>" sku "</sku><qty>" (i % 5 + 1) "</qty><price>" (i % 90 + 9) ".99</price></item>"
      return "<item><sku>" sku "</sku><qty>" (i % 5 + 1) "</qty><state>reserved</state></item>"
    }
    function pad(n,   s) { s = ""; while (length(s) < n) s = s "x"; return s }
    BEGIN {
      if (kind == "json" && role == "order") {
        head = "{\"order\":{\"id\":\"ORD-000042\",\"type\":\"bronze\",\"currency\":\"EUR\"," \
               "\"customer\":{\"id\":\"C-1001\",\"name\":\"Ada Lovelace\",\"email\":\"ada@example.invalid\"},\"items\":["
        sep = ","; mid = "],\"note\":\""; tail = "\"}}"
      } else if (kind == "json") {
        head = "{\"result\":{\"status\":\"accepted\",\"ref\":\"ORD-000042\",\"lines\":["
        sep = ","; mid = "],\"note\":\""; tail = "\"}}"
      } else if (role == "order") {
        head = "<order><id>ORD-000042</id><type>bronze</type><currency>EUR</currency>" \
               "<customer><id>C-1001</id><name>Ada Lovelace</name><email>ada@example.invalid</email></customer><items>"
        sep = ""; mid = "</items><note>"; tail = "</note></order>"
      } else {
        head = "<result><status>accepted</status><ref>ORD-000042</ref><lines>"
        sep = ""; mid = "</lines><note>"; tail = "</note></result>"
      }
      body = head; n = 0
      while (1) {
        next_item = (n > 0 ? sep : "") item(n + 1)
        if (length(body next_item mid tail) > size) break
        body = body next_item; n++
      }
      body = body mid
      body = body pad(size - length(body tail)) tail
      printf "%s", body
    }'
}

size_bytes() {
  case "$1" in
    1k) echo 1024 ;;
    100k) echo 102400 ;;
    *) die "unknown size $1 (SIZES takes 1k and 100k)" ;;
  esac
}

size_label() {
  case "$1" in
    1k) echo "1 KiB" ;;
    100k) echo "100 KiB" ;;
  esac
}

# ---- nginx configurations ---------------------------------------------------------------------
common_http() { # $1: the instance folder
  cat <<EOF
    access_log off;
    client_body_temp_path $1/tmp/body;
    proxy_temp_path $1/tmp/proxy;
    fastcgi_temp_path $1/tmp/fastcgi;
    uwsgi_temp_path $1/tmp/uwsgi;
    scgi_temp_path $1/tmp/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    client_max_body_size 1m;
    client_body_buffer_size 128k;
    tcp_nodelay on;
EOF
}

write_backend_conf() { # $1: instance folder, $2: document root
  cat >"$1/nginx.conf" <<EOF
# The load-test backend: fixed bodies by the path's last segment (…/1k.json, …/100k.xml, …).
worker_processes $BACKEND_WORKERS;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 8192; }
http {
$(common_http "$1")
    sendfile on;
    open_file_cache max=16 inactive=1h;
    open_file_cache_valid 1h;
    types { application/json json; application/xml xml; }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$BACKEND_PORT backlog=4096;
        root $2;
        location / {
            rewrite "^.*/(1k|100k)\\.(json|xml)\$" /\$1.\$2 break;
            return 404;
        }
        # The static handler refuses POST with 405; answer it with the file instead (the
        # request body has been read and discarded by then).
        error_page 405 =200 \$uri;
    }
}
EOF
}

write_proxy_conf() { # $1: instance folder
  cat >"$1/nginx.conf" <<EOF
# nginx as the reverse proxy under test: /bench/X is passed to the backend as /X, over a
# keep-alive upstream pool, bodies buffered in memory (no temp files at 100 KiB).
worker_processes $PROXY_WORKERS;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 8192; }
http {
$(common_http "$1")
    upstream bench_backend {
        server 127.0.0.1:$BACKEND_PORT;
        keepalive 128;
        keepalive_requests 100000000;
        keepalive_timeout 300s;
    }
    server {
        listen 127.0.0.1:$NGINX_PORT backlog=4096;
        location /bench/ {
            proxy_pass http://bench_backend/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffer_size 16k;
            proxy_buffers 16 16k;
            proxy_busy_buffers_size 32k;
        }
    }
}
EOF
}

start_nginx() { # $1: name, $2: instance folder, $3: port
  mkdir -p "$2/tmp"
  nginx -t -q -p "$2" -c "$2/nginx.conf" -e "$2/error.log" ||
    die "$1: nginx refused its configuration $2/nginx.conf"
  nginx -p "$2" -c "$2/nginx.conf" -e "$2/error.log" >"$2/stdout.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  LAST_PID="$pid"
  wait_port "$3" 10 "$pid" || {
    tail -n 20 "$2/error.log" >&2 || true
    die "$1 (nginx) did not start listening on 127.0.0.1:$3"
  }
}

# ---- scenarios --------------------------------------------------------------------------------
# id | server | label | path (SIZE and EXT replaced) | body kind
SCENARIOS=(
  "backend|backend|backend alone (no proxy)|/direct/SIZE.EXT|json"
  "nginx|nginx|nginx direct pass-through|/bench/direct/SIZE.EXT|json"
  "direct|mediate|mediate direct pass-through|/bench/direct/SIZE.EXT|json"
  "xpath|mediate|mediate routing, XPath switch|/bench/xpath/SIZE.EXT|xml"
  "jsoneval|mediate|mediate routing, json-eval switch|/bench/jsoneval/SIZE.EXT|json"
  "transform|mediate|mediate payloadFactory transform|/bench/transform/SIZE.EXT|json"
)

server_port() {
  case "$1" in
    backend) echo "$BACKEND_PORT" ;;
    nginx) echo "$NGINX_PORT" ;;
    mediate) echo "$MEDIATE_PORT" ;;
  esac
}

content_type() { [ "$1" = xml ] && echo application/xml || echo application/json; }

# precheck URL BODYFILE CTYPE EXPECTED: empty output when one request gets 200 and exactly the
# backend's file; otherwise what went wrong.
precheck() {
  local out="$WORK/precheck.out" code
  code="$(curl -s -o "$out" -w '%{http_code}' --max-time 10 -X POST \
    -H "Content-Type: $3" --data-binary "@$2" "$1" 2>/dev/null || true)"
  if [ "$code" != "200" ]; then
    echo "status ${code:-none (no answer)}, body: $(head -c 200 "$out" 2>/dev/null | tr '\n' ' ')"
  elif ! cmp -s "$out" "$4"; then
    echo "status 200 but the body is not the backend's $(basename "$4") ($(wc -c <"$out") bytes, expected $(wc -c <"$4"))"
  fi
}

run_wrk() { # URL BODYFILE CTYPE DURATION OUTFILE
  local cmd=(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$4" --latency --timeout 10s
    -s "$HERE/post.lua" "$1" -- "$2" "$3")
  if [ -n "$WRK_CPUS" ]; then cmd=(taskset -c "$WRK_CPUS" "${cmd[@]}"); fi
  "${cmd[@]}" >"$5" 2>&1
}

# ---- main -------------------------------------------------------------------------------------
ensure_tools
[ "$ONLY" = all ] || [ "$ONLY" = nginx ] || die "ONLY must be all or nginx"
for p in "$BACKEND_PORT" "$NGINX_PORT" "$MEDIATE_PORT" "$MANAGEMENT_PORT"; do
  port_in_use "$p" && die "port $p on 127.0.0.1 is in use (set BACKEND_PORT, NGINX_PORT, MEDIATE_PORT, MANAGEMENT_PORT)"
done

# Other work on the machine (a build, a test suite) shifts every figure: say so up front.
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
if awk -v l="${LOAD_BEFORE%% *}" -v n="$NPROC" 'BEGIN { exit !(l + 0 > n * 0.25) }' 2>/dev/null; then
  warn "load average is $LOAD_BEFORE on $NPROC cores: other work is running, the figures will be noisy"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mediate-http-bench.XXXXXX")"
chmod 755 "$WORK" # nginx workers may run as another user when started by root
mkdir -p "$WORK/www" "$WORK/req" "$WORK/backend" "$WORK/nginx" "$WORK/wrk"

for s in $SIZES; do
  b="$(size_bytes "$s")"
  for kind in json xml; do
    gen_body "$kind" reply "$b" >"$WORK/www/$s.$kind"
    gen_body "$kind" order "$b" >"$WORK/req/order-$s.$kind"
    for f in "$WORK/www/$s.$kind" "$WORK/req/order-$s.$kind"; do
      [ "$(wc -c <"$f")" = "$b" ] || die "generated $f is not $b bytes"
    done
  done
done
chmod -R a+rX "$WORK/www" "$WORK/req"

MEDIATE_OK=0
MEDIATE_NOTE=""
MEDIATE_BUILD="given as MEDIATE_BIN=$MEDIATE_BIN"
MEDIATE_REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ "$ONLY" = all ]; then
  if [ -z "$MEDIATE_BIN" ]; then
    log "building mediate (cargo build --release -p mediate-cli)"
    if (cd "$ROOT" && cargo build --release -p mediate-cli); then
      target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
      case "$target_dir" in /*) ;; *) target_dir="$ROOT/$target_dir" ;; esac
      MEDIATE_BIN="$target_dir/release/mediate"
      MEDIATE_BUILD="release build"
    else
      MEDIATE_NOTE="the release build of mediate-cli failed"
    fi
  fi
  if [ -z "$MEDIATE_NOTE" ] && [ ! -x "$MEDIATE_BIN" ]; then
    MEDIATE_NOTE="no mediate binary at $MEDIATE_BIN"
  fi
else
  MEDIATE_NOTE="ONLY=nginx"
fi
export MEDIATE_BENCH_BACKEND="http://127.0.0.1:$BACKEND_PORT"

log "starting the backend (nginx, $BACKEND_WORKERS worker) on 127.0.0.1:$BACKEND_PORT"
write_backend_conf "$WORK/backend" "$WORK/www"
start_nginx backend "$WORK/backend" "$BACKEND_PORT"
BACKEND_PID="$LAST_PID"
log "starting the nginx reverse proxy ($PROXY_WORKERS workers) on 127.0.0.1:$NGINX_PORT"
write_proxy_conf "$WORK/nginx"
start_nginx proxy "$WORK/nginx" "$NGINX_PORT"
PROXY_PID="$LAST_PID"

if [ -z "$MEDIATE_NOTE" ]; then
  log "checking benches/http/mi"
  if ! "$MEDIATE_BIN" check "$HERE/mi" >"$WORK/mediate-check.log" 2>&1; then
    MEDIATE_NOTE="\`mediate check benches/http/mi\` failed: $(head -n 3 "$WORK/mediate-check.log" | tr '\n' ' ')"
  fi
fi
if [ -z "$MEDIATE_NOTE" ]; then
  log "starting mediate serve on 127.0.0.1:$MEDIATE_PORT (management $MANAGEMENT_PORT)"
  # shellcheck disable=SC2086 # MEDIATE_ARGS is split on purpose
  "$MEDIATE_BIN" serve "$HERE/mi" --http-port "$MEDIATE_PORT" --management-port "$MANAGEMENT_PORT" \
    $MEDIATE_ARGS >"$WORK/mediate.log" 2>&1 &
  mediate_pid=$!
  PIDS+=("$mediate_pid")
  if wait_http "http://127.0.0.1:$MANAGEMENT_PORT/healthz" "$HEALTH_TIMEOUT" "$mediate_pid"; then
    MEDIATE_OK=1
  else
    if kill -0 "$mediate_pid" 2>/dev/null; then
      MEDIATE_NOTE="\`mediate serve\` did not answer 200 on /healthz (management port $MANAGEMENT_PORT) within ${HEALTH_TIMEOUT}s"
    else
      MEDIATE_NOTE="\`mediate serve\` exited: $(grep -v '^[[:space:]]*$' "$WORK/mediate.log" | head -n 2 | tr '\n' ' ')"
    fi
  fi
fi
if [ "$MEDIATE_OK" != 1 ]; then
  warn "skipping the mediate scenarios: $MEDIATE_NOTE"
fi

# Per scenario and size: a pre-check request, then ROUNDS × (warm-up + measured run), the
# scenarios interleaved within each round so that drift on the machine hits them alike.
declare -A SKIP
for s in $SIZES; do
  for sc in "${SCENARIOS[@]}"; do
    IFS='|' read -r id server _label path kind <<<"$sc"
    if [ "$server" = mediate ] && [ "$MEDIATE_OK" != 1 ]; then
      SKIP["$id/$s"]="not run: $MEDIATE_NOTE"
      continue
    fi
    p="${path/SIZE/$s}"
    p="${p/EXT/$kind}"
    url="http://127.0.0.1:$(server_port "$server")$p"
    problem="$(precheck "$url" "$WORK/req/order-$s.$kind" "$(content_type "$kind")" "$WORK/www/$s.$kind")"
    if [ -n "$problem" ]; then
      warn "$id $s: pre-check of POST $p failed: $problem"
      SKIP["$id/$s"]="pre-check failed: $problem"
    fi
  done
done

for ((round = 1; round <= ROUNDS; round++)); do
  for s in $SIZES; do
    for sc in "${SCENARIOS[@]}"; do
      IFS='|' read -r id server label path kind <<<"$sc"
      [ -n "${SKIP["$id/$s"]:-}" ] && continue
      p="${path/SIZE/$s}"
      p="${p/EXT/$kind}"
      url="http://127.0.0.1:$(server_port "$server")$p"
      body="$WORK/req/order-$s.$kind"
      ctype="$(content_type "$kind")"
      log "round $round/$ROUNDS: $label, $(size_label "$s") ($WARMUP warm-up, $DURATION measured)"
      wait_idle || true
      MEASURED_RUNS=$((MEASURED_RUNS + 1))
      run_wrk "$url" "$body" "$ctype" "$WARMUP" "$WORK/wrk/$id-$s-warmup-$round.txt" || true
      case "$server" in
        backend) server_pid="$BACKEND_PID" ;;
        nginx) server_pid="$PROXY_PID" ;;
        mediate) server_pid="$mediate_pid" ;;
      esac
      ticks_before="$(cpu_ticks "$server_pid")"
      if ! run_wrk "$url" "$body" "$ctype" "$DURATION" "$WORK/wrk/$id-$s-$round.txt"; then
        warn "wrk failed for $id $s: $(tail -n 2 "$WORK/wrk/$id-$s-$round.txt" | tr '\n' ' ')"
      fi
      echo "CPU ticks=$(($(cpu_ticks "$server_pid") - ticks_before)) clk_tck=$CLK_TCK" \
        >>"$WORK/wrk/$id-$s-$round.txt"
    done
  done
done

# ---- table ------------------------------------------------------------------------------------
# One line per scenario and size: the median round by req/s, as
# id size label req/s p50_ms p99_ms errors requests  (or id size label SKIP reason).
summarise() {
  local s sc id server label path kind f
  for s in $SIZES; do
    for sc in "${SCENARIOS[@]}"; do
      IFS='|' read -r id server label path kind <<<"$sc"
      if [ -n "${SKIP["$id/$s"]:-}" ]; then
        printf '%s\t%s\t%s\tSKIP\t%s\n' "$id" "$s" "$label" "${SKIP["$id/$s"]}"
        continue
      fi
      for f in "$WORK/wrk/$id-$s-"[0-9]*.txt; do
        # The RESULT line, with the server's CPU ticks of that run added.
        if [ -f "$f" ]; then
          awk '/^RESULT /{r = $0} /^CPU /{c = $2 " " $3} END {if (r != "") print r, c}' "$f"
        fi
      done | awk -v id="$id" -v s="$s" -v label="$label" '
        {
          for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
          n++
          rps[n] = v["requests"] / (v["duration_us"] / 1e6)
          p50[n] = v["p50_us"] / 1000; p99[n] = v["p99_us"] / 1000
          err[n] = v["connect_errors"] + v["read_errors"] + v["write_errors"] + v["status_errors"] + v["timeout_errors"]
          req[n] = v["requests"]
          cpu[n] = (v["requests"] > 0 && v["clk_tck"] > 0) ? v["ticks"] / v["clk_tck"] * 1e6 / v["requests"] : -1
        }
        END {
          if (n == 0) { printf "%s\t%s\t%s\tSKIP\twrk gave no result (see its output)\n", id, s, label; exit }
          # median by req/s (lower median for an even count)
          for (i = 1; i <= n; i++) idx[i] = i
          for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (rps[idx[j]] < rps[idx[i]]) { t = idx[i]; idx[i] = idx[j]; idx[j] = t }
          m = idx[int((n + 1) / 2)]
          printf "%s\t%s\t%s\t%.0f\t%.2f\t%.2f\t%d\t%d\t%.1f\n", id, s, label, rps[m], p50[m], p99[m], err[m], req[m], cpu[m]
        }'
    done
  done
}

summarise >"$WORK/summary.tsv"

render() {
  awk -F'\t' -v sizes="$SIZES" '
    function label(s) { return s == "1k" ? "1 KiB" : (s == "100k" ? "100 KiB" : s) }
    function ratio(a, b) { return (b > 0) ? sprintf("%.2fx", a / b) : "n/a" }
    {
      key = $1 "/" $2; order[++n] = key; id[key] = $1; size[key] = $2; name[key] = $3
      if ($4 == "SKIP") { skip[key] = $5; next }
      rps[key] = $4; p50[key] = $5; p99[key] = $6; err[key] = $7; cpu[key] = $9
    }
    END {
      print "| scenario | size | req/s | p50 ms | p99 ms | errors | CPU µs/req | vs nginx | vs mediate direct | target | met |"
      print "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|"
      for (i = 1; i <= n; i++) {
        k = order[i]; s = size[k]; nk = "nginx/" s; dk = "direct/" s
        if (k in skip) {
          if (!(skip[k] in noted)) { noted[skip[k]] = ++notes; note[notes] = skip[k] }
          printf "| %s | %s | – | – | – | – | – | – | – | | not run [%d] |\n", name[k], label(s), noted[skip[k]]
          continue
        }
        vsn = "–"; vsd = "–"; target = ""; met = ""
        if (id[k] != "nginx" && (nk in rps)) vsn = ratio(rps[k], rps[nk])
        if (id[k] != "direct" && id[k] != "nginx" && id[k] != "backend" && (dk in rps)) vsd = ratio(rps[k], rps[dk])
        if (id[k] == "direct") {
          target = "req/s ≥ 1.0x nginx, p99 ≤ nginx"
          if (nk in rps) {
            vsn = vsn " (p99 " ratio(p99[k], p99[nk]) ")"
            met = (rps[k] >= rps[nk] && p99[k] <= p99[nk]) ? "yes" : "**no**"
          } else met = "n/a (no nginx figure)"
        } else if ((id[k] == "xpath" || id[k] == "jsoneval" || id[k] == "transform") && s == "1k") {
          target = "req/s ≥ 0.85x mediate direct"
          met = (dk in rps) ? ((rps[k] >= 0.85 * rps[dk]) ? "yes" : "**no**") : "n/a (no direct figure)"
        }
        if (err[k] > 0) met = met (met == "" ? "" : ", ") "**" err[k] " errors**"
        cpucol = (cpu[k] >= 0) ? sprintf("%.1f", cpu[k]) : "n/a"
        printf "| %s | %s | %d | %.2f | %.2f | %d | %s | %s | %s | %s | %s |\n", name[k], label(s), rps[k], p50[k], p99[k], err[k], cpucol, vsn, vsd, target, met
      }
      if (notes > 0) print ""
      for (i = 1; i <= notes; i++) printf "[%d] %s\n", i, note[i]
    }' "$WORK/summary.tsv"
}

TABLE="$(render)"
{
  echo "# HTTP load test: mediate vs nginx"
  echo
  echo "Generated by \`benches/http/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); see README.md for the setup."
  echo
  echo "- machine: $NPROC cores, $(uname -sr); load generator, proxy and backend share the cores; load average $LOAD_BEFORE before the run, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) after"
  echo "- mediate: $([ "$MEDIATE_OK" = 1 ] && echo "git $MEDIATE_REV$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo " with uncommitted changes"), $MEDIATE_BUILD" || echo "not run ($MEDIATE_NOTE)")"
  echo "- nginx: $NGINX_VERSION, proxy worker_processes $PROXY_WORKERS, upstream keepalive pool; backend: nginx, worker_processes $BACKEND_WORKERS"
  echo "- load: $WRK_VERSION, $WRK_THREADS thread(s)$([ -n "$WRK_CPUS" ] && echo " pinned to CPU $WRK_CPUS"), $CONNECTIONS keep-alive connections, POST, $DURATION per run after a $WARMUP warm-up; median of $ROUNDS round(s) by req/s"
  echo "- sizes: request body and response body both 1 KiB (1,024 bytes) or 100 KiB (102,400 bytes)"
  if [ "$BUSY_RUNS" -gt 0 ]; then
    echo "- **noisy**: $BUSY_RUNS of $MEASURED_RUNS measured runs started while other work kept the machine busy (less than ${IDLE_PCT}% idle after ${IDLE_WAIT}s of waiting)"
  fi
  echo
  echo "$TABLE"
  echo
  echo "Targets (issue 5): direct pass-through req/s at least 1.0x nginx's with p99 no worse;"
  echo "routing and transform at 1 KiB at least 0.85x of mediate's own direct figure."
  echo "\"backend alone\" is wrk straight to the backend: the ceiling, not a target."
  echo "CPU µs/req: user + system CPU time of the server named in the row (the proxy, or the backend"
  echo "alone) during the measured run, per request; the backend's share is not in the proxy rows."
} >"$WORK/results.md"

cp "$WORK/results.md" "$RESULTS"
echo
cat "$RESULTS"
log "table written to $RESULTS"
