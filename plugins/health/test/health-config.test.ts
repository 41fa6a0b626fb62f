import { InvalidArgumentError, type HealthState } from '@sockerless/sdk';
import {
  HEALTH_DEFAULTS, ProbeOutput, applyProbeResult, goDuration, healthAtStart, healthTimings, mergeHealthcheck, nextProbeDelay, parseGoDuration,
  probeArgv, validateHealthcheck,
} from '../src/health-config';

const MS = 1_000_000;

const rejects = (hc: unknown) => {
  try {
    validateHealthcheck(hc);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(hc)}`);
};

describe('validateHealthcheck (dockerd wording)', () => {
  test('accepts zero (inherit) and anything from 1ms', () => {
    expect(() => validateHealthcheck({ Test: ['CMD', 'true'], Interval: 0, Timeout: MS, StartPeriod: 0, StartInterval: MS, Retries: 0 })).not.toThrow();
    expect(() => validateHealthcheck(undefined)).not.toThrow();
    expect(() => validateHealthcheck(null)).not.toThrow();
  });

  test('rejects short or negative durations and negative retries', () => {
    expect(rejects({ Interval: MS - 1 })).toBe('Interval in Healthcheck cannot be less than 1ms');
    expect(rejects({ Interval: -10 * MS })).toBe('Interval in Healthcheck cannot be less than 1ms');
    expect(rejects({ Timeout: 500_000 })).toBe('Timeout in Healthcheck cannot be less than 1ms');
    expect(rejects({ Retries: -1 })).toBe('Retries in Healthcheck cannot be negative');
    expect(rejects({ StartPeriod: 100_000 })).toBe('StartPeriod in Healthcheck cannot be less than 1ms');
    expect(rejects({ StartInterval: 1 })).toBe('StartInterval in Healthcheck cannot be less than 1ms');
    // dockerd checks Interval before Retries.
    expect(rejects({ Interval: 1, Retries: -1 })).toBe('Interval in Healthcheck cannot be less than 1ms');
    expect(rejects({ Test: 'true' })).toMatch(/Test/);
    expect(rejects({ Interval: '1s' })).toMatch(/Interval/);
  });
});

describe('mergeHealthcheck (dockerd merge with the image)', () => {
  const image = { Test: ['CMD-SHELL', 'check'], Interval: 5 * MS, Retries: 7 };

  test('absent takes the image; fields left zero or empty inherit', () => {
    expect(mergeHealthcheck(undefined, image)).toEqual(image);
    expect(mergeHealthcheck({ Interval: 9 * MS }, image)).toEqual({ Test: ['CMD-SHELL', 'check'], Interval: 9 * MS, Retries: 7 });
    expect(mergeHealthcheck({ Test: ['NONE'] }, image)).toEqual({ Test: ['NONE'], Interval: 5 * MS, Retries: 7 });
    expect(mergeHealthcheck({ Test: ['CMD', 'x'] }, undefined)).toEqual({ Test: ['CMD', 'x'] });
  });
});

describe('probeArgv', () => {
  test('CMD runs as given, CMD-SHELL through /bin/sh -c, NONE and empty run nothing', () => {
    expect(probeArgv({ Test: ['CMD', 'test', '-f', '/ok'] })).toEqual(['test', '-f', '/ok']);
    expect(probeArgv({ Test: ['CMD-SHELL', 'test -f /ok'] })).toEqual(['/bin/sh', '-c', 'test -f /ok']);
    expect(probeArgv({ Test: ['NONE'] })).toBeUndefined();
    expect(probeArgv({ Test: [] })).toBeUndefined();
    expect(probeArgv({ Interval: MS })).toBeUndefined();
    expect(probeArgv(undefined)).toBeUndefined();
  });
});

describe('health transitions (moby handleProbeResult)', () => {
  const timings = healthTimings({ Interval: 200 * MS, Retries: 2, StartPeriod: 1000 * MS });
  const startedAt = Date.parse('2024-01-01T00:00:00.000Z');
  const at = (offsetMs: number, exitCode: number) => ({
    Start: new Date(startedAt + offsetMs).toISOString(), End: new Date(startedAt + offsetMs + 5).toISOString(), ExitCode: exitCode, Output: '',
  });

  test('defaults: 30s interval and timeout, no start period, 5s start interval, 3 retries', () => {
    expect(healthTimings({})).toEqual({ intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, startIntervalMs: 5_000, retries: 3 });
  });

  test('failures inside the start period do not count; after it, retries failures make it unhealthy; a success heals', () => {
    let h: HealthState = healthAtStart(undefined);
    h = applyProbeResult(h, at(100, 1), timings, startedAt);
    h = applyProbeResult(h, at(900, 1), timings, startedAt);
    expect(h).toMatchObject({ Status: 'starting', FailingStreak: 0 });
    h = applyProbeResult(h, at(1100, 1), timings, startedAt);
    expect(h).toMatchObject({ Status: 'starting', FailingStreak: 1 });
    h = applyProbeResult(h, at(1300, 2), timings, startedAt);
    expect(h).toMatchObject({ Status: 'unhealthy', FailingStreak: 2 });
    h = applyProbeResult(h, at(1500, 0), timings, startedAt);
    expect(h).toMatchObject({ Status: 'healthy', FailingStreak: 0 });
    expect(h.Log).toHaveLength(5);
    h = applyProbeResult(h, at(1700, 0), timings, startedAt);
    expect(h.Log).toHaveLength(HEALTH_DEFAULTS.maxLogEntries);
    expect(h.Log[0].Start).toBe(at(900, 1).Start);
  });

  test('once healthy, the start period no longer shields a failure', () => {
    let h: HealthState = applyProbeResult(healthAtStart(undefined), at(10, 0), timings, startedAt);
    h = applyProbeResult(h, at(200, 1), timings, startedAt);
    expect(h).toMatchObject({ Status: 'healthy', FailingStreak: 1 });
  });

  test('a restart resets status and streak but keeps the log', () => {
    const before: HealthState = { Status: 'unhealthy', FailingStreak: 4, Log: [at(1, 1)] };
    expect(healthAtStart(before)).toEqual({ Status: 'starting', FailingStreak: 0, Log: [at(1, 1)] });
  });

  test('probe spacing: the start interval while starting in the start period, else the interval but not past its end', () => {
    const t = healthTimings({ Interval: 10_000 * MS, StartPeriod: 3_000 * MS, StartInterval: 500 * MS });
    expect(nextProbeDelay(t, 0, 'starting')).toBe(500);
    expect(nextProbeDelay(t, 2_800, 'starting')).toBe(500);
    expect(nextProbeDelay(t, 0, 'healthy')).toBe(3_000);
    expect(nextProbeDelay(t, 3_000, 'starting')).toBe(10_000);
    expect(nextProbeDelay(healthTimings({ Interval: 200 * MS }), 0, 'starting')).toBe(200);
  });
});

describe('durations and output as dockerd prints them', () => {
  test('Go duration strings both ways', () => {
    expect(goDuration(30_000)).toBe('30s');
    expect(goDuration(200)).toBe('200ms');
    expect(goDuration(1_500)).toBe('1.5s');
    expect(goDuration(90_000)).toBe('1m30s');
    expect(goDuration(3_600_000)).toBe('1h0m0s');
    expect(parseGoDuration('200ms')).toBe(200 * MS);
    expect(parseGoDuration('1m30s')).toBe(90_000 * MS);
    expect(parseGoDuration('1.5s')).toBe(1_500 * MS);
    expect(parseGoDuration('0')).toBe(0);
    expect(() => parseGoDuration('5')).toThrow('time: invalid duration "5"');
    expect(() => parseGoDuration('1x')).toThrow(InvalidArgumentError);
  });

  test('probe output keeps 4 KiB and marks the cut', () => {
    const out = new ProbeOutput();
    out.write(Buffer.alloc(3000, 'a'));
    out.write(Buffer.alloc(3000, 'b'));
    const text = out.toString();
    expect(text).toHaveLength(4096 + 3);
    expect(text.endsWith('b...')).toBe(true);
    const short = new ProbeOutput();
    short.write(Buffer.from('ok\n'));
    expect(short.toString()).toBe('ok\n');
  });
});
