import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { coreLogDriverExtensionPoint, coreServices, definePlugin, type LogDriver } from '@sockerless/sdk';
import { JsonLinesLog } from './json-lines-log';
import { assertLogsReadable, logConfigView, validateLogConfig } from './log-config';

export { JsonLinesLog } from './json-lines-log';

/**
 * dockerd's json-file driver: each container's output in `$SOCKERLESS_HOME/containers/<id>/container.log`,
 * whatever `LogConfig.Type` says (log-config.ts says why). The default of `core.logDriver`.
 */
export class LocalLogDriver implements LogDriver {
  constructor(private readonly home: string) {}

  validateConfig = validateLogConfig;
  configView = logConfigView;
  assertReadable = assertLogsReadable;

  logPath(containerId: string): string {
    return join(this.home, 'containers', containerId, 'container.log');
  }

  open(containerId: string): JsonLinesLog {
    return new JsonLinesLog(this.logPath(containerId));
  }

  /** The dirs under `<home>/containers` named by a container id that has no record. */
  async removeUnrecorded(isRecorded: (containerId: string) => boolean): Promise<string[]> {
    const dir = join(this.home, 'containers');
    const ids = await fs.readdir(dir).catch(() => [] as string[]);
    const stale = ids.filter((id) => /^[0-9a-f]{64}$/.test(id) && !isRecorded(id));
    await Promise.all(stale.map((id) => fs.rm(join(dir, id), { recursive: true, force: true }).catch(() => undefined)));
    return stale;
  }
}

export default definePlugin({
  id: 'logs-local',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { logDriver: coreLogDriverExtensionPoint, paths: coreServices.paths },
      async init({ logDriver, paths }) {
        logDriver.setLogDriver(new LocalLogDriver(paths.home));
      },
    });
  },
});
