import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { emptyWorkloadStats, type WorkloadNetworkStats, type WorkloadStats } from '@sockerless/sdk';
import type { ResourceCgroups } from './resource-cgroups';

/**
 * `docker stats` from the container's cgroup v1 groups, as dockerd's daemon/stats (libcontainer's fs
 * GetStats): cpuacct for CPU time, cpu.stat for throttling, memory.* and memory.stat, pids, blkio's
 * throttle counters, and the interfaces of the container's network namespace (/proc/PID/net/dev).
 */

/** USER_HZ: /proc/stat and cpuacct.stat count in ticks of 1/100 s. */
const NS_PER_TICK = 1e7;
/** A v1 memory group without a limit reports PAGE_COUNTER_MAX pages; dockerd shows the host's memory then. */
const UNLIMITED = 2 ** 62;

const readText = (path: string): string | undefined => { try { return readFileSync(path, 'utf8'); } catch { return undefined; } };

/** `key value` lines (memory.stat, cpu.stat, cpuacct.stat). */
function keyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

const numberOf = (text: string | undefined): number | undefined => (text === undefined || !/^\d+/.test(text.trim()) ? undefined : Number(text.trim()));

/** The host's CPU time in nanoseconds, as dockerd's getSystemCPUUsage (the first line of /proc/stat). */
export function systemCpuUsage(procStat = '/proc/stat'): number | undefined {
  const line = readText(procStat)?.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  return line.trim().split(/\s+/).slice(1, 8).reduce((sum, v) => sum + Number(v), 0) * NS_PER_TICK;
}

/** `8:0 Read 4096` lines (the `Total` line has two fields and is left out, as libcontainer does). */
function blkioEntries(text: string | undefined): Array<{ major: number; minor: number; op: string; value: number }> {
  const out = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\S+) (\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3], value: Number(m[4]) });
  }
  return out;
}

/** The interfaces of the network namespace `pid` is in, loopback left out (as dockerd lists them). */
export function networkStats(pid: number): Record<string, WorkloadNetworkStats> | undefined {
  const text = readText(`/proc/${pid}/net/dev`);
  if (!text) return undefined;
  const out: Record<string, WorkloadNetworkStats> = {};
  for (const line of text.split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!rest || name.trim() === 'lo') continue;
    const f = rest.trim().split(/\s+/).map(Number);
    out[name.trim()] = {
      rx_bytes: f[0], rx_packets: f[1], rx_errors: f[2], rx_dropped: f[3],
      tx_bytes: f[8], tx_packets: f[9], tx_errors: f[10], tx_dropped: f[11],
    };
  }
  return out;
}

/** One sample of a running container; `pid` is its workload's (for its network namespace), 0 for none. */
export function readStats(groups: ResourceCgroups, id: string, pid: number): WorkloadStats {
  const s = emptyWorkloadStats();
  const usage = numberOf(groups.read('cpuacct', id, 'cpuacct.usage'));
  if (usage !== undefined) {
    const times = keyValues(groups.read('cpuacct', id, 'cpuacct.stat'));
    const percpu = (groups.read('cpuacct', id, 'cpuacct.usage_percpu') ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
    s.cpu_stats.cpu_usage = {
      total_usage: usage, percpu_usage: percpu,
      usage_in_kernelmode: (times.system ?? 0) * NS_PER_TICK, usage_in_usermode: (times.user ?? 0) * NS_PER_TICK,
    };
  }
  const throttling = keyValues(groups.read('cpu', id, 'cpu.stat'));
  s.cpu_stats.throttling_data = {
    periods: throttling.nr_periods ?? 0, throttled_periods: throttling.nr_throttled ?? 0, throttled_time: throttling.throttled_time ?? 0,
  };
  s.cpu_stats.system_cpu_usage = systemCpuUsage();
  s.cpu_stats.online_cpus = cpus().length;
  const memUsage = numberOf(groups.read('memory', id, 'memory.usage_in_bytes'));
  if (memUsage !== undefined) {
    const limit = numberOf(groups.read('memory', id, 'memory.limit_in_bytes')) ?? UNLIMITED;
    const failcnt = numberOf(groups.read('memory', id, 'memory.failcnt')) ?? 0;
    s.memory_stats = {
      usage: memUsage,
      max_usage: numberOf(groups.read('memory', id, 'memory.max_usage_in_bytes')) ?? 0,
      stats: keyValues(groups.read('memory', id, 'memory.stat')),
      // omitempty in Docker's MemoryStats: shown only once the limit was hit.
      ...(failcnt > 0 ? { failcnt } : {}),
      limit: Math.min(limit, totalmem()),
    };
  }
  const current = numberOf(groups.read('pids', id, 'pids.current'));
  if (current !== undefined) {
    const max = numberOf(groups.read('pids', id, 'pids.max'));
    s.pids_stats = max === undefined ? { current } : { current, limit: max };
  }
  if (groups.has('blkio')) {
    s.blkio_stats = {
      io_service_bytes_recursive: blkioEntries(groups.read('blkio', id, 'blkio.throttle.io_service_bytes_recursive')),
      io_serviced_recursive: blkioEntries(groups.read('blkio', id, 'blkio.throttle.io_serviced_recursive')),
      io_queue_recursive: [], io_service_time_recursive: [], io_wait_time_recursive: [], io_merged_recursive: [], io_time_recursive: [], sectors_recursive: [],
    };
  }
  const networks = pid > 0 ? networkStats(pid) : undefined;
  if (networks) s.networks = networks;
  return s;
}
