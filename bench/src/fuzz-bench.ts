/**
 * The fuzz figure (issue 13): the harness of test/reliability/fuzz.ts in its long mode, run as its own command
 * (it starts its own daemon with short client timeouts), and its one figure line taken as the result.
 */
import { runReliabilityHarness } from './reliability-harness';

export const FUZZ_REQUESTS = { long: 100_000, quick: 10_000 };

/** Runs `requests` fuzzed requests; resolves to the figure line, which says whether the run was clean. */
export function runFuzzHarness(requests: number, log: (line: string) => void): Promise<string> {
  return runReliabilityHarness('fuzz', ['--requests', String(requests)], log);
}
