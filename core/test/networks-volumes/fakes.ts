import { LocalVolumeDriver } from '../../../plugins/volumes-local/src/local-driver';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import { NotFoundError, type RecordKind, type StateStore, type StoredEvent, type StoredRecord } from '@sockerless/sdk';
import type { ContainerRecord, EndpointSettings, MountPoint } from '../../src/engine/container-record';
import type { ContainerNetworkAccess } from '../../../plugins/networks/src/networks';
import { dockerErrors } from '../../src/docker-api/server';

/** Shared fakes for this folder's tests: an in-memory store, a container table, and a tiny API app. */
import { MemoryStateStore as MemoryStore, RecordingEventsBus as RecordingBus, silentLogger } from '@sockerless/sdk/testing';
export { MemoryStore, RecordingBus, silentLogger };

export function makeContainer(name: string, opts: Partial<ContainerRecord> & { running?: boolean } = {}): ContainerRecord {
  const id = opts.id ?? randomBytes(32).toString('hex');
  const running = opts.running ?? false;
  return {
    id, name: `/${name}`, created: new Date().toISOString(), image: 'busybox', imageId: 'sha256:' + '1'.repeat(64),
    path: 'sh', args: [], config: {} as ContainerRecord['config'], hostConfig: { NetworkMode: 'default' },
    mounts: [] as MountPoint[], networks: {} as Record<string, EndpointSettings>,
    state: { Status: running ? 'running' : 'created', Running: running, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: '', StartedAt: '', FinishedAt: '' },
    restartCount: 0, backend: 'local', pool: 'default', ...opts,
  };
}

export class FakeContainers implements ContainerNetworkAccess {
  readonly byId = new Map<string, ContainerRecord>();
  add(c: ContainerRecord) { this.byId.set(c.id, c); return c; }
  all() { return [...this.byId.values()]; }
  find(ref: string) {
    const all = this.all();
    const hit = all.find((c) => c.id === ref) ?? all.find((c) => c.name === ref || c.name === `/${ref}`);
    if (hit) return hit;
    const prefix = ref ? all.filter((c) => c.id.startsWith(ref)) : [];
    if (prefix.length === 1) return prefix[0];
    throw new NotFoundError(`No such container: ${ref}`);
  }
  async saveNetworks(id: string, networks: Record<string, EndpointSettings>) {
    const c = this.byId.get(id)!;
    this.byId.set(id, { ...c, networks });
  }
}

/** A koa app with the core's error mapping and the given routes, on an ephemeral 127.0.0.1 port. */
export async function startApp(register: (r: Router) => void): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const app = new Koa();
  app.silent = true;
  app.use(dockerErrors(silentLogger));
  const router = new Router();
  register(router);
  app.use(router.routes());
  const server = createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, server,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** The drivers a daemon with the default config has: the `local` one, keeping volumes under `home`. */
export function localVolumeDrivers(home: string): Map<string, LocalVolumeDriver> {
  return new Map([['local', new LocalVolumeDriver(home)]]);
}
