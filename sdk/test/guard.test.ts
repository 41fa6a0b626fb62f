import { EventEmitter } from 'node:events';
import { asTarInputError, detached, guarded, InvalidArgumentError, NotFoundError, type Logger } from '../src';

function recordingLogger(): Logger & { lines: { msg: string; fields?: Record<string, unknown> }[] } {
  const lines: { msg: string; fields?: Record<string, unknown> }[] = [];
  const log = (msg: string, fields?: Record<string, unknown>) => { lines.push({ msg, fields }); };
  const logger = { lines, debug: log, info: log, warn: log, error: log, child: () => logger };
  return logger;
}

test('a guarded listener that throws is logged with its context, and the emitter carries on', () => {
  const logger = recordingLogger();
  const emitter = new EventEmitter();
  const seen: string[] = [];
  emitter.on('close', guarded(logger, { exec: 'e1', on: 'close' }, () => { throw new NotFoundError('No such exec instance: e1'); }));
  emitter.on('close', () => seen.push('second listener ran'));
  expect(() => emitter.emit('close')).not.toThrow();
  expect(seen).toEqual(['second listener ran']);
  expect(logger.lines).toEqual([{ msg: expect.stringContaining('failed'), fields: expect.objectContaining({ exec: 'e1', on: 'close', err: 'No such exec instance: e1' }) }]);
});

test('a guarded async callback and a detached promise log their rejection instead of leaving it unhandled', async () => {
  const logger = recordingLogger();
  guarded(logger, { on: 'timer' }, async () => { throw new Error('late failure'); })();
  detached(logger, { on: 'boot' }, Promise.reject(new Error('nobody awaited this')));
  await new Promise((r) => setImmediate(r));
  expect(logger.lines.map((l) => [l.fields?.on, l.fields?.err])).toEqual([['timer', 'late failure'], ['boot', 'nobody awaited this']]);
});

test('guarded passes the arguments through', () => {
  const logger = recordingLogger();
  const got: unknown[] = [];
  guarded(logger, {}, (a: number, b: string) => { got.push(a, b); })(1, 'x');
  expect(got).toEqual([1, 'x']);
});

test('asTarInputError: a parser complaint is a 400, file-system and typed errors pass unchanged', () => {
  expect(asTarInputError(new Error('Unexpected end of data'))).toEqual(new InvalidArgumentError('invalid tar archive: Unexpected end of data'));
  const fsError = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  expect(asTarInputError(fsError)).toBe(fsError);
  const typed = new NotFoundError('gone');
  expect(asTarInputError(typed)).toBe(typed);
});
