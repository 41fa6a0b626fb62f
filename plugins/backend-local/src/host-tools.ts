import { realpathSync } from 'node:fs';
import { isStaticElf, type Logger } from '@sockerless/sdk';
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

/** At boot: what the host lacks for Docker's isolation, said loudly. */
export function warnAboutSandbox(logger: Logger, mode: 'auto' | 'bubblewrap' | 'none', tools: HostTools): void {
  if (mode !== 'none' && !tools.bwrap) {
    logger.warn('bubblewrap (bwrap) NOT FOUND: containers will run directly on the host WITHOUT isolation. Install the `bubblewrap` package.');
  } else if (mode === 'none') {
    logger.warn('sandbox is "none": containers run directly on the host WITHOUT isolation');
  }
  if (tools.bwrap && !tools.staticBusybox) {
    logger.warn('no static busybox on the host: containers with a non-root user run in a user namespace where file ownership is not enforced (install busybox-static)');
  }
}
