import type { ApiServerDeps } from './docker-api/server';

/**
 * What a client may ask while the daemon still reconciles its store with the backends (recovery.ts) and the
 * plugins' ready hooks run: the liveness probe, the version, and the list of containers, all answered from
 * the store, which is loaded by then. A container listed as running may turn out to have exited once its
 * backend is asked, as with dockerd, whose `ps` right after a restart also shows the last state it knew.
 * Anything that acts on a container, or on what recovery may change, waits.
 */
const ANSWERED_DURING_RECOVERY: ReadonlyArray<{ method: string; path: RegExp }> = [
  { method: 'GET', path: /^\/_ping\/?$/ },
  { method: 'HEAD', path: /^\/_ping\/?$/ },
  { method: 'GET', path: /^\/version\/?$/ },
  { method: 'GET', path: /^\/containers\/json\/?$/ },
];

/**
 * The same deps, with requests outside ANSWERED_DURING_RECOVERY held until `booted` (recovery, then the
 * plugins' ready hooks) settles. Should it fail, the held requests answer with its error while the daemon
 * shuts down, rather than acting on a half-recovered state.
 */
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
