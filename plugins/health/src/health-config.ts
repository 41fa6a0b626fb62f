import { InvalidArgumentError, type HealthLogEntry, type HealthState } from '@sockerless/sdk';

/**
 * Docker's HEALTHCHECK as data: checking it at create, merging it with the image's, and the pure rules of
 * moby's daemon/health.go (timings, how a probe result moves the status). The monitor that runs probes is
 * in health-monitor.ts.
 */

/** `Config.Healthcheck` as the API carries it; durations in nanoseconds, 0 meaning "inherit / default". */
export type HealthConfig = {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
};

const NS_PER_MS = 1_000_000;
/** moby's containertypes.MinimumDuration (1ms), in nanoseconds. */
const MINIMUM_DURATION_NS = NS_PER_MS;
const DURATION_FIELDS = ['Interval', 'Timeout', 'StartPeriod', 'StartInterval'] as const;

export const HEALTH_DEFAULTS = {
  intervalMs: 30_000,
  timeoutMs: 30_000,
  startPeriodMs: 0,
  startIntervalMs: 5_000,
  retries: 3,
  /** Longest probe output kept, in bytes; longer output is cut and ends in `...`. */
  maxOutputBytes: 4096,
  /** Results kept in `State.Health.Log`. */
  maxLogEntries: 5,
} as const;

/** Create-time checks with dockerd's messages (daemon/container.go validateHealthCheck). */
export function validateHealthcheck(raw: unknown): void {
  if (raw === undefined || raw === null) return;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidArgumentError('invalid Healthcheck: expected an object');
  const hc = raw as Record<string, unknown>;
  if (hc.Test !== undefined && hc.Test !== null && (!Array.isArray(hc.Test) || hc.Test.some((t) => typeof t !== 'string'))) {
    throw new InvalidArgumentError('invalid Healthcheck.Test: expected a list of strings');
  }
  for (const field of [...DURATION_FIELDS, 'Retries'] as const) {
    const v = hc[field];
    if (v !== undefined && v !== null && !Number.isInteger(v)) throw new InvalidArgumentError(`invalid Healthcheck.${field}: expected an integer`);
  }
  const below = (field: (typeof DURATION_FIELDS)[number]) => {
    const v = (hc[field] as number | undefined) ?? 0;
    return v !== 0 && v < MINIMUM_DURATION_NS;
  };
  // dockerd's order: Interval, Timeout, Retries, StartPeriod, StartInterval.
  if (below('Interval')) throw new InvalidArgumentError('Interval in Healthcheck cannot be less than 1ms');
  if (below('Timeout')) throw new InvalidArgumentError('Timeout in Healthcheck cannot be less than 1ms');
  if (((hc.Retries as number | undefined) ?? 0) < 0) throw new InvalidArgumentError('Retries in Healthcheck cannot be negative');
  if (below('StartPeriod')) throw new InvalidArgumentError('StartPeriod in Healthcheck cannot be less than 1ms');
  if (below('StartInterval')) throw new InvalidArgumentError('StartInterval in Healthcheck cannot be less than 1ms');
}

/**
 * The container's health check from its own and its image's, as dockerd's merge (daemon/commit.go): the
 * container's wins field by field, and an empty Test or a zero duration/retries inherits the image's.
 */
export function mergeHealthcheck(own: HealthConfig | null | undefined, image: HealthConfig | null | undefined): HealthConfig | undefined {
  if (!own) return image ? withoutEmptyFields(image) : undefined;
  const merged: HealthConfig = { ...own };
  if (image) {
    if (!own.Test || own.Test.length === 0) merged.Test = image.Test;
    for (const field of [...DURATION_FIELDS, 'Retries'] as const) {
      if (!own[field]) merged[field] = image[field];
    }
  }
  return withoutEmptyFields(merged);
}

/** Zero durations and retries and an empty Test are left out, as Docker's `omitempty` JSON does. */
function withoutEmptyFields(hc: HealthConfig): HealthConfig {
  const out: HealthConfig = {};
  if (hc.Test && hc.Test.length > 0) out.Test = hc.Test;
  for (const field of [...DURATION_FIELDS, 'Retries'] as const) {
    if (hc[field]) out[field] = hc[field];
  }
  return out;
}

