/** The pure parts of the FaaS core: the bootstrap script an HTTP-triggered function is sent, and the exit read from its answer. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapScript } from '../src/core/bootstrap';
import { exitOf, invocationRows } from '../src/core/http-invocation';

test('the bootstrap script enters the working directory (made when missing) and execs the agent with the argv, quoted', () => {
  const script = bootstrapScript(['sh', '-c', "echo 'it''s' \"$HOME\""], '/work dir');
  expect(script).toBe(`mkdir -p '/work dir' 2>/dev/null; cd '/work dir' || exit 126\nexec /.sockerless/agent -- 'sh' '-c' 'echo '\\''it'\\'''\\''s'\\'' "$HOME"'\n`);
  // What a shell makes of it: the same argv, word for word (the agent replaced by printf).
  const dir = mkdtempSync(join(tmpdir(), 'faas-bootstrap-'));
  const out = execFileSync('sh', { input: bootstrapScript(['a b', "c'd", '$e'], join(dir, 'w')).replace('/.sockerless/agent --', "printf '[%s]'"), encoding: 'utf8' });
  expect(out).toBe("[a b][c'd][$e]");
  expect(bootstrapScript(['true'], '')).toBe("exec /.sockerless/agent -- 'true'\n");
});

test('the exit from the trigger\'s answer: the header, the platform\'s timeout, an answer that never ran the process', () => {
  const answer = (statusCode: number, headers: Record<string, string> = {}) => ({ statusCode, headers });
  expect(exitOf(answer(200, { 'x-sockerless-exit-code': '0' }), 'a\nb\n', 'Cloud Functions', 60)).toEqual({ status: { exitCode: 0 }, expectedStdoutLines: 2, body: 'a\nb\n' });
  expect(exitOf(answer(500, { 'x-sockerless-exit-code': '3' }), '', 'Cloud Functions', 60)).toMatchObject({ status: { exitCode: 3 }, expectedStdoutLines: 0 });
  expect(exitOf(answer(504, { 'x-sockerless-exit-code': '137' }), '', 'Azure Functions', 300)).toEqual({ status: { exitCode: 137, signal: 'SIGKILL', error: 'Azure Functions timeout (300 s)' } });
  expect(exitOf(answer(404), '<html>Page not found</html>', 'Cloud Functions', 60)).toEqual({ status: { exitCode: 125, error: "Cloud Functions: the function's trigger answered HTTP 404: <html>Page not found</html>" } });
});

test('an invocation\'s rows are those of the first request id not seen before', () => {
  const earlier = new Set(['old']);
  const rows = invocationRows(earlier);
  expect(['old', 'new', 'old', 'new', 'other'].map(rows.owns)).toEqual([false, true, false, true, false]);
  rows.settle();
  expect([...earlier]).toEqual(['old', 'new']);
});
