import { callDaemon, CliUsageError, daemonMessage, resolveDaemonAddress, type BootStep, type CliStatusSection, type DaemonAddress, type DaemonStatus } from '@sockerless/sdk';
import { cliContributions } from './contributions';

export const STATUS_USAGE = `  sockerless status [--host URL] [--json]
      Prints the running daemon's backends, pools, containers per state and how long each step of
      its boot took (each plugin's init in milliseconds). The daemon is --host URL (or -H URL), else
      $DOCKER_HOST, else unix://$SOCKERLESS_HOME/docker.sock.
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

/** A section a plugin contributes: the data of its route, `undefined` when the daemon does not serve it. */
interface SectionData { section: CliStatusSection; data: unknown }

function formatStatus(address: string, status: DaemonStatus, sections: SectionData[]): string {
  const lines = [`Daemon: ${address}`, 'Backends:'];
  for (const b of status.backends) lines.push(`  ${b.name}${b.default ? ' *' : ''}  (${b.kind})  ${b.available ? 'available' : 'unavailable'}`);
  for (const { section, data } of sections) {
    lines.push(`${section.title}:`, ...(data === undefined ? section.absent : section.format(data)).trimEnd().split('\n').map((l) => `  ${l}`));
  }
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
      else throw new CliUsageError(`unexpected argument '${a}'`);
    }
    addr = resolveDaemonAddress(host, env);
  } catch (e) {
    if (!(e instanceof CliUsageError)) throw e;
    err(`sockerless status: ${e.message}\nUsage:\n${STATUS_USAGE}`);
    return 2;
  }
  let status: DaemonStatus;
  const sections: SectionData[] = [];
  try {
    const res = await callDaemon(addr, env.SOCKERLESS_TOKEN, 'GET', '/internal/status');
    if (res.status !== 200) { err(`Error response from daemon: ${daemonMessage(res.status, res.text)}\n`); return 1; }
    status = JSON.parse(res.text) as DaemonStatus;
    // Anything but 200 (a 404: the plugin is not loaded in that daemon) prints the section's `absent` line.
    for (const section of cliContributions().statusSections) {
      const r = await callDaemon(addr, env.SOCKERLESS_TOKEN, 'GET', section.path);
      sections.push({ section, data: r.status === 200 ? JSON.parse(r.text) as unknown : undefined });
    }
  } catch (e) {
    err(`Cannot connect to the Sockerless daemon at ${addr.url}: ${(e as Error).message}\n`);
    return 1;
  }
  const extra = Object.fromEntries(sections.map(({ section, data }) => [section.key, data ?? null]));
  out(json ? `${JSON.stringify({ ...status, ...extra }, null, 2)}\n` : formatStatus(addr.url, status, sections));
  return 0;
}
