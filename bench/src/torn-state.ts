import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './engines';

/**
 * The torn-state harness (test/reliability/torn-state.ts) in its long mode (200 cases; 20 with --quick): its
 * one figure line, e.g. `torn-state: 200 cases, 200 booted, 0 lost-silently, ...`. It runs its own daemons
 * on homes of its own, so it shares nothing with the engines measured above.
 */
export function measureTornState(quick: boolean): string {
  const harness = join(REPO_ROOT, 'test', 'reliability', 'torn-state.ts');
  const r = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'jiti'), [harness, ...(quick ? ['--cases', '20'] : ['--long'])], {
    cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  const figure = r.stdout.split('\n').find((l) => l.startsWith('torn-state:'));
  if (!figure) throw new Error(`the torn-state harness printed no figure (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return figure;
}
