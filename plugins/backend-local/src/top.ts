import { promises as fs } from 'node:fs';
import { run } from './util';

/** Host pids in the same pid namespace as `pid` (the container's processes, exec'd ones included). */
export async function pidsInNamespaceOf(pid: number): Promise<number[]> {
  const ns = await fs.readlink(`/proc/${pid}/ns/pid`).catch(() => undefined);
  if (!ns) return [];
  const out: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const other = await fs.readlink(`/proc/${entry}/ns/pid`).catch(() => undefined);
    if (other === ns) out.push(Number(entry));
  }
  return out;
}

/** Host pids of a process and all its descendants (host mode has no pid namespace to ask). */
export async function descendantsOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    out.push(p);
    const tasks = await fs.readdir(`/proc/${p}/task`).catch(() => [] as string[]);
    for (const t of tasks) {
      const children = await fs.readFile(`/proc/${p}/task/${t}/children`, 'utf8').catch(() => '');
      queue.push(...children.split(/\s+/).filter(Boolean).map(Number));
    }
  }
  return out;
}

/**
 * Docker's top: run `ps` with the caller's arguments (default `-ef`) on the host and keep the rows whose PID
 * is one of the container's, splitting each row into as many fields as there are titles (the last, the
 * command, keeps its spaces).
 */
export async function top(pids: number[], psArgs: string): Promise<{ Titles: string[]; Processes: string[][] }> {
  const args = (psArgs.trim() || '-ef').split(/\s+/);
  const text = await run('ps', args);
  const lines = text.split('\n').filter((l) => l.trim());
  const Titles = (lines.shift() ?? '').trim().split(/\s+/);
  const pidCol = Titles.indexOf('PID');
  if (pidCol < 0) throw new Error(`Couldn't find PID field in ps output`);
  const wanted = new Set(pids);
  const Processes: string[][] = [];
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    if (!wanted.has(Number(fields[pidCol]))) continue;
    const head = fields.slice(0, Titles.length - 1);
    head.push(fields.slice(Titles.length - 1).join(' '));
    Processes.push(head);
  }
  return { Titles, Processes };
}
