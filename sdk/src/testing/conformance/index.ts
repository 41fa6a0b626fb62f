import { lifecycleScenarios } from './lifecycle-scenarios';
import { powerScenarios } from './power-scenarios';
import { resourceScenarios } from './resource-scenarios';
import type { ConformanceScenario } from './scenario';
import { ConformanceSession } from './session';
import type { BackendConformanceOptions, ConformanceResult } from './types';

export type { BackendConformanceOptions, ConformanceDriverSource, ConformanceResult, ConformanceSkips } from './types';
export type { ConformanceScenario } from './scenario';

/** Every scenario, in the order they run: the lifecycle every backend has, then the optional powers. */
export const conformanceScenarios: readonly ConformanceScenario[] = [...lifecycleScenarios, ...powerScenarios, ...resourceScenarios];

/** Why a scenario does not run for these options, or undefined when it runs. */
export function skipReasonOf(scenario: ConformanceScenario, opts: BackendConformanceOptions<any>): string | undefined {
  return scenario.power ? opts.skip?.[scenario.power] : undefined;
}

/** Runs one scenario on an open session; a failure's message starts with the scenario's name. */
async function runScenario(session: ConformanceSession<unknown>, scenario: ConformanceScenario): Promise<void> {
  try {
    const absent = (scenario.needs ?? []).filter((m) => typeof session.driver[m] !== 'function');
    if (absent.length) {
      throw new Error(`the driver has no ${absent.map((m) => `${m}()`).join(', ')}: declare skip.${scenario.power} with the reason, so the report says why`);
    }
    await scenario.run(session);
  } catch (err) {
    const failure = new Error(`conformance scenario "${scenario.name}" failed: ${(err as Error).message}`);
    failure.stack = `${failure.message}\n${(err as Error).stack?.split('\n').slice(1).join('\n') ?? ''}`;
    throw failure;
  } finally {
    await session.cleanUp();
  }
}

/**
 * Runs every scenario against a backend outside jest and returns what each did: for a test that asserts
 * a backend fails (or passes) named scenarios. A scenario that fails does not stop the next one.
 */
export async function runConformanceScenarios<O = Record<string, unknown>>(opts: BackendConformanceOptions<O>, only?: (name: string) => boolean): Promise<ConformanceResult[]> {
  const session = new ConformanceSession(opts);
  const results: ConformanceResult[] = [];
  await session.open();
  try {
    for (const scenario of conformanceScenarios) {
      if (only && !only(scenario.name)) continue;
      const reason = skipReasonOf(scenario, opts);
      if (reason) {
        results.push({ scenario: scenario.name, status: 'skipped', message: reason });
        continue;
      }
      try {
        await runScenario(session as ConformanceSession<unknown>, scenario);
        results.push({ scenario: scenario.name, status: 'passed' });
      } catch (err) {
        results.push({ scenario: scenario.name, status: 'failed', message: (err as Error).message });
      }
    }
  } finally {
    await session.close();
  }
  return results;
}

interface JestGlobals {
  describe(name: string, fn: () => void): void;
  test: ((name: string, fn: () => Promise<void>, timeout?: number) => void) & { skip(name: string, fn: () => void): void };
  beforeAll(fn: () => Promise<void>, timeout?: number): void;
  afterAll(fn: () => Promise<void>, timeout?: number): void;
}

/**
 * Registers the conformance scenarios as jest tests, from a backend's own test file:
 *
 *     runBackendConformance({ name: 'my-backend', driver: myFactory, options: {}, image: { id: 'sha256:x', ref: 'busybox' } });
 *
 * One driver instance serves the whole file (the recovery scenarios replace it with a new one on the same
 * state dir, as a daemon restart does). A power declared missing shows as a skipped test whose title says
 * why; an absent optional method whose power is not declared missing fails.
 */
export function runBackendConformance<O = Record<string, unknown>>(opts: BackendConformanceOptions<O>): void {
  const jest = globalThis as unknown as Partial<JestGlobals>;
  if (!jest.describe || !jest.test || !jest.beforeAll || !jest.afterAll) {
    throw new Error('runBackendConformance registers jest tests: call it from a jest test file, or use runConformanceScenarios');
  }
  const { describe, test, beforeAll, afterAll } = jest as JestGlobals;
  const timeout = (opts.timeoutMs ?? 60_000) * 4;
  describe(`backend conformance: ${opts.name}`, () => {
    let session: ConformanceSession<O> | undefined;
    beforeAll(async () => {
      session = new ConformanceSession(opts);
      await session.open();
    }, timeout);
    afterAll(async () => { await session?.close(); }, timeout);
    for (const scenario of conformanceScenarios) {
      const reason = skipReasonOf(scenario, opts);
      if (reason) {
        test.skip(`${scenario.name} — skipped: ${reason}`, () => undefined);
        continue;
      }
      test(scenario.name, async () => {
        if (!session) throw new Error('the backend under test did not open (see the beforeAll failure)');
        await runScenario(session as ConformanceSession<unknown>, scenario);
      }, timeout);
    }
  });
}
