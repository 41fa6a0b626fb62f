import { z } from 'zod';

/**
 * Fault injection for a cloud simulator, in the spirit of LocalStack's chaos API (`/_localstack/chaos/faults`):
 * rules that make matching requests fail with one of the provider's errors, so a backend's retries and error
 * mapping can be shown against the wire. Matching and counting are here; each simulator renders the error in
 * its provider's shape.
 */
export function faultRulesSchema<const C extends readonly [string, ...string[]]>(errors: C) {
  return z.array(z.strictObject({
    /** The simulator's service (`run`, `logging`, `functions`, `ecs` ...); any when absent. */
    service: z.string().min(1).optional(),
    /** The HTTP method; any when absent. */
    method: z.string().regex(/^[A-Z]+$/, 'an HTTP method in capitals, e.g. POST').optional(),
    /** A regular expression the request's path must match; any path when absent. */
    path: z.string().min(1).refine(isRegExp, 'a regular expression').optional(),
    /** The provider's error code to answer with. */
    error: z.enum(errors),
    /** The error's message; a default naming the rule when absent. */
    message: z.string().min(1).optional(),
    /** Fail one matching request of every `every` (the first, then the every+1st ...): 2 lets each retry through. */
    every: z.number().int().min(1).default(1),
    /** Stop after failing this many requests; no end when absent. */
    times: z.number().int().min(1).optional(),
    /**
     * Serve the request, then answer the error instead of its success: a lost answer (the change is made and
     * the caller does not know). A request the service refuses keeps its own error.
     */
    afterServing: z.boolean().default(false),
  }));
}

export interface FaultRule {
  service?: string;
  method?: string;
  path?: string;
  error: string;
  message?: string;
  /** 1 when absent. */
  every?: number;
  times?: number;
  /** False when absent. */
  afterServing?: boolean;
}

/** A rule with what it has done so far (what `GET` on a simulator's fault endpoint shows). */
export interface FaultRuleStatus extends FaultRule {
  /** Requests that matched the rule. */
  matched: number;
  /** Requests it failed. */
  failed: number;
}

/** The rules in force; a simulator asks `fault(request)` before it serves a request. */
export class FaultInjector {
  private rules: Array<FaultRuleStatus & { pattern?: RegExp }> = [];

  constructor(rules: FaultRule[] = []) {
    this.set(rules);
  }

  /** Replaces every rule (their counts start again). */
  set(rules: FaultRule[]): void {
    this.rules = rules.map((r) => ({ ...r, matched: 0, failed: 0, ...(r.path ? { pattern: new RegExp(r.path) } : {}) }));
  }

  list(): FaultRuleStatus[] {
    return this.rules.map(({ pattern: _pattern, ...r }) => ({ ...r }));
  }

  /**
   * The rule this request fails by (the first whose turn it is), or undefined. Asked before serving a request
   * (`before`), and again once it was served with success (`after`, for the rules that lose answers: only
   * requests served with success match those).
   */
  fault(request: { service: string; method: string; path: string }, phase: 'before' | 'after' = 'before'): FaultRuleStatus | undefined {
    for (const rule of this.rules) {
      if (!!rule.afterServing !== (phase === 'after')) continue;
      if (rule.service && rule.service !== request.service) continue;
      if (rule.method && rule.method !== request.method) continue;
      if (rule.pattern && !rule.pattern.test(request.path)) continue;
      if (rule.times !== undefined && rule.failed >= rule.times) continue;
      const turn = rule.matched++ % (rule.every ?? 1) === 0;
      if (!turn) continue;
      rule.failed++;
      return rule;
    }
    return undefined;
  }
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
