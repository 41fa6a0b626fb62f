import 'reflect-metadata';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { coreServices, detached, type ListenerTlsConfig, type Logger, type RunningSimulator, type SockerlessConfig } from '@sockerless/sdk';
import { defaultConfigFile, loadConfigFile, validateConfig } from './config/load-config';
import { loadPluginEntry } from './host/plugin-loader';
import { impliedContributors, withImpliedPlugins } from './config/implied-plugins';
import { PluginHost, DEFAULT_INIT_TIMEOUT_MS } from './host/plugin-host';
import { createRootLogger } from './host/services';
import { interceptContributions } from './host/tracing';
import type { HostPaths } from './host/tokens';
import { createBackendInstances, pickDefaultBackend } from './engine/backend-instances';
import { buildCore, type Core } from './core-services';
import { createApiServer } from './docker-api/server';
import { listenOn, parseListenUrl } from './listen';
import { checkListenerSecurity, resolveListenerSecurity } from './listener-security';
import { provideRootServices } from './host/root-services';
import { installProcessGuard, uncaughtCounters } from './host/process-guard';
import { closeInheritedFds } from './host/inherited-fds';
import { makeHomePrivate } from './host/private-home';
import { gatedUntilBooted } from './recovery-gate';
import { BootTimings } from './host/boot-timings';

export interface DaemonOptions {
  /** A config file; the embedded default when neither this nor `config` is given. */
  configFile?: string;
  /** A config object given in code (tests, startTestHost). */
  config?: SockerlessConfig;
  /** Overrides the config's `listen`. */
  listen?: string[];
  /** SOCKERLESS_HOME; defaults to $SOCKERLESS_HOME, then ./.sockerless. */
  home?: string;
  /** Overrides the config's `networks` field by field (the CLI's --bip and --default-address-pool). */
  networks?: SockerlessConfig['networks'];
  /** Overrides the config's `tls` field by field (the CLI's --tls, --tlsverify, --tlscacert, --tlscert, --tlskey, --insecure-tcp). */
  tls?: ListenerTlsConfig;
  logger?: Logger;
  initTimeoutMs?: number;
  /**
   * Installs process-wide `uncaughtException`/`unhandledRejection` handlers that log, count and keep serving.
   * The CLI's daemon sets it; an in-process host (tests) leaves the process's handlers to its test runner.
   */
  processGuard?: boolean;
}

export interface RunningDaemon {
  /** DOCKER_HOST values, one per listener. */
  addresses: string[];
  /** What the tcp:// listeners serve: TLS, and whether they require client certificates. */
  tls: { enabled: boolean; verify: boolean };
  home: string;
  core: Core;
  host: PluginHost;
  /** The simulators this daemon runs (`simulators.<name>.listen`), with their endpoints. */
  simulators: RunningSimulator[];
  close(): Promise<void>;
}