/** The probe's argv, or undefined when there is nothing to run (none configured, `NONE`, an unknown type). */
export function probeArgv(hc: HealthConfig | null | undefined): string[] | undefined {
  const test = hc?.Test;
  if (!test || test.length < 2) return undefined;
  if (test[0] === 'CMD') return test.slice(1);
  if (test[0] === 'CMD-SHELL') return ['/bin/sh', '-c', ...test.slice(1)];
  return undefined;
}

export interface HealthTimings {
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
}

export function healthTimings(hc: HealthConfig): HealthTimings {
  const ms = (ns: number | undefined, fallback: number) => (ns ? ns / NS_PER_MS : fallback);
  return {
    intervalMs: ms(hc.Interval, HEALTH_DEFAULTS.intervalMs),
    timeoutMs: ms(hc.Timeout, HEALTH_DEFAULTS.timeoutMs),
    startPeriodMs: ms(hc.StartPeriod, HEALTH_DEFAULTS.startPeriodMs),
    startIntervalMs: ms(hc.StartInterval, HEALTH_DEFAULTS.startIntervalMs),
    retries: hc.Retries && hc.Retries > 0 ? hc.Retries : HEALTH_DEFAULTS.retries,
  };
}

/** Health as a (re)start leaves it: starting again with no failures; earlier results stay in the log. */
export function healthAtStart(previous: HealthState | undefined): HealthState {
  return { Status: 'starting', FailingStreak: 0, Log: previous?.Log ?? [] };
}

/**
 * The wait before the next probe, from the end of the last one (moby's monitor getInterval): inside the
 * start period, the start interval while still starting; otherwise the interval, but not past the end of
 * the start period.
 */
export function nextProbeDelay(t: HealthTimings, sinceStartMs: number, status: HealthState['Status']): number {
  if (sinceStartMs >= t.startPeriodMs) return t.intervalMs;
  if (status === 'starting') return t.startIntervalMs;
  return Math.min(t.startPeriodMs - sinceStartMs, t.intervalMs);
}

/**
 * moby's handleProbeResult: a success makes the container healthy and clears the streak; a failure adds to
 * the streak (unless it started inside the start period while still starting) and `retries` of them in a
 * row make it unhealthy.
 */
export function applyProbeResult(h: HealthState, result: HealthLogEntry, t: HealthTimings, startedAtMs: number): HealthState {
  const Log = [...h.Log, result].slice(-HEALTH_DEFAULTS.maxLogEntries);
  if (result.ExitCode === 0) return { Status: 'healthy', FailingStreak: 0, Log };
  if (h.Status === 'starting' && Date.parse(result.Start) - startedAtMs < t.startPeriodMs) return { ...h, Log };
  const FailingStreak = h.FailingStreak + 1;
  return { Status: FailingStreak >= t.retries ? 'unhealthy' : h.Status, FailingStreak, Log };
}

/** A duration as Go's time.Duration prints it (`30s`, `200ms`, `1.5s`, `1m30s`), for dockerd's messages. */
export function goDuration(ms: number): string {
  const ns = Math.round(ms * NS_PER_MS);
  if (ns === 0) return '0s';
  const trim = (v: number, digits: number) => v.toFixed(digits).replace(/\.?0+$/, '');
  if (ns < 1_000) return `${ns}ns`;
  if (ns < NS_PER_MS) return `${trim(ns / 1_000, 3)}µs`;
  if (ns < 1_000 * NS_PER_MS) return `${trim(ns / NS_PER_MS, 6)}ms`;
  const totalSeconds = ns / 1e9;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = `${trim(totalSeconds % 60, 9)}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

/** Keeps the first `limit` bytes of a probe's combined output, as moby's limitedBuffer. */
export class ProbeOutput {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private truncated = false;

  constructor(private readonly limit = HEALTH_DEFAULTS.maxOutputBytes) {}

  write(chunk: Buffer): void {
    const keep = Math.min(this.limit - this.size, chunk.length);
    if (keep > 0) {
      this.chunks.push(chunk.subarray(0, keep));
      this.size += keep;
    }
    if (keep < chunk.length) this.truncated = true;
  }

  toString(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return this.truncated ? `${text}...` : text;
  }
}
export { parseGoDuration } from '@sockerless/sdk/images';
