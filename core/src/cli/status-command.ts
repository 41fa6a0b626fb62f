import type { BootStep } from '../host/boot-timings';
import type { DaemonStatus } from '../management/status-route';
import { call, daemonMessage, formatPoolsTable, PoolsUsageError, resolveDaemonAddress, type DaemonAddress, type PoolStatus } from './pools-command';

export const STATUS_USAGE = `  sockerless status [--host URL] [--json]
      Prints the running daemon's backends, pools, containers per state and how long each step of
      its boot took (each plugin's init in milliseconds). The daemon is found as for 'pools'.
`;

/**
 * The boot as Fastify's avvio prints its plugin tree (`fastify.printPlugins()`): one line per step with
 * its milliseconds, children under their parent.
 */
export function formatBootTree(step: BootStep, prefix = '', last = true, root = true): string {
  const branch = root ? '' : `${prefix}${last ? '└─' : '├─'}${step.children.length ? '┬' : '─'} `;
  let out = `${branch}${step.name} ${step.ms} ms\n`;
  const inner = root ? '' : `${prefix}${last ? '  ' : '│ '}`;
  step.children.forEach((c, i) => { out += formatBootTree(c, inner, i === step.children.length - 1, false); });
  return out;
}

function formatStatus(address: string, status: DaemonStatus, pools: PoolStatus[] | undefined): string {
  const lines = [`Daemon: ${address}`, 'Backends:'];
  for (const b of status.backends) lines.push(`  ${b.name}${b.default ? ' *' : ''}  (${b.kind})  ${b.available ? 'available' : 'unavailable'}`);
  lines.push('Pools:');
  if (pools) lines.push(...formatPoolsTable(pools).trimEnd().split('\n').map((l) => `  ${l}`));
  else lines.push('  none: without the pools plugin every container goes to the default backend');
  const states = Object.entries(status.containers.byState).sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => `${s} ${n}`);
  lines.push(`Containers: ${status.containers.total}${states.length ? ` (${states.join(', ')})` : ''}`);
  lines.push(status.boot ? `Boot:\n${formatBootTree(status.boot).trimEnd()}` : 'Boot: still booting');
  return `${lines.join('\n')}\n`;
}

/** `sockerless status`: 0 when the daemon answered, 1 when it could not be reached or refused, 2 for bad usage. */
export async function runStatusCommand(argv: string[], env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let host: string | undefined;
  let json = false;
  let addr: DaemonAddress;
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === '--help' || a === '-h') { out(`Usage:\n${STATUS_USAGE}`); return 0; }
      if (a === '--json') json = true;
      else if ((a === '--host' || a === '-H') && argv[i + 1] !== undefined) host = argv[++i];
      else if (a.startsWith('--host=')) host = a.slice(7);
      else throw new PoolsUsageError(`unexpected argument '${a}'`);
    }
    addr = resolveDaemonAddress(host, env);
  } catch (e) {
    if (!(e instanceof PoolsUsageError)) throw e;
    err(`sockerless status: ${e.message}\nUsage:\n${STATUS_USAGE}`);
    return 2;
  }
  let status: DaemonStatus;
  let pools: PoolStatus[] | undefined;
  try {
    const res = await call(addr, env.SOCKERLESS_TOKEN, 'GET', '/internal/status');
    if (res.status !== 200) { err(`Error response from daemon: ${daemonMessage(res.status, res.text)}\n`); return 1; }
    status = JSON.parse(res.text) as DaemonStatus;
    // 404: no pools plugin, and so one implicit default pool.
    const poolsRes = await call(addr, env.SOCKERLESS_TOKEN, 'GET', '/internal/pools');
    if (poolsRes.status === 200) pools = JSON.parse(poolsRes.text) as PoolStatus[];
  } catch (e) {
    err(`Cannot connect to the Sockerless daemon at ${addr.url}: ${(e as Error).message}\n`);
    return 1;
  }
  out(json ? `${JSON.stringify({ ...status, pools: pools ?? null }, null, 2)}\n` : formatStatus(addr.url, status, pools));
  return 0;
}
