#!/usr/bin/env bash
# Installs the Debian packages Sockerless needs when running as root and they are missing.
#   runtime: what the daemon uses (bubblewrap for the sandbox, util-linux's nsenter for exec, and a static
#            busybox whose nsenter switches to a container's non-root user inside the sandbox)
#   test:    runtime + what the tests use (busybox-static also makes the test images, a local registry,
#            skopeo and umoci to build and push images offline)
#   bench:   test + docker.io, the reference engine the benchmark compares against
set -euo pipefail
profile="${1:-test}"
need_cmds=(bwrap nsenter busybox)
need_pkgs=(bubblewrap util-linux busybox-static)
if [ "$profile" = test ] || [ "$profile" = bench ]; then
  need_cmds+=(docker-registry skopeo umoci)
  need_pkgs+=(docker-registry skopeo umoci)
fi
if [ "$profile" = bench ]; then
  need_cmds+=(dockerd hyperfine)
  need_pkgs+=(docker.io hyperfine)
fi
missing=()
for i in "${!need_cmds[@]}"; do
  if [ "${need_cmds[$i]}" = busybox ]; then [ -x /bin/busybox ] && continue; fi
  command -v "${need_cmds[$i]}" >/dev/null 2>&1 || missing+=("${need_pkgs[$i]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "sockerless: missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
  [ "$profile" = runtime ] && exit 0
  exit 1
fi
echo "sockerless: installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
