# SPDX-License-Identifier: Apache-2.0
# Shared by scripts/bench.sh and scripts/bench_instructions.sh (source it from the repository
# root): the packages and Release build of build-bench/, the TLS certificates, and starting and
# stopping the loadgen server each peer runs against, so both scripts measure the same setup.
# shellcheck shell=bash

bench_gen=build-bench/bench/scales-loadgen

# bench_build [EXTRA DEBIAN PACKAGE...]: installs what the load generator needs (and the extras),
# then configures and builds build-bench/ in Release with SCALES_BUILD_BENCH=ON.
# BENCH_BUILD_LOCK=<file> runs the configure and build under flock on that file, for machines
# where other builds share the cores.
bench_build() {
  scripts/setup.sh
  for p in libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev libevent-dev \
           python3 util-linux "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" > /dev/null
  done
  local lock=()
  if [ -n "${BENCH_BUILD_LOCK:-}" ]; then lock=(flock "$BENCH_BUILD_LOCK"); fi
  "${lock[@]}" cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSCALES_BUILD_BENCH=ON -DSCALES_BUILD_TESTS=OFF -DSCALES_BUILD_EXAMPLES=OFF > /dev/null
  "${lock[@]}" cmake --build build-bench -j 2 --target scales-loadgen > /dev/null
}

# bench_make_tls_dir DIR: certificates for the TLS peer, made with openssl: a CA and a server
# certificate for 127.0.0.1 (P-256, as a modern deployment would use).
bench_make_tls_dir() {
  (cd "$1" &&
   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout ca.key \
     -out ca.crt -subj /CN=bench-ca -addext basicConstraints=critical,CA:TRUE 2> /dev/null &&
   openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
     -out server.csr -subj /CN=bench 2> /dev/null &&
   printf 'subjectAltName=IP:127.0.0.1\n' > server.ext &&
   openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
     -extfile server.ext -out server.crt 2> /dev/null)
}

# The server each client peer runs against. PEER@SERVER runs PEER's client against another
# server kind (scales-loadgen server SERVER), e.g. thrift-sync@scales: stock sync clients on the
# scales server.
server_for() {
  case $1 in
    *@*) echo "${1#*@}" ;;
    baseline-mux) echo scales ;;
    baseline-*) server_for "${1#baseline-}" ;;
    scales-mux|scales-mux-traced|scales-mux-sync) echo scales ;;
    scales-mux-tls) echo scales-tls ;;
    scales-framed|scales-pipelined|thrift-sync|thrift-concurrent) echo thrift-nb ;;
    grpc) echo grpc ;;
    raw) echo raw ;;
  esac
}

# bench_start_server PEER TLS_DIR: starts PEER's server pinned to core 1 (the client goes on core
# 0) and waits for its port. Sets server_pid, server_port and server_out (its stdout, which gets
# "CPU_US n" once it is stopped).
bench_start_server() {
  bench_start_server_kind "$(server_for "$1")" "$2"
}

# bench_start_server_kind KIND TLS_DIR: as bench_start_server, naming the server kind itself
# (scales-loadgen server KIND). SERVER_CPUS (a taskset list, default 1) moves the server off
# core 1.
# shellcheck disable=SC2034  # server_pid and server_port are for the scripts sourcing this
bench_start_server_kind() {
  server_out=$(mktemp)
  taskset -c "${SERVER_CPUS:-1}" "$bench_gen" server "$1" --tls-dir "$2" > "$server_out" 2>/dev/null &
  server_pid=$!
  for _ in $(seq 200); do grep -q '^PORT' "$server_out" && break; sleep 0.05; done
  server_port=$(awk '/^PORT/ {print $2}' "$server_out")
}

# bench_stop_server: stops the server bench_start_server started; it then prints its CPU to
# server_out, which the caller reads and removes.
bench_stop_server() {
  kill -TERM "$server_pid"; wait "$server_pid" || true
}
