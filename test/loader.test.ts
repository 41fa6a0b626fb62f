/**
 * The plugin loader through the real CLI in a child process (jiti loading TypeScript, npm resolution),
 * each boot failure checked by its exact message.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { DAEMON_MAIN, startTestDaemon } from './support/daemon';
import { api } from './support/raw-http';

const FIXTURES = resolve(__dirname, 'fixtures', 'plugins');
const BASE_PLUGINS = `'store-sqlite', 'backend-local'`;

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sockerless-loader-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(plugins: string): string {
  const file = join(dir, 'sockerless.config.ts');
  writeFileSync(file, `export default { plugins: [${plugins}] };\n`);
  return file;
}

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DAEMON_MAIN, ...args], { env: { ...process.env, SOCKERLESS_HOME: join(dir, 'home') }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}


test('a good plugin from a ./path TypeScript file loads, gets its options and serves its route', async () => {
  const rel = `./${relative(dir, join(FIXTURES, 'hello-routes.ts'))}`;
  const config = `export default { plugins: [${BASE_PLUGINS}, { plugin: '${rel}', options: { greeting: 'hi there' } }] };\n`;
  const check = cli(['config', 'check', '--config', (writeFileSync(join(dir, 'c.ts'), config), join(dir, 'c.ts'))]);
  expect(check.stderr).toBe('');
  expect(check.stdout).toContain('is valid: store-sqlite, backend-local, hello-routes');
  const daemon = await startTestDaemon({ config: config.replace(`'${rel}'`, `'${join(FIXTURES, 'hello-routes.ts')}'`) });
  try {
    const res = await api(daemon.socket, 'GET', '/internal/hello');
    expect({ status: res.status, body: res.json() }).toEqual({ status: 200, body: { greeting: 'hi there' } });
  } finally {
    await daemon.dispose();
  }
});

test('a missing plugin stops the boot naming the plugin, the config file and what was tried', () => {
  const file = writeConfig(`${BASE_PLUGINS}, 'no-such-thing'`);
  const r = cli(['config', 'check', '--config', file]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim()).toBe(`sockerless: plugin 'no-such-thing' (from ${file}): not found; tried @sockerless/plugin-no-such-thing, sockerless-plugin-no-such-thing (install one with npm install @sockerless/plugin-no-such-thing)`);
});

test('a missing plugin file names the resolved path', () => {
  const file = writeConfig(`'./plugins/absent.ts'`);
  const r = cli(['config', 'check', '--config', file]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim()).toBe(`sockerless: plugin './plugins/absent.ts' (from ${file}): file not found: ${join(dir, 'plugins', 'absent.ts')}`);
});

test('a plugin built for another SDK major is refused with both versions', () => {
  const fixture = join(FIXTURES, 'future-sdk.ts');
  const r = cli(['config', 'check', '--config', writeConfig(`'${fixture}'`)]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim()).toBe(`sockerless: plugin 'future-sdk' (from ${fixture}): requires sdk ^2.0.0 but host provides 1.0.0`);
});

test('an invalid option names the plugin, its file and the option path', () => {
  const fixture = join(FIXTURES, 'hello-routes.ts');
  const r = cli(['config', 'check', '--config', writeConfig(`{ plugin: '${fixture}', options: { greeting: 42 } }`)]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim()).toBe(`sockerless: plugin 'hello-routes' (from ${fixture}): invalid option 'greeting': Invalid input: expected string, received number`);
});

test('a backend instance with invalid options fails the check with the backend, its driver and the option path', () => {
  const file = join(dir, 'sockerless.config.ts');
  writeFileSync(file, `export default { plugins: [${BASE_PLUGINS}], backends: { main: { driver: 'local', options: { sandbox: 'chroot' } } } };\n`);
  const r = cli(['config', 'check', '--config', file]);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim()).toBe(`sockerless: backend 'main' (driver 'local' from plugin 'backend-local'): invalid option 'sandbox': Invalid option: expected one of "auto"|"bubblewrap"|"none"`);
});

test('a backend instance naming a driver no plugin registers fails the check, listing the registered drivers', () => {
  const file = join(dir, 'sockerless.config.ts');
  writeFileSync(file, `export default { plugins: [${BASE_PLUGINS}], backends: { cloud: { driver: 'ecs' } } };\n`);
  const r = cli(['config', 'check', '--config', file]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim()).toBe(`sockerless: backend 'cloud': driver 'ecs' is not registered by any configured plugin (registered: local)`);
});

test('a defaultBackend that names no configured backend fails the check', () => {
  const file = join(dir, 'sockerless.config.ts');
  writeFileSync(file, `export default { plugins: [${BASE_PLUGINS}], backends: { main: { driver: 'local' } }, defaultBackend: 'other' };\n`);
  const r = cli(['config', 'check', '--config', file]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim()).toBe(`sockerless: defaultBackend 'other' is not a configured backend`);
});

test('an init that exceeds its timeout stops the boot with a message naming the plugin', () => {
  const fixture = join(FIXTURES, 'slow-init.ts');
  const r = cli(['daemon', '--config', writeConfig(`${BASE_PLUGINS}, '${fixture}'`), '--listen', `unix://${join(dir, 'd.sock')}`]);
  expect(r.code).toBe(1);
  expect(r.stdout).not.toContain('DOCKER_HOST');
  expect(r.stderr.trim().split('\n').pop()).toBe(`sockerless: plugin 'slow-init' (from ${fixture}): init did not finish within 300 ms`);
});

test('an init that throws stops the boot with its error', () => {
  const fixture = join(FIXTURES, 'failing-init.ts');
  const r = cli(['daemon', '--config', writeConfig(`${BASE_PLUGINS}, '${fixture}'`), '--listen', `unix://${join(dir, 'd.sock')}`]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n').pop()).toBe(`sockerless: plugin 'failing-init' (from ${fixture}): init failed: cannot reach the backend`);
});

test('an invalid listen address in config is refused with the option path', () => {
  const file = join(dir, 'sockerless.config.ts');
  writeFileSync(file, `export default { listen: ['http://x'], plugins: [] };\n`);
  const r = cli(['config', 'check', '--config', file]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim()).toBe(`sockerless: config ${file}: option 'listen.0': expected unix://PATH or tcp://HOST:PORT`);
});

test('a CommonJS config and a CommonJS plugin file load through Node itself, with the same checks', () => {
  // The built SDK, as an installed plugin would require it (jest maps the package name to its sources).
  const sdk = resolve(__dirname, '..', 'sdk', 'dist', 'index.js');
  writeFileSync(join(dir, 'greeter.js'), `const { definePlugin } = require(${JSON.stringify(sdk)});
module.exports = definePlugin({ id: 'greeter', sdk: '^1.0.0', register(reg) { reg.registerInit({ deps: {}, init() {} }); } });\n`);
  const file = join(dir, 'sockerless.config.js');
  writeFileSync(file, `module.exports = { plugins: [${BASE_PLUGINS}, './greeter.js'] };\n`);
  const r = cli(['config', 'check', '--config', file]);
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe(`config ${file} is valid: store-sqlite, backend-local, greeter\n`);
  // Read again, not from require's cache: an edited config counts.
  writeFileSync(file, `module.exports = { plugins: [${BASE_PLUGINS}, './greeter.js', 'no-such-thing'] };\n`);
  expect(cli(['config', 'check', '--config', file]).stderr).toContain(`plugin 'no-such-thing' (from ${file}): not found`);
});
