import type { ApiServerDeps } from './docker-api/server';

/**
 * What is answered during recovery and the ready hooks, from the loaded store: ping, version, `ps` (which, as
 * dockerd's right after a restart, shows the last state known). Anything that acts, or reads what recovery changes, waits.
 */
const ANSWERED_DURING_RECOVERY: ReadonlyArray<{ method: string; path: RegExp }> = [
  { method: 'GET', path: /^\/_ping\/?$/ },
  { method: 'HEAD', path: /^\/_ping\/?$/ },
  { method: 'GET', path: /^\/version\/?$/ },
  { method: 'GET', path: /^\/containers\/json\/?$/ },
];

/** The deps, with other requests held until `booted` settles; if it fails they answer its error, never act half-recovered. */
export function gatedUntilBooted(booted: Promise<void>, deps: ApiServerDeps): ApiServerDeps {
  let done = false;
  const settled = booted.then(() => { done = true; });
  // The daemon awaits `booted` itself and reports its failure; this copy must not count as unhandled.
  settled.catch(() => undefined);
  const mustWait = (method: string, path: string) => !done && !ANSWERED_DURING_RECOVERY.some((r) => r.method === method && r.path.test(path));
  return {
    ...deps,
    admitRequest: async (method, path, bearerToken) => {
      if (mustWait(method, path)) await settled;
      return deps.admitRequest(method, path, bearerToken);
    },
  };
}
