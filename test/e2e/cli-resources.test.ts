/**
 * Resource limits, OOM kills, pause/unpause, update and stats on the embedded local backend, through the
 * docker CLI and dockerode (issue 14, items 3 and 4). The limits are read back from the container's cgroup
 * v1 files on the host, where dockerd's runc would have written them.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { api } from '../support/raw-http';
import { validateAgainstSpec } from '../support/spec-schema';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
let dockerode: Docker;
beforeAll(async () => {
  e = await startE2E();
  dockerode = new Docker({ socketPath: e.daemon.socket });
});
afterAll(async () => { await e?.dispose(); });

/** The container's group file in a v1 controller, under sockerless/<home hash>/<id>. */
function cgroupFile(controller: string, id: string, file: string): string {
  const base = `/sys/fs/cgroup/${controller}/sockerless`;
  const path = readdirSync(base).map((home) => join(base, home, id, file)).find((p) => existsSync(p));
  if (!path) throw new Error(`no ${controller} cgroup for ${id}`);
  return readFileSync(path, 'utf8').trim();
}

const lines = async (id: string) => (await e.ok(['logs', id])).split('\n').filter(Boolean).length;

/** The container's events so far (`--until` a second ahead, so that none of this second is cut off). */
const eventsOf = (ref: string) => e.ok(['events', '--since', '0', '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', `container=${ref}`, '--format', '{{.Action}}']);

async function until(what: string, check: () => Promise<boolean>, tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) if (await check()) return;
  throw new Error(`timed out waiting for ${what}`);
}

