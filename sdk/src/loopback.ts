import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * `localhost`, 127.0.0.0/8, ::1, or a name whose every address is one of those: a listen host only this
 * machine reaches. The core warns about or refuses a plain tcp:// Docker API listener elsewhere (dockerd 27's
 * rule), and the `simulators` plugin warns about a simulator listening elsewhere.
 */
export async function isLoopbackHost(host: string): Promise<boolean> {
  if (host === 'localhost') return true;
  const isLoopbackIp = (ip: string) => (isIP(ip) === 4 ? ip.startsWith('127.') : ip === '::1' || ip.startsWith('::ffff:127.'));
  if (isIP(host)) return isLoopbackIp(host);
  // A name: dockerd looks it up too; it is loopback only if every address it has is.
  const addresses = await lookup(host, { all: true }).catch(() => []);
  return addresses.length > 0 && addresses.every((a) => isLoopbackIp(a.address));
}
