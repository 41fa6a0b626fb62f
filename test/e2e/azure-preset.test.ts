/**
 * `sockerless daemon --preset azure-sim`: no config file; the Azure simulator runs in the daemon (HTTPS, with the
 * certificate it made; the backend trusts its CA through the simulator directory) and Container Apps is the
 * default backend. Driven by the real docker CLI; what reached the cloud is read back over ARM.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execOnceAgentIsIn, startPresetDaemon, startSimulatorProcess, type PresetDaemon } from '../support/aws';
import { armRequest } from '../support/cloud-e2e';
import { unmountUnder } from '../support/daemon';
import { buildBusyboxImageArchive } from '../support/images';

let d: PresetDaemon;
beforeAll(async () => {
  d = await startPresetDaemon({ preset: 'azure-sim' });
  const archive = await buildBusyboxImageArchive(join(d.dir, 'image'));
  await d.ok(['load', '-i', archive]);
}, 180_000);
afterAll(async () => { await d?.dispose(); });

test('the daemon prints the https endpoint and its CA file; a client that does not trust it is refused', async () => {
  expect(d.output()).toMatch(/^AZURE simulator: https:\/\/127\.0\.0\.1:\d+/m);
  const caFile = /simulator CA file \(trust it\): (\S+)/.exec(d.output())?.[1];
  expect(caFile).toBeDefined();
  await expect(armRequest(`${d.simulatorEndpoint()}/subscriptions?api-version=2022-12-01`)).rejects.toThrow(/self[- ]signed certificate/);
});

test('docker run --rm, an exit code, logs and exec through Container Apps on the in-daemon simulator', async () => {
  expect(await d.ok(['run', '--rm', 'busybox', 'echo', 'hi'], { timeoutMs: 120_000 })).toBe('hi');
  expect((await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'exit 3'])).code).toBe(3);
  const id = await d.ok(['run', '-d', '--label', 'team=blue', 'busybox', 'sh', '-c', 'echo up; sleep 600']);
  const out = await execOnceAgentIsIn((a) => d.docker(a), id, ['echo', 'inside']);
  expect(out).toBe('inside');
  expect(await d.ok(['logs', id])).toBe('up');
  // The job, read over ARM with the simulator's CA trusted, carries the container's identity.
  const caFile = /simulator CA file \(trust it\): (\S+)/.exec(d.output())![1];
  const sub = '00000000-0000-0000-0000-00000000aca0';
  const jobs = await armRequest(`${d.simulatorEndpoint()}/subscriptions/${sub}/resourceGroups/sockerless/providers/Microsoft.App/jobs?api-version=2025-07-01`, { ca: readFileSync(caFile, 'utf8') });
  expect(jobs.json.value.map((j: { tags: Record<string, string> }) => j.tags['sockerless-container-id'])).toEqual([id]);
  await d.ok(['rm', '-f', id]);
  expect(await d.ok(['ps', '-aq'])).toBe('');
});

test('--simulator-endpoint: a simulator of its own, its CA named by SOCKERLESS_AZURE_CA_FILE; without it the boot says why', async () => {
  const simDir = mkdtempSync(join(tmpdir(), 'sockerless-azure-ext-'));
  const archive = await buildBusyboxImageArchive(join(simDir, 'image'));
  const sim = await startSimulatorProcess({ dir: simDir, load: [archive], cloud: 'azure' });
  try {
    const untrusting = await startPresetDaemon({ preset: 'azure-sim', extraArgs: ['--simulator-endpoint', sim.endpoint] }).then(
      async (daemon) => { await daemon.dispose(); return 'booted'; },
      (err: Error) => err.message);
    expect(untrusting).toMatch(/Azure endpoint https:\/\/127\.0\.0\.1:\d+: its TLS certificate is not trusted .*caFile/);
    const ext = await startPresetDaemon({ preset: 'azure-sim', extraArgs: ['--simulator-endpoint', sim.endpoint], env: { SOCKERLESS_AZURE_CA_FILE: sim.caFile! } });
    try {
      expect(ext.output()).toMatch(/AZURE simulator: https:\/\/127\.0\.0\.1:\d+.*\(external\)/);
      await ext.ok(['load', '-i', archive]);
      expect(await ext.ok(['run', '--rm', 'busybox', 'echo', 'outside'])).toBe('outside');
    } finally {
      await ext.dispose();
    }
  } finally {
    await sim.stop();
    unmountUnder(simDir);
    rmSync(simDir, { recursive: true, force: true });
  }
}, 180_000);
