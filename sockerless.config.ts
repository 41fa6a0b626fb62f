import { defineConfig } from '@sockerless/sdk';

/**
 * The embedded default: containers run in a local bubblewrap sandbox, state lives in SQLite under
 * SOCKERLESS_HOME, and the API listens on unix://$SOCKERLESS_HOME/docker.sock. Copy this file and pass it with `sockerless daemon --config FILE` to change it.
 * `volumes` (Docker's volume service), `volumes-local` (its `local` driver), `health`, `restart-policy`,
 * `confinement`, `malloc-tune`, `image-store`, `builder`, `networks` and `logs-local` are added to a config that does not list them.
 * The commands and presets the `sockerless` CLI offers beside its own come from the plugins listed in
 * sockerless.cli.json.
 */
export default defineConfig({
  plugins: ['store-sqlite', 'image-store', 'builder', 'networks', 'backend-local', 'volumes', 'volumes-local', 'health', 'restart-policy', 'malloc-tune', 'logs-local'],
  backends: { local: { driver: 'local' } },
  defaultBackend: 'local',
});
