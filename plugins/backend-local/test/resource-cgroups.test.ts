/**
 * The resource groups' file writes and reads against a fake cgroup v1 tree in a temp dir (the kernel's own
 * answers are covered end to end by test/e2e/cli-resources.test.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_RESOURCE_LIMITS, type WorkloadResources } from '@sockerless/sdk';
import { silentLogger } from '@sockerless/sdk/testing';
import { readStats, systemCpuUsage } from '../src/cgroup-stats';
import { RESOURCE_CONTROLLERS, ResourceCgroups, v1Mounts, type ResourceController } from '../src/resource-cgroups';

let root: string;
beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'sockerless-cg-')); });
afterEach(() => { rmSync(root, { recursive: true, force: true }); });

function fakeTree(controllers: readonly ResourceController[] = RESOURCE_CONTROLLERS): Map<ResourceController, string> {
  const mounts = new Map<ResourceController, string>();
  for (const c of controllers) {
    mkdirSync(join(root, c), { recursive: true });
    mounts.set(c, join(root, c));
  }
  writeFileSync(join(root, 'cpuset', 'cpuset.cpus'), '0-3\n');
  writeFileSync(join(root, 'cpuset', 'cpuset.mems'), '0\n');
  return mounts;
}
const limits = (over: Partial<WorkloadResources>): WorkloadResources => ({ ...NO_RESOURCE_LIMITS, ...over });
const groupFile = (groups: ResourceCgroups, c: ResourceController, file: string) => readFileSync(join(groups.dirOf(c, 'c1'), file), 'utf8');

test('v1Mounts reads each controller from /proc/mounts, a co-mounted pair included', () => {
  const mounts = join(root, 'mounts');
  writeFileSync(mounts, [
    'cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,cpu,cpuacct 0 0',
    'cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0',
    'cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0',
    'cgroup /sys/fs/cgroup/systemd cgroup rw,name=systemd 0 0',
  ].join('\n'));
  expect(Object.fromEntries(v1Mounts(mounts))).toEqual({
    cpu: '/sys/fs/cgroup/cpu,cpuacct', cpuacct: '/sys/fs/cgroup/cpu,cpuacct', memory: '/sys/fs/cgroup/memory',
  });
});

test("limits are written as runc's fs driver writes them", async () => {
  const groups = new ResourceCgroups(silentLogger, '/home/x', fakeTree());
  await groups.ensure('c1', limits({
    memoryBytes: 33554432, memorySwapBytes: 67108864, memoryReservationBytes: 16777216, nanoCpus: 500_000_000,
    cpuShares: 512, cpusetCpus: '1', pidsLimit: 10,
  }), true);
  expect(groupFile(groups, 'memory', 'memory.limit_in_bytes')).toBe('33554432');
  expect(groupFile(groups, 'memory', 'memory.soft_limit_in_bytes')).toBe('16777216');
  expect(groupFile(groups, 'cpu', 'cpu.cfs_period_us')).toBe('100000');
  expect(groupFile(groups, 'cpu', 'cpu.cfs_quota_us')).toBe('50000');
  expect(groupFile(groups, 'cpu', 'cpu.shares')).toBe('512');
  expect(groupFile(groups, 'cpuset', 'cpuset.cpus')).toBe('1');
  // The parents got the hierarchy's CPUs and nodes first (a new cpuset group has none).
  expect(readFileSync(join(groups.dirOf('cpuset', 'c1'), '..', 'cpuset.cpus'), 'utf8')).toBe('0-3');
  expect(groupFile(groups, 'cpuset', 'cpuset.mems')).toBe('0');
  expect(groupFile(groups, 'pids', 'pids.max')).toBe('10');
  groups.apply('c1', limits({ pidsLimit: 0, cpuPeriod: 50000, cpuQuota: 25000 }));
  expect(groupFile(groups, 'pids', 'pids.max')).toBe('max');
  expect(groupFile(groups, 'cpu', 'cpu.cfs_quota_us')).toBe('25000');
});

test('the swap limit is written where swap accounting exists, and -1 is unlimited', async () => {
  const groups = new ResourceCgroups(silentLogger, '/home/x', fakeTree());
  await groups.ensure('c1', NO_RESOURCE_LIMITS, true);
  writeFileSync(join(groups.dirOf('memory', 'c1'), 'memory.memsw.limit_in_bytes'), '9223372036854771712');
  groups.apply('c1', limits({ memoryBytes: 33554432, memorySwapBytes: -1 }));
  expect(groupFile(groups, 'memory', 'memory.memsw.limit_in_bytes')).toBe('-1');
  groups.apply('c1', limits({ memoryBytes: 33554432, memorySwapBytes: 67108864 }));
  expect(groupFile(groups, 'memory', 'memory.memsw.limit_in_bytes')).toBe('67108864');
});

test('a limit whose controller is missing is named; pause without a freezer is a 501', async () => {
  const groups = new ResourceCgroups(silentLogger, '/home/x', fakeTree(['memory', 'cpuset']));
  expect(groups.unsupported(limits({ memoryBytes: 1 << 25 }))).toBeUndefined();
  expect(groups.unsupported(limits({ pidsLimit: 5 }))).toBe('PidsLimit');
  expect(groups.unsupported(limits({ nanoCpus: 1e9 }))).toBe('NanoCpus/CpuShares');
  await expect(groups.setFrozen('c1', true)).rejects.toMatchObject({ code: 'NotImplemented' });
});

test('freezer state, OOM count and stats are read from the group files', async () => {
  const groups = new ResourceCgroups(silentLogger, '/home/x', fakeTree());
  await groups.ensure('c1', NO_RESOURCE_LIMITS, true);
  await groups.setFrozen('c1', true);
  expect(groups.isFrozen('c1')).toBe(true);
  await groups.setFrozen('c1', false);
  expect(groups.isFrozen('c1')).toBe(false);
  const put = (c: ResourceController, file: string, text: string) => writeFileSync(join(groups.dirOf(c, 'c1'), file), text);
  put('memory', 'memory.oom_control', 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
  expect(groups.oomKills('c1')).toBe(2);
  put('cpuacct', 'cpuacct.usage', '3000000000\n');
  put('cpuacct', 'cpuacct.usage_percpu', '1000000000 2000000000 \n');
  put('cpuacct', 'cpuacct.stat', 'user 250\nsystem 50\n');
  put('cpu', 'cpu.stat', 'nr_periods 10\nnr_throttled 4\nthrottled_time 123\n');
  put('memory', 'memory.usage_in_bytes', '409600\n');
  put('memory', 'memory.max_usage_in_bytes', '819200\n');
  put('memory', 'memory.limit_in_bytes', '33554432\n');
  put('memory', 'memory.failcnt', '0\n');
  put('memory', 'memory.stat', 'cache 0\nrss 57344\n');
  put('pids', 'pids.current', '3\n');
  put('pids', 'pids.max', 'max\n');
  put('blkio', 'blkio.throttle.io_service_bytes_recursive', '8:0 Read 4096\n8:0 Write 0\nTotal 4096\n');
  const s = readStats(groups, 'c1', 0);
  expect(s.cpu_stats.cpu_usage).toEqual({ total_usage: 3e9, percpu_usage: [1e9, 2e9], usage_in_kernelmode: 5e8, usage_in_usermode: 2.5e9 });
  expect(s.cpu_stats.throttling_data).toEqual({ periods: 10, throttled_periods: 4, throttled_time: 123 });
  expect(s.memory_stats).toEqual({ usage: 409600, max_usage: 819200, stats: { cache: 0, rss: 57344 }, limit: 33554432 });
  expect(s.pids_stats).toEqual({ current: 3 });
  expect(s.blkio_stats.io_service_bytes_recursive).toEqual([{ major: 8, minor: 0, op: 'Read', value: 4096 }, { major: 8, minor: 0, op: 'Write', value: 0 }]);
  expect(s.networks).toBeUndefined();
});

test("the host's CPU time is /proc/stat's first line in nanoseconds", () => {
  const stat = join(root, 'stat');
  writeFileSync(stat, 'cpu  100 0 50 800 10 0 40 0 0 0\ncpu0 1 2 3\n');
  expect(systemCpuUsage(stat)).toBe(1000 * 1e7);
});

test('a hierarchy the daemon cannot write is left out; a limit that needs it is then a 501', async () => {
  const mounts = fakeTree(['memory', 'cpuset']);
  writeFileSync(join(root, 'not-a-dir'), '');
  mounts.set('pids', join(root, 'not-a-dir'));
  const groups = new ResourceCgroups(silentLogger, '/home/x', mounts);
  const procs = await groups.ensure('c1', limits({ memoryBytes: 1 << 25 }), true);
  expect(procs.map((p) => p.split('/').slice(-5, -4)[0])).toEqual(['memory', 'cpuset']);
  expect(groups.has('pids')).toBe(false);
  await expect(groups.ensure('c2', limits({ pidsLimit: 5 }), true)).rejects.toMatchObject({ code: 'NotImplemented' });
});
