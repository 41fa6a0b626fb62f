/** dockerd's checks, defaults and update merge for HostConfig's resource fields (daemon_unix.go, container.UpdateContainer). */
import { adaptResources, mergeResourceUpdate, resourcesOf, validateResources } from '../src/resources';

const MB = 1024 * 1024;

test('create: dockerd 400s for values, with its wording', () => {
  const bad: Array<[Record<string, unknown>, string]> = [
    [{ Memory: 1000 }, 'Minimum memory limit allowed is 6MB'],
    [{ Memory: 64 * MB, MemorySwap: 32 * MB }, 'Minimum memoryswap limit should be larger than memory limit, see usage'],
    [{ MemorySwap: 64 * MB }, 'You should always set the Memory limit when using Memoryswap limit, see usage'],
    [{ Memory: 16 * MB, MemoryReservation: 32 * MB }, 'Minimum memory limit can not be less than memory reservation limit, see usage'],
    [{ NanoCpus: 5e8, CpuQuota: 50000 }, 'Conflicting options: Nano CPUs and CPU Quota cannot both be set'],
    [{ NanoCpus: 3e9 }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'],
    [{ CpuPeriod: 500 }, 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)'],
    [{ CpusetCpus: '7' }, 'Requested CPUs are not available - requested 7, available: 0-1'],
    [{ CpusetCpus: 'x' }, 'Invalid value x for cpuset cpus'],
    [{ CpusetCpus: '0-4294967295' }, 'Invalid value 0-4294967295 for cpuset cpus'],
    [{ CpusetCpus: '0-99999' }, 'Requested CPUs are not available - requested 0-99999, available: 0-1'],
    [{ Memory: 1e30 }, 'invalid HostConfig.Memory: expected an integer'],
    [{ CpusetCpus: 3 }, 'invalid HostConfig.CpusetCpus: expected a string'],
    [{ BlkioWeight: 5 }, 'Range of blkio weight is from 10 to 1000'],
  ];
  for (const [h, message] of bad) expect(() => validateResources(h, 2)).toThrow(message);
  expect(() => validateResources({ Memory: 32 * MB, NanoCpus: 1.5e9, CpusetCpus: '0-1', PidsLimit: -1 }, 2)).not.toThrow();
});

test('MemorySwap defaults to twice Memory, and the record becomes the backend limits', () => {
  const h: Record<string, unknown> = { Memory: 32 * MB, NanoCpus: 5e8, PidsLimit: 10 };
  adaptResources(h);
  expect(h.MemorySwap).toBe(64 * MB);
  expect(resourcesOf(h)).toMatchObject({ memoryBytes: 32 * MB, memorySwapBytes: 64 * MB, nanoCpus: 5e8, pidsLimit: 10, cpusetCpus: '' });
});

test('update merges only what is given, with dockerd 409s for what conflicts', () => {
  const current: Record<string, unknown> = { Memory: 32 * MB, MemorySwap: 64 * MB, NanoCpus: 5e8, PidsLimit: 10 };
  expect(() => mergeResourceUpdate('abc', { ...current }, { CpuQuota: 50000 })).toThrow('Cannot update container abc: Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');
  expect(() => mergeResourceUpdate('abc', { ...current }, { Memory: 128 * MB })).toThrow('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
  const merged = { ...current };
  mergeResourceUpdate('abc', merged, { Memory: 48 * MB, PidsLimit: -1 });
  expect(merged).toEqual({ Memory: 48 * MB, MemorySwap: 64 * MB, NanoCpus: 5e8, PidsLimit: 0 });
  // Without a swap limit set, memory can grow on its own.
  const open: Record<string, unknown> = {};
  mergeResourceUpdate('abc', open, { Memory: 64 * MB });
  expect(open.Memory).toBe(64 * MB);
});
