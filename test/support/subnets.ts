import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Test daemons share the host's routing table, so each gets its own /16 (10.100.0.0 to 10.199.0.0) for its
 * default bridge and new networks. Leases are files created exclusively, so parallel jest workers and other
 * test runs on the same host never pick the same range; a lease whose process died is taken over.
 */
const LEASE_DIR = '/tmp/sockerless-test-subnets';
const FIRST = 100;
const COUNT = 100;

export interface SubnetLease {
  /** `sockerless daemon` flags: --bip and --default-address-pool. */
  flags: string[];
  release(): void;
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; } };

export function leaseSubnet(): SubnetLease {
  mkdirSync(LEASE_DIR, { recursive: true });
  const start = Math.floor(Math.random() * COUNT);
  for (let i = 0; i < COUNT; i++) {
    const octet = FIRST + ((start + i) % COUNT);
    const file = `${LEASE_DIR}/${octet}`;
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
    } catch {
      const owner = Number(readFileSync(file, 'utf8'));
      if (owner && alive(owner)) continue;
      rmSync(file, { force: true });
      try { writeFileSync(file, String(process.pid), { flag: 'wx' }); } catch { continue; }
    }
    return {
      flags: ['--bip', `10.${octet}.0.1/24`, '--default-address-pool', `base=10.${octet}.0.0/16,size=24`],
      release: () => rmSync(file, { force: true }),
    };
  }
  throw new Error(`no free test subnet in 10.${FIRST}-${FIRST + COUNT - 1}.0.0/16 (leases in ${LEASE_DIR})`);
}
