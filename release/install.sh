#!/bin/sh
# Installs busbar:   curl -fsSL <release folder>/install.sh | sh        (docs/install.md)
#
# POSIX sh, no sudo. Picks the binary for this OS, CPU and libc, downloads it with SHA256SUMS into a temporary
# directory inside the install directory, verifies it (no way to skip), checks that it runs, and only then renames
# it into place: a failed, interrupted or tampered download never leaves a binary behind. Starter config.yaml and
# providers.yaml are written beside it; existing files are never overwritten (new copies go to *.new).
#
# Environment:
#   BUSBAR_INSTALL_BASE_URL  the release folder itself (a mirror, a test server): <url>/busbar-linux-x64, …
#   BUSBAR_DOWNLOAD_BASE     a release host laid out <base>/<version>/… and <base>/latest/VERSION
#   BUSBAR_VERSION           with BUSBAR_DOWNLOAD_BASE: the version to install (default: latest)
#   BUSBAR_INSTALL_DIR       where to install (default: the current directory)
#   BUSBAR_LIBC              glibc | musl, to override the detection on Linux
set -eu

# The project's release host, stamped by `bun build.ts --download-base URL` into the install.sh it publishes.
DEFAULT_DOWNLOAD_BASE=""

say() { printf 'busbar-install: %s\n' "$*"; }
die() {
  printf 'busbar-install: error: %s\n' "$*" >&2
  exit 1
}

work=""
cleanup() {
  if [ -n "$work" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 129' HUP

fetch() { # url file
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL -o "$2" "$1" || die "download failed: $1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1" || die "download failed: $1"
  else
    die "neither curl nor wget is installed"
  fi
}

sha256() { # file -> lowercase hex
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    die "neither sha256sum nor shasum is installed, so the download cannot be verified; nothing was installed"
  fi
}

verify() { # name (in $work, listed in $work/SHA256SUMS)
  expected=$(awk -v n="$1" '$2 == n || $2 == "*" n { print $1; exit }' "$work/SHA256SUMS")
  [ -n "$expected" ] || die "SHA256SUMS lists no $1; nothing was installed"
  actual=$(sha256 "$work/$1")
  [ "$actual" = "$expected" ] || die "checksum mismatch for $1 (SHA256SUMS says $expected, the download is $actual); nothing was installed"
}

# --- platform -------------------------------------------------------------------------------------------------
kernel=$(uname -s)
case "$kernel" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  MINGW* | MSYS* | CYGWIN* | Windows_NT)
    die "on Windows, download busbar-windows-x64.exe and SHA256SUMS from the release folder and compare: certutil -hashfile busbar-windows-x64.exe SHA256" ;;
  *) die "unsupported operating system: $kernel (busbar ships builds for Linux, macOS and Windows)" ;;
esac

machine=$(uname -m)
case "$machine" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "unsupported CPU architecture: $machine (busbar ships x64 and arm64 builds)" ;;
esac
# A shell under Rosetta reports x86_64 on Apple silicon: the native build is the right one.
if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
  arch=arm64
fi

suffix=""
if [ "$os" = linux ]; then
  case "${BUSBAR_LIBC:-}" in
    musl) suffix=-musl ;;
    glibc | gnu) suffix="" ;;
    "")
      if ls /lib/ld-musl-* >/dev/null 2>&1 || ldd --version 2>&1 | grep -qi musl; then suffix=-musl; fi ;;
    *) die "BUSBAR_LIBC must be glibc or musl (got: $BUSBAR_LIBC)" ;;
  esac
fi
binary="busbar-$os-$arch$suffix"

# --- where from -----------------------------------------------------------------------------------------------
if [ -n "${BUSBAR_INSTALL_BASE_URL:-}" ]; then
  folder=${BUSBAR_INSTALL_BASE_URL%/}
else
  base=${BUSBAR_DOWNLOAD_BASE:-$DEFAULT_DOWNLOAD_BASE}
  [ -n "$base" ] || die "this install.sh names no release location; set BUSBAR_INSTALL_BASE_URL to the folder that holds $binary and SHA256SUMS"
  base=${base%/}
  version=${BUSBAR_VERSION:-}
  if [ -z "$version" ]; then
    version=$( (curl -fsSL "$base/latest/VERSION" 2>/dev/null || wget -q -O - "$base/latest/VERSION" 2>/dev/null) | tr -d ' \r\n') ||
      true
    [ -n "$version" ] || die "could not read the latest version from $base/latest/VERSION (set BUSBAR_VERSION)"
  fi
  folder="$base/$version"
fi

# --- download and verify, inside the install directory so the final step is a rename --------------------------
dir=${BUSBAR_INSTALL_DIR:-.}
mkdir -p "$dir" || die "cannot create $dir"
work=$(mktemp -d "$dir/.busbar-install.XXXXXX") || die "cannot write to $dir"

say "installing $binary from $folder"
fetch "$folder/SHA256SUMS" "$work/SHA256SUMS"
fetch "$folder/$binary" "$work/$binary"
verify "$binary"
for f in config.example.yaml providers.yaml; do
  fetch "$folder/$f" "$work/$f"
  verify "$f"
done

chmod 0755 "$work/$binary"
if ! reported=$("$work/$binary" --version 2>&1); then
  hint=""
  if [ "$os" = linux ]; then hint=" (if this system's C library was misdetected, set BUSBAR_LIBC=glibc or BUSBAR_LIBC=musl)"; fi
  die "the downloaded $binary does not run here$hint: $reported"
fi

mv -f "$work/$binary" "$dir/busbar"
for pair in config.example.yaml:config.yaml providers.yaml:providers.yaml; do
  from=${pair%%:*}
  to=${pair#*:}
  if [ -e "$dir/$to" ]; then
    mv -f "$work/$from" "$dir/$to.new"
    say "kept your $dir/$to; the release's copy is $dir/$to.new"
  else
    mv -f "$work/$from" "$dir/$to"
  fi
done

say "installed $reported as $dir/busbar"
goto=""
if [ "$dir" != . ]; then goto="  cd $dir
"; fi
cat <<EOF

Next:
$goto  ./busbar demo                                  # a gateway with a built-in mock upstream, no keys needed
  export OPENAI_API_KEY=... ANTHROPIC_API_KEY=...   # the env vars config.yaml names
  ./busbar --config config.yaml                  # then point any SDK at http://127.0.0.1:8080

providers.yaml is the provider catalog built into the binary, for reference; to change it, edit it and run
./busbar --config config.yaml --providers providers.yaml
EOF
