import { defineConfig } from '@sockerless/sdk';

/**
 * The embedded default: containers run in a local bubblewrap sandbox, state lives in SQLite under
 * SOCKERLESS_HOME, and the API listens on unix://$SOCKERLESS_HOME/docker.sock. Copy this file and pass it with `sockerless daemon --config FILE` to change it.
 */
export default defineConfig({
  plugins: ['store-sqlite', 'image-store', 'backend-local'],
  backends: { local: { driver: 'local' } },
  defaultBackend: 'local',
});
