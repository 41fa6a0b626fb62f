/**
 * The fuzz figure (issue 13): the harness of test/reliability/fuzz.ts in its long mode, run as its own command
 * (it starts its own daemon with short client timeouts), and its one figure line taken as the result.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './engines';

export const FUZZ_REQUESTS = { long: 100_000, quick: 10_000 };

/** Runs `requests` fuzzed requests; resolves to the figure line, which says whether the run was clean. */
export function runFuzzHarness(requests: number, log: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'jiti'), [join(REPO_ROOT, 'test', 'reliability', 'fuzz.ts'), '--requests', String(requests)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    // Progress lines and, on findings, the requests that caused them.
    child.stderr.on('data', (d: Buffer) => { for (const line of d.toString().split('\n')) if (line.trim()) log(line); });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('fuzz: '));
      if (line) resolve(line);
      else reject(new Error(`the fuzz harness exited ${code} without its figure line`));
    });
  });
}
