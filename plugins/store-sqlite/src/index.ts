import { isAbsolute, join, resolve } from 'node:path';
import { coreServices, coreStoreExtensionPoint, definePlugin, z } from '@sockerless/sdk';
import { SqliteStateStore } from './sqlite-store';

export { SqliteStateStore, MAX_EVENTS, TRIM_EVERY } from './sqlite-store';
export type { StoreLog } from './torn-state';

/** Where the database lives: `path` (relative to the config file's dir), else `SOCKERLESS_HOME/state.db`. */
export function resolveDbPath(option: string | undefined, paths: { home: string; configDir: string }): string {
  if (!option) return join(paths.home, 'state.db');
  // ':memory:' is SQLite's name for a throwaway database: handy for tests, never resolved as a file.
  if (option === ':memory:' || isAbsolute(option)) return option;
  return resolve(paths.configDir, option);
}

/** The embedded default store: one SQLite file in WAL mode with synchronous=FULL. */
export default definePlugin({
  id: 'store-sqlite',
  sdk: '^1.0.0',
  options: z.object({ path: z.string().min(1).optional() }),
  register(reg) {
    reg.registerInit({
      deps: { store: coreStoreExtensionPoint, lifecycle: coreServices.lifecycle, paths: coreServices.paths, logger: coreServices.logger },
      init({ store, lifecycle, paths, logger }, options) {
        const file = resolveDbPath(options.path, paths);
        const db = new SqliteStateStore(file, { log: logger });
        store.setStore(db);
        logger.info('state database open', { file });
        // Hooks run in reverse init order and the store inits early, so it closes after the plugins that write.
        lifecycle.onShutdown(() => db.close());
      },
    });
  },
});
