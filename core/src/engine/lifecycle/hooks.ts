import type { LifecycleContext, LifecycleHook, Logger } from '@sockerless/sdk';
import type { ContainerEngine } from '../container-engine';
import type { ContainerRecord } from '../container-record';
import type { RunController } from '../container-runs';
import { transition } from './container-state';

/** Every registered hook as one: what the engine and the run controller call. */
export type LifecycleHooks = Required<LifecycleHook>;

/** The lifecycle hooks plugins register (`health`, `restart-policy` by default), called in registration order. */
export function combinedHooks(hooks: LifecycleHook[]): LifecycleHooks {
  const each = (call: (h: LifecycleHook) => unknown) => { for (const h of hooks) call(h); };
  const inTurn = async (call: (h: LifecycleHook) => Promise<unknown> | undefined) => { for (const h of hooks) await call(h); };
  return {
    validateCreate: (body) => each((h) => h.validateCreate?.(body)),
    mergeImageConfig: (config, image) => each((h) => h.mergeImageConfig?.(config, image)),
    createHostConfig: (hostConfig) => each((h) => h.createHostConfig?.(hostConfig)),
    workloadSettings: (c) => Object.assign({}, ...hooks.map((h) => h.workloadSettings?.(c))),
    validateUpdate: (update) => each((h) => h.validateUpdate?.(update)),
    mergeUpdate: (c, update, merged) => each((h) => h.mergeUpdate?.(c, update, merged)),
    starting: (c, manual) => each((h) => h.starting?.(c, manual)),
    started: (c, reattached) => each((h) => h.started?.(c, reattached)),
    paused: (c, paused) => each((h) => h.paused?.(c, paused)),
    // Every hook hears of the exit; the first restart asked for is the one that happens.
    exited: (c, exitCode) => hooks.map((h) => h.exited?.(c, exitCode)).find((restart) => restart !== undefined),
    restartPending: (id, orInFlight) => hooks.some((h) => h.restartPending?.(id, orInFlight)),
    restartSettled: (id) => inTurn((h) => h.restartSettled?.(id)),
    dropRestart: async (c) => {
      let dropped = false;
      for (const h of hooks) dropped = (await h.dropRestart?.(c)) || dropped;
      return dropped;
    },
    signalled: (c, signal, forGood) => inTurn((h) => h.signalled?.(c, signal, forGood)),
    removed: (id) => each((h) => h.removed?.(id)),
    boot: async () => { await Promise.all(hooks.map((h) => h.boot?.())); },
    shutdown: () => each((h) => h.shutdown?.()),
  };
}

/** The hold on containers and runs the core gives each hook (the SDK's LifecycleContext). */
export function lifecycleContext(engine: ContainerEngine, runs: RunController, logger: Logger): LifecycleContext {
  return {
    logger,
    container: (id) => engine.containers.get(id),
    containers: () => engine.all(),
    find: (ref) => engine.find(ref),
    isRunning: (id) => runs.isRunning(id),
    save: (c) => engine.save(c as ContainerRecord),
    emit: (c, action, extra) => engine.emit(c as ContainerRecord, action, extra),
    start: (id, policyRestart) => runs.start(id, policyRestart),
    restartDropped: (c) => { c.state = transition.restartDropped(c.state); },
    canExec: (c) => engine.backendOf(c as ContainerRecord).powers.exec !== undefined,
    exec: (c, argv) => engine.backendOf(c as ContainerRecord).need('exec', 'health check').exec(c.id, {
      argv, env: c.config.Env, workingDir: c.config.WorkingDir, user: c.config.User, tty: false, attachStdin: false, privileged: false,
    }),
  };
}
