/** The pure parts of the FaaS core: the bootstrap script an HTTP-triggered function is sent, and the exit read from its answer. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOTSTRAP_MARKER, bootstrapScript } from '../src/core/bootstrap';
import { exitOf, invocationRows } from '../src/core/http-invocation';

test('the bootstrap script enters the working directory (made when missing) and execs the agent with the argv, quoted', () => {
  const script = bootstrapScript(['sh', '-c', "echo 'it''s' \"$HOME\""], '/work dir');
  expect(script).toBe(`echo '${BOOTSTRAP_MARKER}'\nmkdir -p '/work dir' 2>/dev/null; cd '/work dir' || exit 126\nexec /.sockerless/agent -- 'sh' '-c' 'echo '\\''it'\\'''\\''s'\\'' "$HOME"'\n`);
  // What a shell makes of it: the same argv, word for word (the agent replaced by printf).
  const dir = mkdtempSync(join(tmpdir(), 'faas-bootstrap-'));
  const out = execFileSync('sh', { input: bootstrapScript(['a b', "c'd", '$e'], join(dir, 'w')).replace('/.sockerless/agent --', "printf '[%s]'"), encoding: 'utf8' });
  expect(out).toBe(`${BOOTSTRAP_MARKER}\n[a b][c'd][$e]`);
  expect(bootstrapScript(['true'], '')).toBe(`echo '${BOOTSTRAP_MARKER}'\nexec /.sockerless/agent -- 'true'\n`);
});

test('the exit from the trigger\'s answer: the header, the platform\'s timeout, an answer that never ran the process', () => {
  const answer = (statusCode: number, headers: Record<string, string> = {}) => ({ statusCode, headers });
  const ran = (stdout: string) => `${BOOTSTRAP_MARKER}\n${stdout}`;
  expect(exitOf(answer(200, { 'x-sockerless-exit-code': '0' }), ran('a\nb\n'), 'Cloud Functions', 60)).toEqual({ status: { exitCode: 0 }, expectedStdoutLines: 3, body: ran('a\nb\n') });
  expect(exitOf(answer(500, { 'x-sockerless-exit-code': '3' }), ran(''), 'Cloud Functions', 60)).toMatchObject({ status: { exitCode: 3 }, expectedStdoutLines: 1 });
  // An image whose own command is not a shell ran something else: said, not taken for the container's exit.
  expect(exitOf(answer(200, { 'x-sockerless-exit-code': '0' }), 'hello from the image\n', 'Azure Functions', 300).status).toEqual({
    exitCode: 125, error: expect.stringContaining("the function's image did not run the container's command: its own command (exit 0) is not a shell"),
  });
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
