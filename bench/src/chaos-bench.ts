/**
 * The chaos figure (issue 13, item 3): test/reliability/chaos.ts in its long mode (1,000 `kill -9`s of a
 * daemon of its own under four clients; 30 with --quick, CI's short mode), its one figure line the result.
 */
import { runReliabilityHarness } from './reliability-harness';

export const CHAOS_KILLS = { long: 1000, quick: 30 };

export function runChaosHarness(kills: number, log: (line: string) => void): Promise<string> {
  return runReliabilityHarness('chaos', ['--kills', String(kills)], log);
}
