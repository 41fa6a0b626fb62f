import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identityFromStateDir } from '../src/spec-identity';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sockerless-spec-identity-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const spec = () => ({
  id: 'abc', name: 'web', hostname: 'abc', image: { id: 'sha256:1', ref: 'busybox:latest' }, argv: ['sleep', '9'], env: ['A=1'],
  workingDir: '/w', user: 'app', tty: true, openStdin: true, mounts: [], labels: { 'com.sockerless.pool': 'ci' }, stateDir: dir, memoryBytes: 0,
});

test('a container dir with its spec.json gives back the container as it was created', async () => {
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec()));
  expect(await identityFromStateDir(dir)).toEqual({
    name: 'web', image: 'busybox:latest', created: expect.stringMatching(/^\d{4}-/), labels: { 'com.sockerless.pool': 'ci' }, argv: ['sleep', '9'],
    env: ['A=1'], workingDir: '/w', user: 'app', tty: true, openStdin: true, hostname: 'abc',
  });
});

test('a run file that outlived its daemon means the container died with it: exited 137', async () => {
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec()));
  writeFileSync(join(dir, 'run.json'), '{}');
  expect(await identityFromStateDir(dir)).toMatchObject({ exitCode: 137, startedAt: expect.any(String) });
});

test('a dir without a readable spec (half made, half removed) gives nothing', async () => {
  expect(await identityFromStateDir(dir)).toBeUndefined();
  writeFileSync(join(dir, 'spec.json'), '{"name": "x", trunc');
  expect(await identityFromStateDir(dir)).toBeUndefined();
  mkdirSync(join(dir, 'gone'));
  expect(await identityFromStateDir(join(dir, 'gone'))).toBeUndefined();
});
