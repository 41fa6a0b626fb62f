/**
 * The SDK as a third party installs it (`npm pack`, docs/plugins.md): the tarball carries every entry its
 * package.json exports and no tests; and `@sockerless/sdk/workload`, which the workload agent loads in front
 * of every cloud workload's command, stays light (no zod, not the SDK's index).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const SDK = resolve(__dirname, '..');

function requireBuilt(): void {
  if (!existsSync(join(SDK, 'dist', 'index.js'))) throw new Error('build first: npx tsc -b sdk');
}

test('npm pack carries every exported entry and package.json, and no tests', () => {
  requireBuilt();
  const out = spawnSync('npm', ['pack', '--dry-run', '--json'], { cwd: SDK, encoding: 'utf8', timeout: 60_000 });
  expect(out.status).toBe(0);
  const files = new Set((JSON.parse(out.stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path));
  const pkg = JSON.parse(readFileSync(join(SDK, 'package.json'), 'utf8')) as { exports: Record<string, string | { types: string; default: string }> };
  const targets = Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : [t.types, t.default])).map((t) => t.replace(/^\.\//, ''));
  expect(targets.filter((t) => !files.has(t))).toEqual([]);
  expect([...files].filter((f) => f.startsWith('test/'))).toEqual([]);
});

test('@sockerless/sdk/workload loads without zod or the SDK index', () => {
  requireBuilt();
  const script = `require(${JSON.stringify(join(SDK, 'dist', 'workload.js'))}); console.log(JSON.stringify(Object.keys(require.cache).filter((k) => /[\\\\/]zod[\\\\/]|[\\\\/]dist[\\\\/]index\\.js$/.test(k))));`;
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(out.stderr).toBe('');
  expect(JSON.parse(out.stdout)).toEqual([]);
});
