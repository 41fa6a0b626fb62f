import { runTornState } from './torn-state';

/**
 * CI's short mode of the torn-state harness: every way of tearing the state (TEARS in torn-state.ts) at
 * least once, on real daemons and a real SQLite file. The long mode (200 cases) is in the bench.
 */
test('20 torn states: every boot succeeds and nothing is lost in silence', async () => {
  const r = await runTornState({ cases: 20, seed: Number(process.env.TORN_STATE_SEED ?? 1) });
  const problems = r.cases.filter((c) => !c.booted || c.lostSilently || !c.writable).map((c) => `${c.tear}:\n${c.detail}`);
  expect(problems).toEqual([]);
  expect(r.booted).toBe(20);
  expect(r.lostSilently).toBe(0);
  console.log(r.figure);
}, 240_000);
