/** The printed table: `N same, M differ` and each difference with both answers and whether it is expected. */
import type { Difference } from './model';

export interface SuiteResult {
  same: number;
  differences: Difference[];
  /** What the clean-up between scenarios could not remove (it would leak into later scenarios). */
  sweepProblems: string[];
  seconds: number;
  /** Seconds per scenario (the slower engine's), to find what makes the suite slow. */
  timings: { scenario: string; seconds: number }[];
  /** Every step's statuses, when SOCKERLESS_DIFFERENTIAL_VERBOSE=1: to see what the alike answers were. */
  trace: string[];
}

/** Differences not in the expected map: regressions or new gaps. */
export const unexpectedOf = (r: SuiteResult, expected: Record<string, string>) => r.differences.filter((d) => !(d.key in expected));

/** Expected entries that no longer differ: fixed, so they should leave the map. */
export const staleOf = (r: SuiteResult, expected: Record<string, string>) => {
  const seen = new Set(r.differences.map((d) => d.key));
  return Object.keys(expected).filter((k) => !seen.has(k));
};

const indent = (text: string) => text.split('\n').join('\n              ');

export function formatReport(r: SuiteResult, expected: Record<string, string>): string {
  const lines = r.trace.length ? ['every step (docker | ours):', ...r.trace.map((t) => `    ${t}`), ''] : [];
  lines.push(`differential (dockerd 20.10 vs ours, API 1.41): ${r.same} same, ${r.differences.length} differ (${r.seconds.toFixed(1)} s)`);
  for (const d of r.differences) {
    const reason = expected[d.key];
    lines.push('', `${reason === undefined ? 'NEW ' : ''}${d.key}`);
    lines.push(`    docker:   ${indent(d.docker)}`);
    lines.push(`    ours:     ${indent(d.ours)}`);
    if (reason !== undefined) lines.push(`    expected: ${reason}`);
  }
  const stale = staleOf(r, expected);
  if (stale.length) lines.push('', 'Expected differences that no longer differ (remove them from EXPECTED_DIFFERENCES):', ...stale.map((k) => `    ${k}`));
  if (r.sweepProblems.length) lines.push('', 'Clean-up between scenarios failed:', ...r.sweepProblems.map((p) => `    ${p}`));
  const slowest = [...r.timings].sort((a, b) => b.seconds - a.seconds).slice(0, 3);
  lines.push('', `slowest scenarios: ${slowest.map((t) => `${t.scenario} ${t.seconds.toFixed(1)} s`).join('; ')}`);
  const unexpected = unexpectedOf(r, expected);
  lines.push('', `${unexpected.length} unexpected, ${r.differences.length - unexpected.length} expected, ${stale.length} stale`);
  return lines.join('\n');
}