test('--memory 32m: a workload that exceeds it is OOM killed (OOMKilled, exit 137, the oom event)', async () => {
  const r = await e.docker(['run', '--name', 'oom', '--memory', '32m', BUSYBOX, 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
  expect(r.code).toBe(137);
  expect(await e.ok(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}', 'oom'])).toBe('true 137 33554432 67108864');
  const events = await eventsOf('oom');
  expect(events.split('\n')).toEqual(expect.arrayContaining(['oom', 'die']));
  expect(events.indexOf('oom')).toBeLessThan(events.indexOf('die'));
  // A run within the limit is not an OOM kill.
  await e.ok(['start', '-a', 'oom']).catch(() => undefined);
  await e.ok(['rm', '-f', 'oom']);
  const fine = await e.docker(['run', '--rm', '--memory', '32m', BUSYBOX, 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1M', 'count=1']);
  expect(fine.code).toBe(0);
});

test('an OOM kill of a child the workload survives is an oom event while it runs, and OOMKilled at its end', async () => {
  const id = await e.ok(['run', '-d', '--memory', '32m', BUSYBOX, 'sh', '-c', 'dd if=/dev/zero of=/dev/null bs=64M count=1; echo survived $?; sleep 600']);
  await until('the oom event', async () => (await eventsOf(id)).split('\n').includes('oom'), 30);
  expect(await e.ok(['logs', id])).toBe('survived 137');
  // dockerd keeps OOMKilled false while the container runs and reports it once the run ends.
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.OOMKilled}}', id])).toBe('running false');
  await e.ok(['kill', id]);
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.OOMKilled}}', id])).toBe('exited true');
  expect((await eventsOf(id)).split('\n').filter((a) => a === 'oom')).toHaveLength(1);
  await e.ok(['rm', id]);
});

test('--pids-limit 10 refuses the 11th process', async () => {
  const script = 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 30 & echo forked $i; done';
  const r = await e.docker(['run', '--rm', '--pids-limit', '10', BUSYBOX, 'sh', '-c', script]);
  // sh itself and nine sleeps make ten processes; the fork of the tenth sleep fails and ends the shell.
  expect(r.stderr).toContain("can't fork: Resource temporarily unavailable");
  expect(r.stdout.trim().split('\n').pop()).toBe('forked 9');
  const roomy = await e.docker(['run', '--rm', '--pids-limit', '20', BUSYBOX, 'sh', '-c', script]);
  expect(roomy.stdout.trim().split('\n').pop()).toBe('forked 12');
});

test('--cpus 0.5 writes the CFS quota and a busy loop is throttled (stats throttling_data)', async () => {
  const id = await e.ok(['run', '-d', '--cpus', '0.5', '--cpu-shares', '512', '--cpuset-cpus', '0', BUSYBOX, 'sh', '-c', 'while :; do :; done']);
  expect(cgroupFile('cpu', id, 'cpu.cfs_quota_us')).toBe('50000');
  expect(cgroupFile('cpu', id, 'cpu.cfs_period_us')).toBe('100000');
  expect(cgroupFile('cpu', id, 'cpu.shares')).toBe('512');
  expect(cgroupFile('cpuset', id, 'cpuset.cpus')).toBe('0');
  // On a busy host the loop may get less than half a CPU for a while: throttled once it gets more.
  const throttled = async () => {
    const s = await dockerode.getContainer(id).stats({ stream: false, 'one-shot': true } as never) as unknown as { cpu_stats: { throttling_data: { periods: number; throttled_periods: number } } };
    const t = s.cpu_stats.throttling_data;
    return t.periods > 0 && t.throttled_periods > 0;
  };
  await until('the loop to be throttled', throttled, 2000);
  await e.ok(['rm', '-f', id]);
});

test('pause freezes the workload (a counter stops), ps shows Paused, unpause resumes it', async () => {
  const id = await e.ok(['run', '-d', '--name', 'counter', BUSYBOX, 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done']);
  await until('the counter to count', async () => (await lines(id)) >= 3);
  await e.ok(['pause', id]);
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.Paused}} {{.State.Running}}', id])).toBe('paused true true');
  expect(await e.ok(['ps', '--filter', 'name=counter', '--format', '{{.Status}}'])).toMatch(/^Up .* \(Paused\)$/);
  expect(cgroupFile('freezer', id, 'freezer.state')).toBe('FROZEN');
  const frozenAt = await lines(id);
  // `docker stats --no-stream` takes a second sample a second later: the counter had time to move.
  await e.ok(['stats', '--no-stream', id]);
  expect(await lines(id)).toBe(frozenAt);
  const again = await e.docker(['pause', id]);
  expect(again.stderr).toContain('is already paused');
  const exec = await e.docker(['exec', id, 'true']);
  expect(exec.stderr).toContain('is paused, unpause the container before exec');
  await e.ok(['unpause', id]);
  await until('the counter to move again', async () => (await lines(id)) > frozenAt + 2);
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', id])).toBe('running false');
  const notPaused = await e.docker(['unpause', id]);
  expect(notPaused.stderr).toContain('is not paused');
  // A paused container can still be stopped (dockerd thaws it after the signal).
  await e.ok(['pause', id]);
  await e.ok(['stop', '-t', '1', id]);
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', id])).toBe('exited false');
  const stopped = await e.docker(['pause', id]);
  expect(stopped.stderr).toContain('is not running');
  const events = await eventsOf(id);
  expect(events.split('\n')).toEqual(expect.arrayContaining(['pause', 'unpause']));
  await e.ok(['rm', id]);
});

test('a TTY container and its execs are in the groups too', async () => {
  const id = await e.ok(['run', '-dt', '--pids-limit', '7', BUSYBOX, 'sh']);
  expect(cgroupFile('pids', id, 'pids.max')).toBe('7');
  const procs = () => cgroupFile('pids', id, 'cgroup.procs').split('\n').filter(Boolean).length;
  // `run -d` may answer before the sandbox's init has reached confine, which joins the groups just before it
  // execs the command (so nothing of the workload runs outside them); on a loaded machine that is later.
  for (let i = 0; i < 200 && procs() === 0; i++) await new Promise((r) => setTimeout(r, 25));
  expect(procs()).toBe(1);
  expect(await e.ok(['exec', id, 'sh', '-c', 'cat /proc/self/cgroup | grep -c "pids:/sockerless/"'])).toBe('1');
  await e.ok(['rm', '-f', id]);
});

test('docker update applies memory, cpus, pids-limit and the restart policy live', async () => {
  const id = await e.ok(['run', '-d', '--memory', '32m', BUSYBOX, 'sleep', '600']);
  expect(cgroupFile('memory', id, 'memory.limit_in_bytes')).toBe(String(32 * 1024 * 1024));
  await e.ok(['update', '--memory', '64m', '--memory-swap', '128m', '--cpus', '1.5', '--pids-limit', '20', '--restart', 'on-failure:3', id]);
  expect(await e.ok(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', id]))
    .toBe(`${64 * 1024 * 1024} ${128 * 1024 * 1024} 1500000000 20 on-failure:3`);
  expect(cgroupFile('memory', id, 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
  expect(cgroupFile('cpu', id, 'cpu.cfs_quota_us')).toBe('150000');
  expect(cgroupFile('pids', id, 'pids.max')).toBe('20');
  const bad = await e.docker(['update', '--memory', '4m', id]);
  expect(bad.stderr).toContain('Minimum memory limit allowed is 6MB');
  const conflict = await e.docker(['update', '--cpu-quota', '50000', id]);
  expect(conflict.stderr).toContain('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');
  await e.ok(['rm', '-f', id]);
});

test('docker stats --no-stream prints real CPU and memory for a busy container; a stopped one gets zeros', async () => {
  const id = await e.ok(['run', '-d', '--name', 'busy', BUSYBOX, 'sh', '-c', 'x=$(head -c 2000000 /dev/zero | tr "\\0" a); while :; do :; done']);
  const out = await e.ok(['stats', '--no-stream', '--format', '{{.CPUPerc}} {{.MemUsage}} {{.PIDs}}', id]);
  const [cpu, mem] = out.split(' ');
  expect(parseFloat(cpu)).toBeGreaterThan(10);
  expect(parseFloat(mem)).toBeGreaterThan(0);
  const created = await e.ok(['create', BUSYBOX, 'true']);
  const zero = await dockerode.getContainer(created).stats({ stream: false }) as unknown as Record<string, unknown>;
  expect(zero).toMatchObject({ read: '0001-01-01T00:00:00Z', memory_stats: {}, pids_stats: {} });
  await e.ok(['rm', '-f', id, created]);
});

test("dockerode's stats: stream=false in Docker's shape (the v1.56 schema), one-shot, the stream's precpu, update's answer", async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sleep', '600']);
  const s = await dockerode.getContainer(id).stats({ stream: false }) as unknown as Record<string, any>;
  expect(validateAgainstSpec('ContainerStatsResponse', s)).toEqual([]);
  expect(s.name).toBe(`/${(await e.ok(['inspect', '-f', '{{.Name}}', id])).slice(1)}`);
  expect(s.id).toBe(id);
  expect(s.cpu_stats.cpu_usage.total_usage).toBeGreaterThan(0);
  expect(s.precpu_stats.cpu_usage.total_usage).toBeGreaterThan(0);
  expect(s.memory_stats.usage).toBeGreaterThan(0);
  expect(s.pids_stats.current).toBe(1);
  expect(Object.keys(s.networks)).toEqual(['eth0']);
  const oneShot = await dockerode.getContainer(id).stats({ stream: false, 'one-shot': true } as never) as unknown as Record<string, any>;
  expect(oneShot.preread).toBe('0001-01-01T00:00:00Z');
  // The stream: one JSON a second, each carrying the one before as precpu_stats.
  const stream = await dockerode.getContainer(id).stats({ stream: true }) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const samples: Array<Record<string, any>> = [];
  let buffered = '';
  await new Promise<void>((done, fail) => {
    stream.on('error', fail);
    stream.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        samples.push(JSON.parse(buffered.slice(0, nl)));
        buffered = buffered.slice(nl + 1);
      }
      if (samples.length >= 2) { stream.destroy(); done(); }
    });
  });
  expect(samples[0].preread).toBe('0001-01-01T00:00:00Z');
  expect(samples[1].preread).toBe(samples[0].read);
  expect(samples[1].precpu_stats).toEqual(samples[0].cpu_stats);
  const update = await api(e.daemon.socket, 'POST', `/v1.50/containers/${id}/update`, JSON.stringify({ PidsLimit: 50 }));
  expect(update.status).toBe(200);
  expect(validateAgainstSpec('ContainerUpdateResponse', update.json())).toEqual([]);
  await e.ok(['rm', '-f', id]);
});

test('live-restore: a paused container stays paused across kill -9 of the daemon; its cgroups are found again and go at rm', async () => {
  const id = await e.ok(['run', '-d', '--memory', '48m', BUSYBOX, 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done']);
  await until('the counter to count', async () => (await lines(id)) >= 3);
  await e.ok(['pause', id]);
  await e.daemon.kill9();
  await e.daemon.restart();
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', id])).toBe('paused true');
  expect(cgroupFile('freezer', id, 'freezer.state')).toBe('FROZEN');
  const frozenAt = await lines(id);
  await e.ok(['unpause', id]);
  await until('the counter to move again', async () => (await lines(id)) > frozenAt + 2);
  await e.ok(['update', '--memory', '40m', id]);
  expect(cgroupFile('memory', id, 'memory.limit_in_bytes')).toBe(String(40 * 1024 * 1024));
  await e.ok(['rm', '-f', id]);
  // Removed in the background (an rmdir waits for the kernel to retire the group).
  const gone = (controller: string, file: string) => { try { cgroupFile(controller, id, file); return false; } catch { return true; } };
  await until('the groups to go', async () => gone('memory', 'memory.limit_in_bytes') && gone('freezer', 'freezer.state') && gone('pids', 'pids.max'));
});

test('commit freezes a running container while it reads its layer (pause, the default), then thaws it', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'echo x > /made; sleep 600']);
  await until('the file to be written', async () => (await e.docker(['exec', id, 'cat', '/made'])).stdout.trim() === 'x');
  await e.ok(['commit', id, 'paused-commit:v1']);
  expect(await e.ok(['inspect', '-f', '{{.State.Status}}', id])).toBe('running');
  expect((await eventsOf(id)).split('\n').filter((a) => a === 'pause' || a === 'unpause' || a === 'commit')).toEqual(['pause', 'commit', 'unpause']);
  await e.ok(['commit', '--pause=false', id, 'paused-commit:v2']);
  expect((await eventsOf(id)).split('\n').filter((a) => a === 'pause')).toHaveLength(1);
  expect(await e.ok(['run', '--rm', 'paused-commit:v1', 'cat', '/made'])).toBe('x');
  await e.ok(['rm', '-f', id]);
  await e.ok(['rmi', 'paused-commit:v1', 'paused-commit:v2']);
});

test('no health probe runs while a container is paused; they run again once it is unpaused', async () => {
  const id = await e.ok(['run', '-d', '--health-cmd', 'true', '--health-interval', '100ms', BUSYBOX, 'sleep', '600']);
  const probes = async () => (await eventsOf(id)).split('\n').filter((a) => a.startsWith('exec_die')).length;
  await until('a first probe', async () => (await probes()) > 0, 30);
  await e.ok(['pause', id]);
  const before = await probes();
  await e.ok(['stats', '--no-stream', id]); // a second's sample: ten intervals of the probe
  expect(await probes()).toBe(before);
  await e.ok(['unpause', id]);
  await until('probes again', async () => (await probes()) > before, 30);
  await e.ok(['rm', '-f', id]);
});
