#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fetch_thrift_source.sh DEST: puts Apache Thrift 0.17's source tree in DEST (DEST/compiler/cpp/...).
#
# Downloads Debian's `thrift` 0.17.0 source package with apt-get, from the package sources this
# machine is already configured with (rewritten as deb-src in a private state folder: no system
# file is touched, no root needed), and unpacks the upstream tarball. The thrift-scales build
# (cmake/ScalesThriftCompiler.cmake) calls this once and caches the result; pass
# -DSCALES_THRIFT_SOURCE=<dir or tarball> to use a source you already have instead.
set -euo pipefail

dest=${1:?usage: fetch_thrift_source.sh DEST}
version=0.17.0
mkdir -p "$(dirname "$dest")"
# Build trees configured at once share the cache: one fetches, the others wait and reuse it.
exec 9> "$dest.lock"
flock 9
if [[ -f "$dest/compiler/cpp/src/thrift/main.cc" ]]; then exit 0; fi

state=$(mktemp -d "${TMPDIR:-/tmp}/scales-thrift-apt.XXXXXX")
trap 'rm -rf "$state"' EXIT
mkdir -p "$state"/{lists/partial,archives/partial,sources.list.d,download,tree}

# deb822 files (*.sources) and one-line lists (*.list, sources.list) alike: same places, deb-src.
shopt -s nullglob
for f in /etc/apt/sources.list.d/*.sources; do
  sed -E 's/^Types:.*/Types: deb-src/' "$f" > "$state/sources.list.d/$(basename "$f")"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [[ -f "$f" ]] || continue
  sed -nE 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" > "$state/sources.list.d/$(basename "$f").list"
done

apt_opts=(
  -o "Dir::State=$state" -o "Dir::State::Lists=$state/lists" -o "Dir::State::status=/var/lib/dpkg/status"
  -o "Dir::Cache=$state" -o "Dir::Cache::archives=$state/archives"
  -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$state/sources.list.d"
  -o "Debug::NoLocking=1" -o "APT::Sandbox::User=$(id -un)" -qq
)
echo "fetch_thrift_source: downloading Debian's thrift $version source package" >&2
# A configured source that serves no deb-src (a third-party repository, say) must not stop the
# others from answering: `apt-get source` below says whether thrift was found.
apt-get "${apt_opts[@]}" update >&2 || echo "fetch_thrift_source: some package sources did not answer" >&2
# The exact Debian version of upstream $version, even when newer releases are configured too.
debian_version=$(apt-cache "${apt_opts[@]}" showsrc thrift 2> /dev/null |
  sed -nE "s/^Version: ($version-[^ ]*)$/\\1/p" | head -n1)
if [[ -z "$debian_version" ]]; then
  echo "fetch_thrift_source: no thrift $version source package in the configured sources;" \
    "pass -DSCALES_THRIFT_SOURCE=<Apache Thrift $version source directory or tarball>" >&2
  exit 1
fi
(cd "$state/download" && apt-get "${apt_opts[@]}" source --download-only "thrift=$debian_version" >&2)

tarball=$(ls "$state"/download/thrift_"$version"*.orig.tar.* 2> /dev/null | head -n1)
if [[ -z "$tarball" ]]; then
  echo "fetch_thrift_source: no thrift $version upstream tarball in the source package" >&2
  exit 1
fi
tar -xf "$tarball" -C "$state/tree" --strip-components=1
rm -rf "$dest"
mv -T "$state/tree" "$dest"
echo "fetch_thrift_source: Apache Thrift $version source in $dest" >&2
