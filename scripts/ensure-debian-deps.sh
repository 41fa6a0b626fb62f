#!/usr/bin/env bash
# Installs the Debian packages Sockerless needs when running as root and they are missing.
#   runtime: what the daemon uses (bubblewrap for the sandbox, util-linux's nsenter for exec, and a static
#            busybox whose nsenter switches to a container's non-root user inside the sandbox)
#   runtime also has iproute2 and iptables: container networks are Linux bridges, veth pairs and network
#            namespaces, isolated from each other by FORWARD rules; and gcc, libc6-dev and libseccomp-dev,
#            with which the local backend compiles its static `confine` helper (capabilities, seccomp,
#            user switch inside the sandbox; see docs/isolation.md) and its `shim` monitor (live-restore), and
#            the malloc-tune plugin its addon (plugins/malloc-tune/native/malloc-tune.c: memory freed after a burst of requests
#            goes back when idle), and Docker's default seccomp profile (see below); and attr, whose getfattr
#            finds the opaque directories (trusted.overlay.opaque) of a container's writable layer for
#            `docker diff` and `docker commit`; and openssl, with which the Azure simulator makes its TLS
#            certificate at first start (the Azure clients refuse bearer tokens over plain http); and git,
#            whose git-http-backend serves the GitLab simulator's repositories and with which ci-gitlab
#            clones a job's sources. A name starting with / is a file.
#   test:    runtime + what the tests use (busybox-static also makes the test images, a local registry,
#            skopeo and umoci to build and push images offline), the real clients (docker-compose,
#            rsync for gitlab-ci-local, tmux for interactive terminals), docker.io, the reference
#            engine of the differential suite (openssl, from runtime, also makes the TLS test's certificates), and
#            apache2-utils, whose htpasswd makes the bcrypt password file of the registry `docker login` uses,
#            and awscli, the official AWS CLI the AWS simulator's tests drive it with (as /usr/bin/aws: a pip
#            install elsewhere on PATH does not count), azure-cli, the official Azure CLI that reads the jobs
#            and executions the daemon made on the Azure simulator (`az rest`, as /usr/bin/az; about 2.5 minutes
#            to install)
#   bench:   test + hyperfine
set -euo pipefail
profile="${1:-test}"
need_cmds=(bwrap nsenter busybox ip iptables gcc /usr/include/stdio.h /usr/include/seccomp.h getfattr openssl /usr/lib/git-core/git-http-backend)
need_pkgs=(bubblewrap util-linux busybox-static iproute2 iptables gcc libc6-dev libseccomp-dev attr openssl git)
if [ "$profile" = test ] || [ "$profile" = bench ]; then
  need_cmds+=(docker-registry skopeo umoci docker-compose rsync tmux dockerd htpasswd /usr/bin/aws /usr/bin/az)
  need_pkgs+=(docker-registry skopeo umoci docker-compose rsync tmux docker.io apache2-utils awscli azure-cli)
fi
if [ "$profile" = bench ]; then
  need_cmds+=(hyperfine)
  need_pkgs+=(hyperfine)
fi
missing=()
for i in "${!need_cmds[@]}"; do
  if [ "${need_cmds[$i]}" = busybox ]; then [ -x /bin/busybox ] && continue; fi
  case "${need_cmds[$i]}" in /*) [ -e "${need_cmds[$i]}" ] || missing+=("${need_pkgs[$i]}"); continue ;; esac
  command -v "${need_cmds[$i]}" >/dev/null 2>&1 || missing+=("${need_pkgs[$i]}")
done
# Docker's default seccomp profile, the file the local backend filters containers with: Debian ships it with
# moby's source (golang-github-docker-docker-dev, the same 20.10 release as the docker.io reference engine).
# Only that one file is needed, not the package and its 260 Go source dependencies, so it is taken out of the
# downloaded .deb. SOCKERLESS_SECCOMP_PROFILE (read by the daemon) may name another copy instead.
seccomp_profile=/usr/local/share/sockerless/docker-default-seccomp.json
seccomp_in_deb=./usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json
need_profile=0
[ -s "$seccomp_profile" ] || need_profile=1
[ ${#missing[@]} -eq 0 ] && [ $need_profile = 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  [ ${#missing[@]} -gt 0 ] && echo "sockerless: missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
  [ $need_profile = 1 ] && echo "sockerless: missing Docker's default seccomp profile at $seccomp_profile (run this script as root)" >&2
  [ "$profile" = runtime ] && exit 0
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
if [ ${#missing[@]} -gt 0 ]; then
  echo "sockerless: installing Debian packages: ${missing[*]}" >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ $need_profile = 1 ]; then
  echo "sockerless: extracting Docker's default seccomp profile from Debian's golang-github-docker-docker-dev to $seccomp_profile" >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download -qq golang-github-docker-docker-dev >/dev/null 2>&1)
  mkdir -p "$(dirname "$seccomp_profile")"
  dpkg-deb --fsys-tarfile "$tmp"/golang-github-docker-docker-dev_*.deb | tar -xO "$seccomp_in_deb" > "$seccomp_profile.tmp"
  mv "$seccomp_profile.tmp" "$seccomp_profile"
fi
