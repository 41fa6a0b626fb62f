import { performance } from 'node:perf_hooks';
import type { BootStep } from '@sockerless/sdk';

/** How long each part of the boot took, as Fastify's avvio keeps it; plugins read it as `coreServices.boot` (`status`). */
export class BootTimings {
  readonly root: BootStep = { name: 'boot', ms: 0, children: [] };
  private readonly started = performance.now();

  /** Runs `fn` as a step (under `parent`, else the boot itself); its time is recorded even when it fails. */
  async step<T>(name: string, fn: (step: BootStep) => Promise<T> | T, parent: BootStep = this.root): Promise<T> {
    const step: BootStep = { name, ms: 0, children: [] };
    parent.children.push(step);
    const t0 = performance.now();
    try {
      return await fn(step);
    } finally {
      step.ms = Math.round(performance.now() - t0);
    }
  }

  /** The tree once the boot has finished (its total set), for `coreServices.boot`. */
  finished(): BootStep | undefined {
    return this.root.ms > 0 ? this.root : undefined;
  }

  /** The boot is over: its total time. */
  finish(): BootStep {
    this.root.ms = Math.round(performance.now() - this.started);
    return this.root;
  }
}
