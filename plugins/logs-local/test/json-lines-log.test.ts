import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry } from '@sockerless/sdk';
import { JsonLinesLog as ContainerLog } from '../src/json-lines-log';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sockerless-log-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('output is split into lines per stream, partial lines wait for their newline, and a new instance reads the file', async () => {
  const log = new ContainerLog(join(dir, 'c.log'));
  const live: LogEntry[] = [];
  log.on('entry', (e: LogEntry) => live.push(e));
  log.write('stdout', Buffer.from('one\ntw'));
  log.write('stderr', Buffer.from('err\n'));
  log.write('stdout', Buffer.from('o\nthree'));
  log.flush();
  const entries = await log.readAll();
  expect(entries.map((e) => [e.stream, e.data.toString()])).toEqual([['stdout', 'one\n'], ['stderr', 'err\n'], ['stdout', 'two\n'], ['stdout', 'three']]);
  expect(live.map((e) => e.data.toString())).toEqual(['one\n', 'err\n', 'two\n', 'three']);
  for (let i = 1; i < entries.length; i++) expect(entries[i].timeNano).toBeGreaterThan(entries[i - 1].timeNano);
  log.close();
  const reopened = await new ContainerLog(join(dir, 'c.log')).readAll();
  expect(reopened.map((e) => e.data.toString())).toEqual(['one\n', 'err\n', 'two\n', 'three']);
});

test('binary output round-trips exactly', async () => {
  const log = new ContainerLog(join(dir, 'bin.log'));
  const bytes = Buffer.from([0, 1, 2, 255, 10, 254, 0]);
  log.write('stdout', bytes);
  log.flush();
  expect(Buffer.concat((await log.readAll()).map((e) => e.data))).toEqual(bytes);
  log.close();
});

test('a read sends the kept entries that match (stream, tail), then, when following, new ones until the run ends', async () => {
  const log = new ContainerLog(join(dir, 'read.log'));
  log.write('stdout', Buffer.from('a\nb\n'));
  log.write('stderr', Buffer.from('e\n'));
  const sent: string[] = [];
  let ended = 0;
  const sink = { entry: (e: LogEntry) => sent.push(e.data.toString()), end: () => { ended++; } };
  await log.read({ stdout: true, stderr: false, tail: 1, follow: false }, sink);
  expect({ sent, ended }).toEqual({ sent: ['b\n'], ended: 1 });
  sent.length = 0;
  const stop = await log.read({ stdout: true, stderr: true, tail: Infinity, follow: true }, sink);
  log.write('stdout', Buffer.from('c\n'));
  log.endRun();
  log.write('stdout', Buffer.from('after\n'));
  stop();
  expect({ sent, ended }).toEqual({ sent: ['a\n', 'b\n', 'e\n', 'c\n'], ended: 2 });
  log.close();
});
