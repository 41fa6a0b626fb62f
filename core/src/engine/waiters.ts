export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/** Docker's wait body; `Error` is present only when the run failed (the spec does not allow null). */
export interface WaitResult {
  StatusCode: number;
  Error?: { Message: string };
}

interface Waiter {
  condition: WaitCondition;
  resolve(result: WaitResult): void;
}

/** The `POST /containers/{id}/wait` calls pending per container, answered when their condition comes. */
export class Waiters {
  private readonly byId = new Map<string, Set<Waiter>>();

  /** A waiter for `condition`; `signal` drops it when the client goes away (`docker run -d` abandons its wait). */
  add(id: string, condition: WaitCondition, signal?: AbortSignal): Promise<WaitResult> {
    return new Promise((resolve) => {
      const waiter: Waiter = { condition, resolve };
      let set = this.byId.get(id);
      if (!set) this.byId.set(id, (set = new Set()));
      set.add(waiter);
      signal?.addEventListener('abort', () => set!.delete(waiter), { once: true });
    });
  }

  /** Answers the waiters of `id` whose condition is among `conditions`. */
  answer(id: string, conditions: WaitCondition[], code: number, error?: string): void {
    const set = this.byId.get(id);
    if (!set) return;
    for (const w of [...set]) {
      if (!conditions.includes(w.condition)) continue;
      set.delete(w);
      w.resolve(error ? { StatusCode: code, Error: { Message: error } } : { StatusCode: code });
    }
    if (set.size === 0) this.byId.delete(id);
  }
}
