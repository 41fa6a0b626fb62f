/**
 * The reliability harnesses of test/reliability/ (issue 13, item 3) run from the bench as their own commands
 * (each starts its own daemons on homes of its own) in their long modes; each one's figure line is the result.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './engines';

/** Runs `test/reliability/<name>.ts args`; resolves to its line starting with `<name>: `, which says whether the run was clean. */
export function runReliabilityHarness(name: string, args: string[], log: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'jiti'), [join(REPO_ROOT, 'test', 'reliability', `${name}.ts`), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    // Progress lines and, on findings, what caused them.
    child.stderr.on('data', (d: Buffer) => { for (const line of d.toString().split('\n')) if (line.trim()) log(line); });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(`${name}: `));
      if (line) resolve(line);
      else reject(new Error(`the ${name} harness exited ${code} without its figure line`));
    });
  });
}
