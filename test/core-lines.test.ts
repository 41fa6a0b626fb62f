/**
 * The core stays small (issue 18): its production TypeScript may not grow past the committed budget.
 * Features go into plugins behind extension points; lower the budget in core/line-budget.txt as the core shrinks.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

test('core/src is within its line budget', () => {
  const lines = Number(execFileSync('bash', [join(ROOT, 'scripts', 'core-lines.sh')], { encoding: 'utf8' }).trim());
  const budget = Number(readFileSync(join(ROOT, 'core', 'line-budget.txt'), 'utf8').trim());
  expect(Number.isInteger(lines) && lines > 0).toBe(true);
  expect(Number.isInteger(budget) && budget > 0).toBe(true);
  if (lines > budget) throw new Error(`core/src has ${lines} lines of TypeScript, over its budget of ${budget} (core/line-budget.txt): move the code into a plugin or the SDK`);
});
