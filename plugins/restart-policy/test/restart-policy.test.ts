import { InvalidArgumentError, type LifecycleContainer as ContainerRecord } from '@sockerless/sdk';
import { RESTART_BACKOFF, RestartManager, nextRestartDelay, policyWantsRestart, startsAtBoot, validateRestartPolicy } from '../src/restart-policy';

const rejects = (hostConfig: Record<string, unknown>) => {
  try {
    validateRestartPolicy(hostConfig);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(hostConfig)}`);
};

describe('validateRestartPolicy (dockerd wording)', () => {
  test.each([
    [{}], [{ RestartPolicy: { Name: '' } }], [{ RestartPolicy: { Name: '', MaximumRetryCount: 5 } }], [{ RestartPolicy: { Name: 'no' } }],
    [{ RestartPolicy: { Name: 'always' } }], [{ RestartPolicy: { Name: 'unless-stopped' } }], [{ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } }],
    [{ AutoRemove: true, RestartPolicy: { Name: 'no' } }],
  ])('accepts %j', (hc) => {
    expect(() => validateRestartPolicy(hc)).not.toThrow();
  });

  test('rejects what dockerd 20.10 rejects, with its messages', () => {
    expect(rejects({ RestartPolicy: { Name: 'sometimes' } })).toBe("invalid restart policy 'sometimes'");
    expect(rejects({ RestartPolicy: { Name: 'always', MaximumRetryCount: 2 } })).toBe("maximum retry count cannot be used with restart policy 'always'");
    expect(rejects({ RestartPolicy: { Name: 'no', MaximumRetryCount: -1 } })).toBe("maximum retry count cannot be used with restart policy 'no'");
    expect(rejects({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: -2 } })).toBe('maximum retry count cannot be negative');
    expect(rejects({ AutoRemove: true, RestartPolicy: { Name: 'always' } })).toBe("can't create 'AutoRemove' container with restart policy");
    expect(rejects({ RestartPolicy: 'always' })).toMatch(/RestartPolicy/);
  });
});

describe('policyWantsRestart (moby restartmanager)', () => {
  const exit = (exitCode: number, manuallyStopped = false, restartCount = 0) => ({ exitCode, manuallyStopped, restartCount });

  test('no and an empty name never restart', () => {
    expect(policyWantsRestart({ Name: 'no' }, exit(1))).toBe(false);
    expect(policyWantsRestart({ Name: '' }, exit(1))).toBe(false);
    expect(policyWantsRestart(undefined, exit(1))).toBe(false);
  });

  test('always restarts whatever happened; unless-stopped not after a manual stop', () => {
    expect(policyWantsRestart({ Name: 'always' }, exit(0, true))).toBe(true);
    expect(policyWantsRestart({ Name: 'unless-stopped' }, exit(0))).toBe(true);
    expect(policyWantsRestart({ Name: 'unless-stopped' }, exit(0, true))).toBe(false);
  });

  test('on-failure restarts only failures, up to the maximum (0 = unlimited)', () => {
    expect(policyWantsRestart({ Name: 'on-failure' }, exit(0))).toBe(false);
    expect(policyWantsRestart({ Name: 'on-failure', MaximumRetryCount: 2 }, exit(3, false, 1))).toBe(true);
    expect(policyWantsRestart({ Name: 'on-failure', MaximumRetryCount: 2 }, exit(3, false, 2))).toBe(false);
    expect(policyWantsRestart({ Name: 'on-failure', MaximumRetryCount: 0 }, exit(3, true, 1000))).toBe(true);
  });
});

describe('restart backoff', () => {
  test('starts at 100 ms, doubles, caps at a minute, and resets after a 10 s run', () => {
    let d = 0;
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) seen.push((d = nextRestartDelay(d, 50)));
    expect(seen.slice(0, 5)).toEqual([100, 200, 400, 800, 1600]);
    expect(seen[seen.length - 1]).toBe(RESTART_BACKOFF.maxMs);
    expect(Math.max(...seen)).toBe(60_000);
    expect(nextRestartDelay(60_000, 50)).toBe(60_000);
    expect(nextRestartDelay(6_400, 10_000)).toBe(100);
    expect(nextRestartDelay(6_400, 9_999)).toBe(12_800);
  });

  test('a manager grows its delay per restart in a row and stops deciding once cancelled', () => {
    const m = new RestartManager();
    const facts = { exitCode: 1, manuallyStopped: false, restartCount: 0 };
    expect(m.decide({ Name: 'always' }, facts, 10)).toBe(100);
    expect(m.decide({ Name: 'always' }, facts, 10)).toBe(200);
    expect(m.decide({ Name: 'on-failure' }, { ...facts, exitCode: 0 }, 10)).toBeUndefined();
    // The backoff still moved on for the exit that was not restarted, as moby's does.
    expect(m.decide({ Name: 'always' }, facts, 10)).toBe(800);
    expect(m.cancel()).toBe(false);
    expect(m.decide({ Name: 'always' }, facts, 10)).toBeUndefined();
  });

  test('a pending restart is reported and cancel drops it', async () => {
    const m = new RestartManager();
    let ran = 0;
    m.schedule(5, () => { ran++; });
    expect(m.pending).toBe(true);
    expect(m.cancel()).toBe(true);
    expect(m.pending).toBe(false);
    const other = new RestartManager();
    await new Promise<void>((resolve) => other.schedule(1, resolve));
    expect(other.pending).toBe(false);
    expect(ran).toBe(0);
  });
});

describe('startsAtBoot (dockerd restore)', () => {
  const record = (policy: Record<string, unknown>, state: Partial<ContainerRecord['state']>, extra: Partial<ContainerRecord> = {}) => ({
    hostConfig: { RestartPolicy: policy },
    state: { StartedAt: '2024-01-01T00:00:00Z', ExitCode: 137, ...state },
    restartCount: 0,
    ...extra,
  }) as unknown as ContainerRecord;

  test('always comes back even after a manual stop; unless-stopped does not', () => {
    expect(startsAtBoot(record({ Name: 'always' }, {}, { manuallyStopped: true }))).toBe(true);
    expect(startsAtBoot(record({ Name: 'unless-stopped' }, {}))).toBe(true);
    expect(startsAtBoot(record({ Name: 'unless-stopped' }, {}, { manuallyStopped: true }))).toBe(false);
  });

  test('a container that never ran, or has no policy, stays as it is', () => {
    expect(startsAtBoot(record({ Name: 'always' }, { StartedAt: '0001-01-01T00:00:00Z' }))).toBe(false);
    expect(startsAtBoot(record({ Name: 'no' }, {}))).toBe(false);
    expect(startsAtBoot(record({ Name: 'on-failure', MaximumRetryCount: 2 }, { ExitCode: 3 }, { restartCount: 2 }))).toBe(false);
    expect(startsAtBoot(record({ Name: 'on-failure', MaximumRetryCount: 2 }, { ExitCode: 0 }))).toBe(false);
  });
});
