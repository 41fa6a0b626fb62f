import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatPoolsTable, parsePoolsArgs, parseSize, resolveDaemonAddress, runPoolsCommand } from '../../plugins/pools/src/pools-command';
import type { PoolSummary as PoolStatus } from '../../plugins/pools/src/pool-status';
import { parseCliArgs } from '../src/commands';

const status = (over: Partial<PoolStatus>): PoolStatus => ({
  name: 'default', origin: 'config', default: false, backends: ['local'], maxConcurrency: null, queueSize: 100,
  queueTimeoutMs: 600000, scheduler: null, limits: {}, running: 0, queued: 0, containers: 0, ...over,
});
const POOLS = [
  status({ name: 'default', default: true, backends: ['local', 'ecs-a'], running: 2, containers: 3 }),
  status({ name: 'ci', origin: 'runtime', backends: ['ecs-a'], maxConcurrency: 4, running: 4, queued: 7, containers: 11 }),
];

describe('parseSize', () => {
  test.each([
    ['0', 0], ['1048576', 1048576], ['100b', 100], ['64k', 65536], ['512m', 512 * 1024 ** 2], ['512M', 512 * 1024 ** 2],
    ['1g', 1024 ** 3], ['1.5g', 1.5 * 1024 ** 3], ['2GiB', 2 * 1024 ** 3], ['1gb', 1024 ** 3], ['1t', 1024 ** 4], ['10 m', 10 * 1024 ** 2],
  ])('%s = %d bytes', (text, bytes) => expect(parseSize(text)).toBe(bytes));
  test.each(['', 'm', '-1m', '1x', '1.5.5g', 'abc', '1e3', '99999999999p'])('rejects %p', (text) => expect(() => parseSize(text)).toThrow(/invalid size/));
});

describe('parsePoolsArgs', () => {
  test('ls, --json, --host/-H anywhere', () => {
    expect(parsePoolsArgs(['ls'])).toEqual({ command: { action: 'ls', json: false } });
    expect(parsePoolsArgs(['-H', 'tcp://127.0.0.1:1', 'ls', '--json'])).toEqual({ host: 'tcp://127.0.0.1:1', command: { action: 'ls', json: true } });
    expect(parsePoolsArgs(['ls', '--host=unix:///x.sock']).host).toBe('unix:///x.sock');
  });
  test('create builds the POST body with limits nested and sizes in bytes', () => {
    const { command } = parsePoolsArgs(['create', 'ci', '--backends', 'a, b,', '--max-concurrency=4', '--queue-size', '0',
      '--queue-timeout-ms', '30000', '--scheduler', 'roundrobin', '--max-containers', '50', '--max-memory', '8g', '--default-memory', '512m']);
    expect(command).toEqual({ action: 'create', name: 'ci', body: {
      name: 'ci', backends: ['a', 'b'], maxConcurrency: 4, queueSize: 0, queueTimeoutMs: 30000, scheduler: 'roundrobin',
      limits: { maxContainers: 50, maxMemoryBytes: 8 * 1024 ** 3, defaultMemoryBytes: 512 * 1024 ** 2 },
    } });
    expect(parsePoolsArgs(['create', '--backends', 'a', 'p', '--backends', 'b']).command).toEqual({ action: 'create', name: 'p', body: { name: 'p', backends: ['a', 'b'] } });
  });
  test('set sends only what is given; unlimited means null', () => {
    expect(parsePoolsArgs(['set', 'ci', '--max-concurrency', 'unlimited']).command).toEqual({ action: 'set', name: 'ci', body: { maxConcurrency: null } });
    expect(parsePoolsArgs(['set', 'ci', '--max-memory', '1.5g']).command).toEqual({ action: 'set', name: 'ci', body: { limits: { maxMemoryBytes: 1610612736 } } });
  });
  test('rm, inspect and help', () => {
    expect(parsePoolsArgs(['rm', 'ci']).command).toEqual({ action: 'rm', name: 'ci', force: false });
    expect(parsePoolsArgs(['rm', '-f', 'ci']).command).toEqual({ action: 'rm', name: 'ci', force: true });
    expect(parsePoolsArgs(['rm', 'ci', '--force']).command).toEqual({ action: 'rm', name: 'ci', force: true });
    expect(parsePoolsArgs(['inspect', 'ci']).command).toEqual({ action: 'inspect', name: 'ci' });
    expect(parsePoolsArgs(['create', '--help']).command).toEqual({ action: 'help' });
  });
  test.each([
    [[], /missing subcommand/],
    [['frob'], /unknown command "frob"/],
    [['ls', 'x'], /takes no arguments/],
    [['ls', '--force'], /unknown flag for "pools ls": --force/],
    [['ls', '--bogus'], /unknown flag: --bogus/],
    [['rm'], /needs exactly one pool NAME/],
    [['rm', 'a', 'b'], /needs exactly one pool NAME, got "a b"/],
    [['create', 'ci'], /needs --backends/],
    [['create', 'ci', '--backends'], /flag needs an argument: --backends/],
    [['create', 'ci', '--backends', 'a', '--max-concurrency', 'unlimited'], /invalid argument "unlimited" for "--max-concurrency"/],
    [['set', 'ci'], /needs at least one setting/],
    [['set', 'ci', '--backends', 'a'], /unknown flag for "pools set": --backends/],
    [['set', 'ci', '--queue-size', '-1'], /invalid argument "-1" for "--queue-size" flag: expected a non-negative integer/],
    [['set', 'ci', '--queue-size', '1.5'], /invalid argument "1.5"/],
    [['set', 'ci', '--max-memory', 'lots'], /invalid argument "lots" for "--max-memory" flag: invalid size/],
    [['rm', 'ci', '--force=yes'], /takes no value/],
  ])('rejects %p', (argv, message) => expect(() => parsePoolsArgs(argv as string[])).toThrow(message));
});

