import { realpathSync } from 'node:fs';
import { isStaticElf } from '@sockerless/sdk';
import { findHostTool } from './util';

/** The host programs the local backend leans on, found once at start-up. */
export interface HostTools {
  bwrap?: string;
  /** util-linux nsenter, for exec into a running sandbox. */
  nsenter?: string;
  /** util-linux setpriv, to give an exec the container's capabilities rather than the daemon's. */
  setpriv?: string;
  /** mount(8), for the overlay root; a test may point it at one that refuses. */
  mount?: string;
  /** A statically linked busybox, the in-sandbox user switcher (it runs in any image, even without libc). */
  staticBusybox?: string;
  /** The static busybox a long-lived helper runs mount, umount and rm with (see BusyboxHelper); `mount` is the fallback. */
  busyboxHelper?: string;
  /** iproute2, for network namespaces, veth pairs and bridges. */
  ip?: string;
  /** For the isolation rules between networks (any backend, nf_tables or legacy). */
  iptablesRestore?: string;
  iptablesSave?: string;
}

export function detectHostTools(): HostTools {
  const real = (p: string | undefined) => { try { return p && realpathSync(p); } catch { return undefined; } };
  const busybox = ['/bin/busybox', '/usr/bin/busybox', findHostTool('busybox')].find((p) => p && isStaticElf(p));
  return {
    bwrap: real(findHostTool('bwrap')), nsenter: findHostTool('nsenter'), setpriv: findHostTool('setpriv'), mount: findHostTool('mount'),
    staticBusybox: busybox, busyboxHelper: busybox,
    ip: findHostTool('ip'), iptablesRestore: findHostTool('iptables-restore'), iptablesSave: findHostTool('iptables-save'),
  };
}