export async function startDaemon(opts: DaemonOptions = {}): Promise<RunningDaemon> {
  // First, before any plugin or backend can spawn a process that would inherit them.
  const closedFds = closeInheritedFds();
  const timings = new BootTimings();
  const loaded = await timings.step('config', async () => opts.config
    ? { config: validateConfig(opts.config, '<inline>'), file: '<inline>', dir: process.cwd() }
    : await loadConfigFile(opts.configFile ?? defaultConfigFile()));
  const home = resolve(opts.home ?? process.env.SOCKERLESS_HOME ?? '.sockerless');
  makeHomePrivate(home);
  const paths: HostPaths = { home, configFile: loaded.file, configDir: loaded.dir };
  const logger = opts.logger ?? createRootLogger();
  if (closedFds.length) logger.info('closed descriptors inherited without close-on-exec, so no workload gets them', { fds: closedFds });
  // Listeners are checked (and their certificates read) before any plugin starts, so a refused one binds nothing.
  const listen = (opts.listen ?? loaded.config.listen ?? [`unix://${home}/docker.sock`]).map((url) => ({ url, target: parseListenUrl(url, loaded.dir) }));
  const tlsConfig = { ...loaded.config.tls, ...opts.tls };
  const security = resolveListenerSecurity(tlsConfig, loaded.dir);
  await checkListenerSecurity(listen, security, tlsConfig.insecureTcp === true, logger);

  const plugins = await timings.step('load plugins', async () => withImpliedPlugins(
    await Promise.all(loaded.config.plugins.map((entry) => loadPluginEntry(entry, loaded.file, loaded.dir))), loaded.file, loaded.dir));
  const host = new PluginHost(paths, logger, opts.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS);
  let core: Core | undefined;
  const requireCore = () => {
    if (!core) throw new Error('this core service is available once the core has booted (use lifecycle.onReady)');
    return core;
  };
  const { events, metrics, tracer, requestCame } = provideRootServices(host, { logger, loaded, requireCore, boot: () => timings.finished() });
  const counters = uncaughtCounters(metrics);
  const uninstallGuard = opts.processGuard ? installProcessGuard(logger, counters) : () => undefined;
  host.register(plugins);
  host.register(await impliedContributors((pointId) => host.dependsOn(pointId), loaded.file, loaded.dir));
  await timings.step('init plugins', async (step) => {
    await host.initAll();
    step.children.push(...host.initTimes.map((t) => ({ name: t.id, ms: t.ms, children: [] })));
  });
  // The tracing plugin (if any) has set its tracer and wrappers: from here on spans are real, or nothing is wrapped.
  tracer.use(host.registries.tracer?.tracer);
  interceptContributions(host.registries);

  const store = host.registries.store?.store;
  if (!store) throw new Error(`config ${loaded.file}: no store plugin configured (add 'store-sqlite' to plugins)`);
  events.attachStore(store);
  // What the core does not own, released after it: backends may still talk to a simulator while they close.
  const releaseHost = async () => {
    await host.shutdown();
  };
  try {
    // Start hooks first: a backend instance's driver may resolve what one started (a simulator's endpoint) when it is created.
    await timings.step('plugins start', (step) => host.start((pluginId, run) => timings.step(pluginId, run, step)));
    const backends = await timings.step('backends', () => createBackendInstances(loaded.config, host.registries, home, logger, tracer));
    const addressing = { ...loaded.config.networks, ...opts.networks };
    core = await timings.step('core', () => buildCore({
      home, store, events, logger, backends, defaultBackend: pickDefaultBackend(loaded.config, backends), registries: host.registries, metrics, addressing,
    }));
  } catch (err) {
    await releaseHost();
    throw err;
  }
  // Again, now that plugins made their files in it (the store's database, the agent's listener file).
  makeHomePrivate(home);
  // Start-up is recovery (DESIGN.md), but the listeners do not wait for it: the store is loaded, so a ping
  // and a list answer at once, while every other request waits until the backends are reconciled and the
  // plugins are ready (recovery-gate.ts).
  const { recover } = core;
  const booted = timings.step('recovery', recover).then(() => timings.step('plugins ready', () => host.ready()));

  // One daemon, one ID: every listener answers `docker info` with the same one.
  const apiDeps = gatedUntilBooted(booted, core.apiDeps(randomUUID()));
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const addresses: string[] = [];
  // Stop taking requests first, then cut the streams that keep connections open (attach, logs -f,
  // events), then let backends and plugins release what they hold.
  const teardown = async () => {
    // CI coordinators first: none may create a runner on an engine that is closing.
    for (const c of [...host.registries.ciCoordinators].reverse()) await c.stop().catch((err: Error) => logger.warn('CI coordinator stop failed', { coordinator: c.name, err: err.message }));
    const closed = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    for (const sock of sockets) sock.destroy();
    await Promise.all(closed);
    // A listener that failed leaves recovery running: the core is closed once it is done with the store.
    await booted.catch(() => undefined);
    await core!.close();
    await releaseHost();
  };
  try {
    for (const { target } of listen) {
      // TLS on tcp:// only: a unix socket is guarded by its file mode, as with dockerd.
      const s = createApiServer(apiDeps, target.kind === 'tcp' ? security.tls : undefined);
      s.on('connection', (sock: Socket) => { sockets.add(sock); sock.once('close', () => sockets.delete(sock)); });
      s.on('upgrade', (_req, sock: Socket) => { sockets.add(sock); requestCame(); });
      s.on('request', requestCame);
      servers.push(s);
      addresses.push(await timings.step(`listen ${target.kind}`, () => listenOn(s, target)));
    }
    await booted;
    timings.finish();
    // CI coordinators once the daemon serves (recovery done, plugins ready): one that fails is logged (contracts/ci.ts).
    for (const c of host.registries.ciCoordinators) await c.start().catch((err: Error) => logger.error('CI coordinator failed to start', { coordinator: c.name, err: err.message }));
  } catch (err) {
    await teardown();
    throw err;
  }
  // As dockerd at startup: containers whose restart policy wants them running start again, now that
  // admission (pools) is ready. Not awaited: a start queued for a pool slot must not hold the listeners.
  detached(logger, { on: 'start after boot' }, core.startAfterBoot());

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= teardown().then(uninstallGuard));
  const simulators = host.service(coreServices.simulators)?.list?.() ?? [];
  return { addresses, tls: { enabled: !!security.tls, verify: security.verify }, home, core, host, simulators, close };
}
