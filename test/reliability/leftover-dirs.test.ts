/**
 * What a `kill -9` leaves between a create's first write and its record, or between a remove's record delete
 * and its last file (issue 13, the chaos harness's "container dirs left"): the next boot removes it through
 * the backend and says so once, with a count; a container that has a record, or a dir with a whole spec.json
 * (rebuilt, as before), is kept.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
beforeAll(async () => { e = await startE2E(); }, 120_000);
afterAll(async () => { await e?.dispose(); });

/** The daemon's JSON log lines. */
const logLines = (out: string) => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
const newId = () => randomBytes(32).toString('hex');

test('a boot removes the container dirs a crash left with no record and no spec, and logs how many', async () => {
  const kept = await e.ok(['create', '--name', 'kept', BUSYBOX, 'true']);
  const runDir = join(e.daemon.home, 'backends', 'local', 'containers');
  const logDirs = join(e.daemon.home, 'containers');
  expect(existsSync(join(runDir, kept))).toBe(true);
  await e.daemon.kill9();

  // As a create cut after its mkdir, one cut while writing spec.json, and a remove cut after the record went.
  const empty = newId();
  const tornSpec = newId();
  const halfRemoved = newId();
  mkdirSync(join(runDir, empty));
  mkdirSync(join(runDir, tornSpec));
  writeFileSync(join(runDir, tornSpec, 'spec.json'), '{"id": "');
  mkdirSync(join(runDir, halfRemoved, 'upper'), { recursive: true });
  const orphanLog = newId();
  mkdirSync(join(logDirs, orphanLog), { recursive: true });
  writeFileSync(join(logDirs, orphanLog, 'container.log'), '');

  await e.daemon.restart();
  // Any call but ping, version and ps waits for recovery (recovery-gate.ts): the boot's sweep is done after it.
  expect(await e.ok(['inspect', '-f', '{{.Name}}', kept])).toBe('/kept');
  expect(readdirSync(runDir).sort()).toEqual([kept]);
  expect(existsSync(join(logDirs, orphanLog))).toBe(false);
  const said = logLines(e.daemon.output());
  expect(said.filter((l) => String(l.msg).startsWith('removed backend state left by a create or remove that a crash cut')))
    .toEqual([expect.objectContaining({ count: 3, ids: expect.arrayContaining([empty, tornSpec, halfRemoved]) })]);
  expect(said.filter((l) => String(l.msg).startsWith('removed the log dirs of containers with no record')))
    .toEqual([expect.objectContaining({ count: 1, ids: [orphanLog] })]);
  expect(await e.ok(['ps', '-aq', '--no-trunc'])).toBe(kept);
  await e.ok(['start', '-a', kept]);
}, 120_000);
