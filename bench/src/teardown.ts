/**
 * Teardown steps, run last-registered first (daemons before the dir they live in), exactly once, whether
 * the run finishes, throws, or is interrupted.
 */
export class Teardown {
  private steps: Array<() => Promise<void> | void> = [];
  private running: Promise<void> | undefined;
  add(step: () => Promise<void> | void): void { this.steps.push(step); }
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try { await step(); } catch (err) { console.error(`bench: teardown step failed: ${(err as Error).message}`); }
      }
    })();
    return this.running;
  }
}
