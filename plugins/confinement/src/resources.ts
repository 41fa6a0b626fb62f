import { availableParallelism } from 'node:os';
import { ConflictError, InvalidArgumentError, type WorkloadResources } from '@sockerless/sdk';

/**
 * Docker's resource fields (HostConfig.Memory, NanoCpus, PidsLimit...): dockerd's checks at create and
 * update (daemon/daemon_unix.go verifyPlatformContainerResources, container.UpdateContainer), its defaults
 * (MemorySwap twice Memory) and the WorkloadResources a backend enforces.
 */

/** dockerd's linuxMinMemory. */
const MIN_MEMORY = 6 * 1024 * 1024;

type Fields = Record<string, unknown>;

const num = (h: Fields, key: string): number => (typeof h[key] === 'number' && Number.isFinite(h[key]) ? (h[key] as number) : 0);
const str = (h: Fields, key: string): string => (typeof h[key] === 'string' ? (h[key] as string) : '');

/** The record's limits for the backend (a nil PidsLimit and -1 both mean none). */
export function resourcesOf(h: Fields): WorkloadResources {
  return {
    memoryBytes: num(h, 'Memory'), memorySwapBytes: num(h, 'MemorySwap'), memoryReservationBytes: num(h, 'MemoryReservation'),
    nanoCpus: num(h, 'NanoCpus'), cpuShares: num(h, 'CpuShares'), cpuPeriod: num(h, 'CpuPeriod'), cpuQuota: num(h, 'CpuQuota'),
    cpusetCpus: str(h, 'CpusetCpus'), cpusetMems: str(h, 'CpusetMems'), pidsLimit: num(h, 'PidsLimit'), blkioWeight: num(h, 'BlkioWeight'),
  };
}

/** The highest number in `0-2,5`; undefined when it is not such a list (dockerd's parsers.ParseUintList). */
function highestOfList(list: string): number | undefined {
  let highest = -1;
  for (const part of list.split(',')) {
    const m = /^(\d{1,9})(?:-(\d{1,9}))?$/.exec(part.trim());
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return undefined;
    highest = Math.max(highest, to);
  }
  return highest;
}

/**
 * dockerd's 400s for the values themselves (create and update alike). `cpus`: the host's online CPUs.
 * `update`: a swap limit alone is fine there (it pairs with the Memory already set).
 */