describe('resolveDaemonAddress', () => {
  test('--host, then DOCKER_HOST, then SOCKERLESS_HOME/docker.sock, then ./.sockerless', () => {
    expect(resolveDaemonAddress('tcp://127.0.0.1:2375', { DOCKER_HOST: 'unix:///d.sock' })).toEqual({ url: 'tcp://127.0.0.1:2375', host: '127.0.0.1', port: 2375 });
    expect(resolveDaemonAddress(undefined, { DOCKER_HOST: 'unix:///d.sock' })).toEqual({ url: 'unix:///d.sock', socketPath: '/d.sock' });
    expect(resolveDaemonAddress(undefined, { SOCKERLESS_HOME: '/srv/sl' })).toEqual({ url: 'unix:///srv/sl/docker.sock', socketPath: '/srv/sl/docker.sock' });
    expect(resolveDaemonAddress(undefined, {}).socketPath).toBe(resolve('.sockerless/docker.sock'));
    expect(resolveDaemonAddress('tcp://[::1]:2375', {})).toMatchObject({ host: '::1', port: 2375 });
    // As the docker CLI: DOCKER_TLS_VERIFY turns on mutual TLS with the files in DOCKER_CERT_PATH.
    expect(resolveDaemonAddress('tcp://127.0.0.1:2376', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' })).toEqual({
      url: 'tcp://127.0.0.1:2376', host: '127.0.0.1', port: 2376, tls: { ca: '/certs/ca.pem', cert: '/certs/cert.pem', key: '/certs/key.pem' },
    });
    expect(resolveDaemonAddress(undefined, { DOCKER_HOST: 'unix:///d.sock', DOCKER_TLS_VERIFY: '1' }).tls).toBeUndefined();
  });
  test.each(['http://127.0.0.1:2375', 'tcp://127.0.0.1', 'unix://', 'ssh://me@host'])('rejects %p', (url) => expect(() => resolveDaemonAddress(url, {})).toThrow(/invalid daemon address/));
});

