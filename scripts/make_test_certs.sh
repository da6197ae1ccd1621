#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Makes a throwaway PKI for trying TLS: a CA, a server certificate for 127.0.0.1 / localhost
# (spiffe://demo/server) and a client certificate (spiffe://demo/client), P-256, valid 30 days.
#   scripts/make_test_certs.sh DIR
set -euo pipefail
dir=${1:?usage: make_test_certs.sh DIR}
mkdir -p "$dir" && cd "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -keyout ca.key -out ca.crt -subj /CN=demo-ca -addext basicConstraints=critical,CA:TRUE 2> /dev/null
issue() {  # issue NAME SANS
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2> /dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$2" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
    -extfile "$1.ext" -out "$1.crt" 2> /dev/null
  rm -f "$1.csr" "$1.ext"
}
issue server 'IP:127.0.0.1,DNS:localhost,URI:spiffe://demo/server'
issue client 'URI:spiffe://demo/client'
echo "made ca.crt, server.{crt,key}, client.{crt,key} in $dir"
