import { closeSync, openSync, readSync, realpathSync } from 'node:fs';
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

/** True when the ELF file has no PT_INTERP segment, i.e. it needs no dynamic loader from the image. */
export function isStaticElf(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(64);
    if (readSync(fd, head, 0, 64, 0) < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2) return false;
    const phoff = Number(head.readBigUInt64LE(32));
    const phentsize = head.readUInt16LE(54);
    const phnum = head.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) if (ph.readUInt32LE(i * phentsize) === 3) return false;
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
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