export function validateResources(h: Fields, cpus = availableParallelism(), update = false): void {
  for (const key of ['Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuShares', 'CpuPeriod', 'CpuQuota', 'BlkioWeight']) {
    if (h[key] !== undefined && h[key] !== null && (typeof h[key] !== 'number' || !Number.isSafeInteger(h[key]))) {
      throw new InvalidArgumentError(`invalid HostConfig.${key}: expected an integer`);
    }
  }
  for (const key of ['CpusetCpus', 'CpusetMems']) {
    if (h[key] !== undefined && h[key] !== null && typeof h[key] !== 'string') throw new InvalidArgumentError(`invalid HostConfig.${key}: expected a string`);
  }
  if (h.PidsLimit !== undefined && h.PidsLimit !== null && !Number.isSafeInteger(h.PidsLimit)) throw new InvalidArgumentError('invalid HostConfig.PidsLimit: expected an integer');
  const memory = num(h, 'Memory');
  const swap = num(h, 'MemorySwap');
  const reservation = num(h, 'MemoryReservation');
  if (memory !== 0 && memory < MIN_MEMORY) throw new InvalidArgumentError('Minimum memory limit allowed is 6MB');
  if (memory > 0 && swap > 0 && swap < memory) throw new InvalidArgumentError('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (!update && memory === 0 && swap > 0) throw new InvalidArgumentError('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (memory > 0 && reservation > 0 && memory < reservation) {
    throw new InvalidArgumentError('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  if (reservation !== 0 && reservation < MIN_MEMORY) throw new InvalidArgumentError('Minimum memory reservation allowed is 6MB');
  const nano = num(h, 'NanoCpus');
  if (nano > 0 && num(h, 'CpuPeriod') > 0) throw new InvalidArgumentError('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && num(h, 'CpuQuota') > 0) throw new InvalidArgumentError('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano < 0 || nano > cpus * 1e9) {
    throw new InvalidArgumentError(`Range of CPUs is from 0.01 to ${cpus}.00, as there are only ${cpus} CPUs available`);
  }
  const period = num(h, 'CpuPeriod');
  if (period !== 0 && (period < 1000 || period > 1_000_000)) {
    throw new InvalidArgumentError('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  const quota = num(h, 'CpuQuota');
  if (quota > 0 && quota < 1000) throw new InvalidArgumentError('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  const weight = num(h, 'BlkioWeight');
  if (weight > 0 && (weight < 10 || weight > 1000)) throw new InvalidArgumentError('Range of blkio weight is from 10 to 1000');
  const cpuset = str(h, 'CpusetCpus');
  if (cpuset !== '') {
    const highest = highestOfList(cpuset);
    if (highest === undefined) throw new InvalidArgumentError(`Invalid value ${cpuset} for cpuset cpus`);
    if (highest >= cpus) throw new InvalidArgumentError(`Requested CPUs are not available - requested ${cpuset}, available: ${cpus === 1 ? '0' : `0-${cpus - 1}`}`);
  }
  const mems = str(h, 'CpusetMems');
  if (mems !== '') {
    const highest = highestOfList(mems);
    if (highest === undefined) throw new InvalidArgumentError(`Invalid value ${mems} for cpuset mems`);
    if (highest > 0) throw new InvalidArgumentError(`Requested memory nodes are not available - requested ${mems}, available: 0`);
  }
}

/** dockerd's adaptContainerSettings at create: MemorySwap is twice Memory unless given. */
export function adaptResources(h: Fields): void {
  if (num(h, 'Memory') > 0 && num(h, 'MemorySwap') === 0) h.MemorySwap = num(h, 'Memory') * 2;
}

/**
 * container.UpdateContainer: merges an update into the record's HostConfig, with dockerd's 409s for what
 * conflicts with what is already set. Only the fields the update sets change (0 leaves a field as it is).
 */
export function mergeResourceUpdate(id: string, current: Fields, update: Fields): void {
  const conflict = (why: string) => new ConflictError(`Cannot update container ${id}: Conflicting options: ${why}`);
  if (num(update, 'NanoCpus') > 0 && num(current, 'CpuPeriod') > 0) throw conflict('Nano CPUs cannot be updated as CPU Period has already been set');
  if (num(update, 'NanoCpus') > 0 && num(current, 'CpuQuota') > 0) throw conflict('Nano CPUs cannot be updated as CPU Quota has already been set');
  if (num(update, 'CpuPeriod') > 0 && num(current, 'NanoCpus') > 0) throw conflict('CPU Period cannot be updated as NanoCPUs has already been set');
  if (num(update, 'CpuQuota') > 0 && num(current, 'NanoCpus') > 0) throw conflict('CPU Quota cannot be updated as NanoCPUs has already been set');
  // Only a swap limit that is set can be undercut (moby's check, guarded as its comment means it).
  if (num(update, 'Memory') !== 0 && num(current, 'MemorySwap') > 0 && num(update, 'Memory') > num(current, 'MemorySwap') && num(update, 'MemorySwap') === 0) {
    throw new ConflictError(`Cannot update container ${id}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time`);
  }
  for (const key of ['BlkioWeight', 'CpuShares', 'NanoCpus', 'CpuPeriod', 'CpuQuota', 'Memory', 'MemorySwap', 'MemoryReservation']) {
    if (num(update, key) !== 0) current[key] = update[key];
  }
  for (const key of ['CpusetCpus', 'CpusetMems']) if (str(update, key) !== '') current[key] = update[key];
  // A pointer in dockerd: any value given, 0 and -1 included, replaces the old one (-1 shows as 0).
  if (typeof update.PidsLimit === 'number') current.PidsLimit = update.PidsLimit > 0 ? update.PidsLimit : 0;
  if (num(current, 'Memory') > 0 && num(current, 'MemorySwap') > 0 && num(current, 'MemorySwap') < num(current, 'Memory')) {
    throw new InvalidArgumentError('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
}

/** dockerd's checks of HostConfig.Ulimits at create: integers of at least -1 (unlimited), soft not above hard. */
export function validateUlimits(ulimits: unknown): void {
  if (ulimits === undefined || ulimits === null) return;
  if (!Array.isArray(ulimits)) throw new InvalidArgumentError('invalid HostConfig.Ulimits: expected a list');
  for (const u of ulimits as { Name?: unknown; Soft?: unknown; Hard?: unknown }[]) {
    const name = String(u?.Name ?? '');
    const soft = Number(u?.Soft ?? 0);
    const hard = Number(u?.Hard ?? 0);
    if (!Number.isInteger(soft) || !Number.isInteger(hard) || soft < -1 || hard < -1) {
      throw new InvalidArgumentError(`invalid ulimit ${name}: soft and hard limits must be integers of at least -1 (unlimited), not ${String(u?.Soft)}:${String(u?.Hard)}`);
    }
    // go-units' ParseUlimit wording; -1 (unlimited) is above every limit.
    if (hard !== -1 && (soft === -1 || soft > hard)) throw new InvalidArgumentError(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  }
}
