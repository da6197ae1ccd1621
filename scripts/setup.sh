#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian bookworm package the build, tests, demo and benchmarks need. Idempotent:
# runs apt only for what is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git clang-format
  clang libclang-rt-14-dev               # libFuzzer targets (scripts/fuzz.sh)
  thrift-compiler libthrift-dev          # Apache Thrift 0.17: libthrift; the stock compiler for peers
  flex bison                             # thrift-scales: Thrift's compiler, built from its source
  libboost1.81-dev                       # Asio, Beast
  libcli11-dev libkainjow-mustache-dev nlohmann-json3-dev   # the generator, metrics JSON
  libgtest-dev libgmock-dev libbenchmark-dev                # tests and benchmarks
  curl                                   # a real HTTP client for the metrics endpoint's test
  chromium fonts-dejavu-core             # the admin page's test in a real headless browser
  zookeeper libzookeeper-mt-dev          # zk:// discovery and the announcer; a real ZooKeeper in tests
  etcd-server etcd-client                # etcd:// discovery and announcer; real etcd in tests
  libc-ares-dev dnsmasq-base             # dns:// and dns+srv:// discovery; a real DNS server in tests
  redis-server redis-tools               # Redis client tests; redis-benchmark for its bench row
  nginx-light                            # HTTP client tests (its echo module); wrk for the bench row
  wrk
  librdkafka-dev                         # Kafka tests: the mock cluster and a consumer; bench peer
  zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev   # the Kafka producer's batch compression
  libssl-dev openssl                     # TLS (Asio's ssl over OpenSSL 3); test certificates
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" > /dev/null
fi
echo "setup: all packages present"
