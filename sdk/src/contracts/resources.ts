/**
 * A container's cgroup limits and usage, between the core (Docker's HostConfig, `docker update`, `docker
 * stats`) and a backend that enforces and measures them (backend-local's cgroups, a cloud's task size).
 */

/** Docker's HostConfig resource fields, checked and defaulted by the core as dockerd does; 0 means unset. */
export interface WorkloadResources {
  /** `Memory` in bytes. */
  memoryBytes: number;
  /** `MemorySwap` (memory plus swap) in bytes; -1 unlimited swap. */
  memorySwapBytes: number;
  /** `MemoryReservation` (soft limit) in bytes. */
  memoryReservationBytes: number;
  /** `NanoCpus`: CPUs in billionths (`--cpus 0.5` is 5e8); exclusive with cpuPeriod/cpuQuota. */
  nanoCpus: number;
  /** `CpuShares`: relative weight (the kernel's default is 1024). */
  cpuShares: number;
  /** `CpuPeriod` / `CpuQuota` in microseconds (CFS). */
  cpuPeriod: number;
  cpuQuota: number;
  /** `CpusetCpus` / `CpusetMems`: e.g. `0-1`, `0,2`; empty for all. */
  cpusetCpus: string;
  cpusetMems: string;
  /** `PidsLimit`: 0 or -1 for unlimited. */
  pidsLimit: number;
  /** `BlkioWeight`: 10-1000, 0 unset. */
  blkioWeight: number;
}

/** Docker's `GET /containers/{id}/stats` body (API 1.41+, cgroup v1 names); the core adds read/preread, name and id. */
export interface WorkloadStats {
  pids_stats: { current?: number; limit?: number };
  blkio_stats: Record<string, Array<{ major: number; minor: number; op: string; value: number }> | null>;
  num_procs: number;
  storage_stats: Record<string, number>;
  cpu_stats: WorkloadCpuStats;
  memory_stats: { usage?: number; max_usage?: number; stats?: Record<string, number>; failcnt?: number; limit?: number };
  /** Per interface inside the container's network namespace (`eth0`...); absent without a network of its own. */
  networks?: Record<string, WorkloadNetworkStats>;
}

export interface WorkloadCpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode: number; usage_in_usermode: number };
  /** Host CPU time in nanoseconds (/proc/stat), for the CLI's CPU %; absent when unknown. */
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface WorkloadNetworkStats {
  rx_bytes: number; rx_packets: number; rx_errors: number; rx_dropped: number;
  tx_bytes: number; tx_packets: number; tx_errors: number; tx_dropped: number;
}

/** What dockerd answers for a container that does not run (or a value nobody can read): zeros and empties. */
export function emptyWorkloadStats(): WorkloadStats {
  const blkio = ['io_service_bytes_recursive', 'io_serviced_recursive', 'io_queue_recursive', 'io_service_time_recursive',
    'io_wait_time_recursive', 'io_merged_recursive', 'io_time_recursive', 'sectors_recursive'];
  return {
    pids_stats: {},
    blkio_stats: Object.fromEntries(blkio.map((k) => [k, null])),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } },
    memory_stats: {},
  };
}

/** No limit at all: what a spec from an older core (without `resources`) means. */
export const NO_RESOURCE_LIMITS: WorkloadResources = {
  memoryBytes: 0, memorySwapBytes: 0, memoryReservationBytes: 0, nanoCpus: 0, cpuShares: 0, cpuPeriod: 0, cpuQuota: 0,
  cpusetCpus: '', cpusetMems: '', pidsLimit: 0, blkioWeight: 0,
};

/** Whether any limit is set (a backend that cannot enforce them need only refuse then). */
export function hasResourceLimits(r: WorkloadResources): boolean {
  return r.memoryBytes > 0 || r.memoryReservationBytes > 0 || r.nanoCpus > 0 || r.cpuShares > 0 || r.cpuPeriod > 0 || r.cpuQuota > 0 ||
    r.cpusetCpus !== '' || r.cpusetMems !== '' || r.pidsLimit > 0 || r.blkioWeight > 0;
}
