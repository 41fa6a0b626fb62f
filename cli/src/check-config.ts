import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackendConfigError, createRootLogger, loadConfigFile, loadPluginEntry, PluginHost, provideRootServices, validateBackendInstances, withImpliedPlugins,
} from '@sockerless/core';

/**
 * `sockerless config check`: everything the boot checks before it starts a backend — the config's shape,
 * each plugin's load and options, the plugins' inits (which register the backend drivers), and each backend
 * instance's driver name and options against that driver's schema — like `dockerd --validate`. The inits run
 * against a throwaway home, so a check never touches the daemon's state; nothing listens, no backend is
 * created, and every plugin's shutdown hooks run before it returns. Returns the ids of the plugins.
 */
export async function checkConfigFile(file: string): Promise<{ file: string; pluginIds: string[] }> {
  const loaded = await loadConfigFile(file);
  // With the plugins the boot adds (core/src/config/implied-plugins.ts), such as `simulators`, which a sim-* plugin contributes to.
  const configured = await Promise.all(loaded.config.plugins.map((e) => loadPluginEntry(e, loaded.file, loaded.dir)));
  const plugins = await withImpliedPlugins(configured, loaded.file, loaded.dir);
  const home = mkdtempSync(join(tmpdir(), 'sockerless-config-check-'));
  // Warnings only: a check prints its verdict, not the plugins' boot chatter.
  const logger = createRootLogger(process.env.SOCKERLESS_LOG_LEVEL ?? 'warn');
  const host = new PluginHost({ home, configFile: loaded.file, configDir: loaded.dir }, logger);
  provideRootServices(host, { logger, loaded, requireCore: () => { throw new Error('the core does not boot during a config check'); } });
  try {
    host.register(plugins);
    await host.initAll();
    const backends = await validateBackendInstances(loaded.config, host.registries);
    const wanted = loaded.config.defaultBackend;
    if (wanted && !backends.some((b) => b.name === wanted)) throw new BackendConfigError(`defaultBackend '${wanted}' is not a configured backend`);
  } finally {
    await host.shutdown();
    rmSync(home, { recursive: true, force: true });
  }
  return { file: loaded.file, pluginIds: configured.map((p) => p.plugin.id) };
}