test('formatPoolsTable pads like docker and marks the default pool', () => {
  expect(formatPoolsTable(POOLS)).toBe(
    'NAME        BACKENDS      RUNNING   QUEUED    MAX       CONTAINERS   ORIGIN\n' +
    'default *   local,ecs-a   2         0         -         3            config\n' +
    'ci          ecs-a         4         7         4         11           runtime\n',
  );
});

test('the top-level parser hands everything after `pools` over untouched', () => {
  expect(parseCliArgs(['pools', 'create', 'ci', '--backends', 'a', '-H', 'tcp://x:1', '--help'])).toEqual({
    command: ['pools'], listen: [], defaultAddressPools: [], tls: {}, help: false, load: [], rest: ['create', 'ci', '--backends', 'a', '-H', 'tcp://x:1', '--help'],
  });
  expect(parseCliArgs(['--home', '/h', 'pools', 'ls', '--json'])).toMatchObject({ command: ['pools'], home: '/h', rest: ['ls', '--json'] });
});

describe('against a fake daemon on a unix socket', () => {
  interface Seen { method: string; path: string; body: unknown; auth?: string; contentType?: string }
  let dir: string;
  let socket: string;
  let server: Server;
  let seen: Seen[];
  let reply: (s: Seen) => { status: number; body?: unknown };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sockerless-cli-pools-'));
    socket = join(dir, 'api.sock');
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const s: Seen = { method: req.method!, path: req.url!, body: text ? JSON.parse(text) : undefined, auth: req.headers.authorization, contentType: req.headers['content-type'] };
        seen.push(s);
        const r = reply(s);
        res.writeHead(r.status, r.body === undefined ? {} : { 'Content-Type': 'application/json' });
        res.end(r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
      });
    });
    await new Promise<void>((done) => server.listen(socket, done));
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    seen = [];
    reply = () => ({ status: 500, body: { message: 'unexpected request' } });
  });

  async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
    let stdout = '';
    let stderr = '';
    const code = await runPoolsCommand(argv, { DOCKER_HOST: `unix://${socket}`, ...env }, (s) => { stdout += s; }, (s) => { stderr += s; });
    return { code, stdout, stderr };
  }

  test('ls prints the table; --json prints the list', async () => {
    reply = () => ({ status: 200, body: POOLS });
    const table = await run(['ls']);
    expect(table).toEqual({ code: 0, stdout: formatPoolsTable(POOLS), stderr: '' });
    expect(table.stdout).toMatch(/^NAME +BACKENDS +RUNNING +QUEUED +MAX +CONTAINERS +ORIGIN\ndefault \* +local,ecs-a +2 +0 +- +3 +config\n/);
    const json = await run(['ls', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(POOLS);
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(['GET /internal/pools', 'GET /internal/pools']);
    expect(seen[0].auth).toBeUndefined();
  });

  test('inspect prints the pool as indented JSON', async () => {
    reply = () => ({ status: 200, body: POOLS[1] });
    const r = await run(['inspect', 'ci']);
    expect(r).toEqual({ code: 0, stdout: `${JSON.stringify(POOLS[1], null, 2)}\n`, stderr: '' });
    expect(seen[0]).toMatchObject({ method: 'GET', path: '/internal/pools/ci' });
  });

  test('create POSTs a JSON body and prints the name', async () => {
    reply = (s) => ({ status: 201, body: status({ name: 'ci', origin: 'runtime', backends: (s.body as { backends: string[] }).backends }) });
    const r = await run(['create', 'ci', '--backends', 'local,ecs-a', '--max-concurrency', '4', '--max-memory', '1g']);
    expect(r).toEqual({ code: 0, stdout: 'ci\n', stderr: '' });
    expect(seen).toEqual([{ method: 'POST', path: '/internal/pools', contentType: 'application/json',
      body: { name: 'ci', backends: ['local', 'ecs-a'], maxConcurrency: 4, limits: { maxMemoryBytes: 1024 ** 3 } } }]);
  });

  test('set PATCHes only the given settings, unlimited as null', async () => {
    reply = () => ({ status: 200, body: POOLS[1] });
    const r = await run(['set', 'ci', '--max-concurrency', 'unlimited', '--queue-size', '5']);
    expect(r).toEqual({ code: 0, stdout: 'ci\n', stderr: '' });
    expect(seen).toEqual([{ method: 'PATCH', path: '/internal/pools/ci', contentType: 'application/json', body: { maxConcurrency: null, queueSize: 5 } }]);
  });

  test('rm sends DELETE, with ?force=true only for --force/-f', async () => {
    reply = () => ({ status: 204 });
    expect(await run(['rm', 'ci'])).toEqual({ code: 0, stdout: 'ci\n', stderr: '' });
    expect(await run(['rm', '-f', 'ci'])).toEqual({ code: 0, stdout: 'ci\n', stderr: '' });
    expect(await run(['rm', 'ci', '--force'])).toEqual({ code: 0, stdout: 'ci\n', stderr: '' });
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(['DELETE /internal/pools/ci', 'DELETE /internal/pools/ci?force=true', 'DELETE /internal/pools/ci?force=true']);
    expect(seen[0].body).toBeUndefined();
  });

  test('a daemon error prints its message on stderr and exits 1', async () => {
    reply = () => ({ status: 409, body: { message: 'pool ci has 3 containers; remove them or use force' } });
    expect(await run(['rm', 'ci'])).toEqual({ code: 1, stdout: '', stderr: 'Error response from daemon: pool ci has 3 containers; remove them or use force\n' });
    reply = () => ({ status: 404, body: { message: 'no such pool: nope' } });
    expect(await run(['inspect', 'nope'])).toEqual({ code: 1, stdout: '', stderr: 'Error response from daemon: no such pool: nope\n' });
    reply = () => ({ status: 502, body: 'Bad Gateway' });
    expect((await run(['ls'])).stderr).toBe('Error response from daemon: Bad Gateway\n');
  });

  test('a bad value exits 2 with a hint and makes no request', async () => {
    expect(await run(['set', 'ci', '--queue-size', 'ten'])).toEqual({ code: 2, stdout: '',
      stderr: 'sockerless pools: invalid argument "ten" for "--queue-size" flag: expected a non-negative integer\nSee \'sockerless pools --help\'.\n' });
    expect((await run(['create', 'ci', '--backends', 'a', '--max-memory', '1q'])).code).toBe(2);
    expect((await run(['ls', '--host', 'http://nope'])).stderr).toMatch(/invalid daemon address "http:\/\/nope"/);
    expect(seen).toEqual([]);
  });

  test('--help prints the pools usage and makes no request', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage:\n {2}sockerless pools ls \[--json\]\n/);
    expect(seen).toEqual([]);
  });

  test('SOCKERLESS_TOKEN is sent as a bearer token', async () => {
    reply = () => ({ status: 200, body: [] });
    expect((await run(['ls'], { SOCKERLESS_TOKEN: 's3cret' })).code).toBe(0);
    expect(seen[0].auth).toBe('Bearer s3cret');
  });

  test('--host wins over DOCKER_HOST', async () => {
    reply = () => ({ status: 200, body: [] });
    expect((await run(['ls', '-H', `unix://${socket}`], { DOCKER_HOST: 'unix:///nowhere.sock' })).code).toBe(0);
    expect(seen).toHaveLength(1);
  });

  test('an unreachable daemon prints the address and reason and exits 1', async () => {
    const missing = `unix://${join(dir, 'missing.sock')}`;
    const r = await run(['ls'], { DOCKER_HOST: missing });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^Cannot connect to the Sockerless daemon at ${missing}: .*ENOENT`));
  });
});
