/**
 * Figure 7: resident memory of an engine's own processes, from /proc/PID/status (VmRSS), read after a
 * quiet spell so allocation from the last burst of work has settled (GC, freed buffers).
 */
import { readFileSync } from 'node:fs';
import type { Engine } from './engines';

/** Figure 7, one engine: with the busybox image only, and with the containers (after the list requests). */
export interface Rss {
  idleKiB: number;
  /** null when the engine was not filled (Docker's in --quick). */
  atScaleKiB: number | null;
  /** (atScaleKiB - idleKiB) / containers. */
  perContainerKiB: number | null;
}

/** The one deliberate pause of the benchmark: nothing runs against any engine for this long before a read. */
export const QUIET_MS = 2_000;

function vmRssKiB(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (err) {
    throw new Error(`cannot read /proc/${pid}/status: ${(err as Error).message}`);
  }
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!m) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(m[1]);
}

/** Waits QUIET_MS, then sums VmRSS over the engine's processes (KiB). */
export async function quietRssKiB(engine: Engine): Promise<number> {
  await new Promise((r) => setTimeout(r, QUIET_MS));
  return engine.memoryPids().reduce((sum, pid) => sum + vmRssKiB(pid), 0);
}
