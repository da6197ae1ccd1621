#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the examples, starts three ExampleService servers on 127.0.0.1, and runs the example
# clients against tcp://127.0.0.1:A,127.0.0.1:B,127.0.0.1:C: how the calls spread and what they
# returned, in every API style.
#   scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build -j "${JOBS:-2}" --target example_server sync_client callback_client \
  future_client coroutine_client > /dev/null
bin=build/examples

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
ports=()
for name in alpha beta gamma; do
  out=$(mktemp)
  "$bin/example_server" 0 "$name" > "$out" &
  pids+=($!)
  for _ in $(seq 100); do grep -q "listening on" "$out" && break; sleep 0.05; done
  ports+=("$(awk '/listening on/ {print $3}' "$out")")
  echo "server $name listening on 127.0.0.1:${ports[-1]}"
done
uri="tcp://127.0.0.1:${ports[0]},127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"

# Round robin shows the spread; the other clients use the default balancer (aperture), which keeps
# light traffic on few servers.
echo; echo "== sync_client $uri?balancer=round_robin 6"
"$bin/sync_client" "$uri?balancer=round_robin" 6
echo; echo "== callback_client"
"$bin/callback_client" "$uri"
echo; echo "== future_client (8 calls in flight)"
"$bin/future_client" "$uri" 8
echo; echo "== coroutine_client"
"$bin/coroutine_client" "$uri"

# Mutual TLS: a throwaway CA and certificates, a server that requires client certificates, a
# client that presents one (the reply names it), and one that does not (refused).
pki=$(mktemp -d)
scripts/make_test_certs.sh "$pki" > /dev/null
out=$(mktemp)
"$bin/example_server" 0 delta --tls-cert "$pki/server.crt" --tls-key "$pki/server.key" \
  --tls-ca "$pki/ca.crt" > "$out" &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$out" && break; sleep 0.05; done
tls_port=$(awk '/listening on/ {print $3}' "$out")
tls_uri="tcp://127.0.0.1:$tls_port?tls=true&tls_ca=$pki/ca.crt"
echo; echo "== sync_client over mutual TLS (server delta requires a client certificate)"
"$bin/sync_client" "$tls_uri&tls_cert=$pki/client.crt&tls_key=$pki/client.key" 2
echo; echo "== sync_client over TLS without a client certificate (refused)"
"$bin/sync_client" "$tls_uri&timeout_ms=2000" 1 || echo "(refused, as it should be)"
rm -rf "$pki"
