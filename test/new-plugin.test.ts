/**
 * scripts/new-plugin.sh: a plugin made from examples/plugin-template compiles against the SDK as it is, under
 * its own name. Made inside the repository so Node's resolution finds @sockerless/sdk as a workspace would.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const SCRIPT = join(ROOT, 'scripts', 'new-plugin.sh');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

let parent: string;
beforeEach(() => { parent = mkdtempSync(join(ROOT, '.new-plugin-test-')); });
afterEach(() => rmSync(parent, { recursive: true, force: true }));

test('a new plugin takes its name everywhere and compiles', () => {
  const dir = join(parent, 'sockerless-plugin-my-cloud');
  const made = spawnSync('bash', [SCRIPT, 'my-cloud', dir], { encoding: 'utf8' });
  expect(made.stderr).toBe('');
  expect(made.status).toBe(0);
  const source = readFileSync(join(dir, 'src', 'index.ts'), 'utf8');
  expect(source).toContain("id: 'my-cloud'");
  expect(source).toContain('export class MyCloudDriver');
  expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name).toBe('sockerless-plugin-my-cloud');
  const compiled = spawnSync(process.execPath, [TSC, '-p', dir, '--noEmit'], { encoding: 'utf8', timeout: 120_000 });
  expect(compiled.stdout + compiled.stderr).toBe('');
  expect(compiled.status).toBe(0);
});

test('a name that is not kebab-case is refused with the usage', () => {
  const r = spawnSync('bash', [SCRIPT, 'My_Cloud', join(parent, 'x')], { encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('usage: bash scripts/new-plugin.sh NAME [DIR]');
});
