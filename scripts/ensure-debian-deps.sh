#!/usr/bin/env bash
# Installs the Debian packages Sockerless needs when running as root and they are missing.
#   runtime: what the daemon uses (bubblewrap for the sandbox, util-linux's nsenter for exec, and a static
#            busybox whose nsenter switches to a container's non-root user inside the sandbox)
#   runtime also has iproute2 and iptables: container networks are Linux bridges, veth pairs and network
#            namespaces, isolated from each other by FORWARD rules
#   test:    runtime + what the tests use (busybox-static also makes the test images, a local registry,
#            skopeo and umoci to build and push images offline), the real clients (docker-compose,
#            rsync for gitlab-ci-local, tmux for interactive terminals), docker.io, the reference
#            engine of the differential suite, and openssl, which makes the TLS test's certificates
#   bench:   test + hyperfine
set -euo pipefail
profile="${1:-test}"
need_cmds=(bwrap nsenter busybox ip iptables)
need_pkgs=(bubblewrap util-linux busybox-static iproute2 iptables)
if [ "$profile" = test ] || [ "$profile" = bench ]; then
  need_cmds+=(docker-registry skopeo umoci docker-compose rsync tmux dockerd openssl)
  need_pkgs+=(docker-registry skopeo umoci docker-compose rsync tmux docker.io openssl)
fi
if [ "$profile" = bench ]; then
  need_cmds+=(hyperfine)
  need_pkgs+=(hyperfine)
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
