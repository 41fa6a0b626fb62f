/**
 * The differential suite: every scenario in scenarios.ts against our daemon and a private dockerd 20.10.
 * Prints `N same, M differ` and each difference; fails on a difference not listed in EXPECTED_DIFFERENCES
 * and on a listed one that no longer differs. Without a usable dockerd it fails with the reason, unless
 * SOCKERLESS_DIFFERENTIAL=skip. Run alone: `npx jest test/differential` (SOCKERLESS_DIFFERENTIAL_ONLY=text: only the
 * scenarios whose name contains it).
 */
import { dockerdUnavailableReason } from '../support/dockerd';
import { isMarkStep, stepName } from './model';
import { formatReport, staleOf, unexpectedOf } from './report';
import { EXPECTED_DIFFERENCES, SCENARIOS } from './scenarios';
import { runSuite, startEngines, type Engines } from './suite';

const SKIP = process.env.SOCKERLESS_DIFFERENTIAL === 'skip';

let engines: Engines | undefined;
let unavailable: string | undefined;

beforeAll(async () => {
  const reason = dockerdUnavailableReason();
  if (reason) { unavailable = reason; return; }
  try {
    engines = await startEngines();
  } catch (err) {
    unavailable = (err as Error).message;
  }
}, 180_000);

afterAll(async () => { await engines?.dispose(); }, 60_000);

test('the scenario list is well-formed: unique names, expected differences name real steps', () => {
  const names = SCENARIOS.map((s) => s.name);
  expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  const stepKeys = new Set<string>();
  for (const s of SCENARIOS) {
    const steps = s.steps.filter((st) => !isMarkStep(st)).map(stepName);
    expect({ scenario: s.name, duplicateSteps: steps.filter((n, i) => steps.indexOf(n) !== i) }).toEqual({ scenario: s.name, duplicateSteps: [] });
    for (const st of steps) stepKeys.add(`${s.name} › ${st}`);
  }
  const dangling = Object.keys(EXPECTED_DIFFERENCES).filter((k) => !stepKeys.has(k.split(' › ').slice(0, 2).join(' › ')));
  expect(dangling).toEqual([]);
  expect(Object.entries(EXPECTED_DIFFERENCES).filter(([, reason]) => reason.trim() === '')).toEqual([]);
});

test('both engines answer every scenario alike, apart from the expected differences', async () => {
  if (unavailable !== undefined) {
    if (SKIP) { console.warn(`differential suite skipped (SOCKERLESS_DIFFERENTIAL=skip): ${unavailable}`); return; }
    throw new Error(`the differential suite needs a private dockerd (Debian docker.io) and could not start one: ${unavailable}\n`
      + 'Set SOCKERLESS_DIFFERENTIAL=skip to skip this suite.');
  }
  // SOCKERLESS_DIFFERENTIAL_ONLY=text runs only the scenarios whose name contains it (while working on them).
  const only = process.env.SOCKERLESS_DIFFERENTIAL_ONLY;
  const scenarios = only ? SCENARIOS.filter((s) => s.name.includes(only)) : SCENARIOS;
  const names = new Set(scenarios.map((s) => s.name));
  const expected = Object.fromEntries(Object.entries(EXPECTED_DIFFERENCES).filter(([key]) => names.has(key.split(' › ')[0])));
  const result = await runSuite(scenarios, engines!);
  console.log(formatReport(result, expected));
  expect(result.sweepProblems).toEqual([]);
  expect(unexpectedOf(result, expected)).toEqual([]);
  expect(staleOf(result, expected)).toEqual([]);
}, 240_000);
