import { cpus, hostname, release, totalmem } from 'node:os';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { computeDiskUsage, diskUsageTypes, type DiskUsageDeps } from '../engine/disk-usage';
import { apiBefore, queryList } from '@sockerless/sdk/api';

export const MIN_API_VERSION = '1.24';
export const MAX_API_VERSION = '1.50';
export const SOCKERLESS_VERSION = '0.1.0';

export interface SystemInfoSource {
  id: string;
  home: string;
  counts(): { containers: number; running: number; paused: number; stopped: number; images: number };
  backends(): { name: string; kind: string }[];
  warnings(): string[];
}

function pingHeaders(ctx: Context): void {
  ctx.type = 'text/plain';
  ctx.set('Api-Version', MAX_API_VERSION);
  ctx.set('Ostype', 'linux');
  ctx.set('Docker-Experimental', 'false');
  ctx.set('Builder-Version', '1');
  ctx.set('Cache-Control', 'no-cache, no-store, must-revalidate');
  ctx.set('Pragma', 'no-cache');
}

export function registerSystemRoutes(router: Router, info: SystemInfoSource): void {
  router.get('/_ping', (ctx) => {
    pingHeaders(ctx);
    ctx.body = 'OK';
  });
  router.head('/_ping', (ctx) => {
    pingHeaders(ctx);
    ctx.status = 200;
    ctx.body = '';
  });

  router.get('/version', (ctx) => {
    const details = { ApiVersion: MAX_API_VERSION, Arch: 'amd64', BuildTime: '', Experimental: 'false', GitCommit: '', GoVersion: process.version, KernelVersion: release(), MinAPIVersion: MIN_API_VERSION, Os: 'linux' };
    // The engine component's details again at the top, where Experimental is a boolean rather than a string.
    ctx.body = {
      Platform: { Name: 'Sockerless' },
      Components: [{ Name: 'Engine', Version: SOCKERLESS_VERSION, Details: details }],
      Version: SOCKERLESS_VERSION,
      ...details,
      Experimental: false,
    };
  });

  router.get('/info', (ctx) => {
    const n = info.counts();
    ctx.body = {
      ID: info.id,
      Containers: n.containers,
      ContainersRunning: n.running,
      ContainersPaused: n.paused,
      ContainersStopped: n.stopped,
      Images: n.images,
      Driver: 'overlay2',
      DriverStatus: [['Backends', info.backends().map((b) => `${b.name} (${b.kind})`).join(', ')]],
      DockerRootDir: info.home,
      Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: [], Log: ['json-file'] },
      MemoryLimit: true, SwapLimit: false, CpuCfsPeriod: false, CpuCfsQuota: false, CPUShares: false, CPUSet: false,
      PidsLimit: false, OomKillDisable: false, IPv4Forwarding: true,
      Debug: false, NFd: 0, NGoroutines: 0, NEventsListener: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: 'json-file', CgroupDriver: 'cgroupfs', CgroupVersion: '1',
      KernelVersion: release(), OperatingSystem: 'Sockerless', OSVersion: '', OSType: 'linux', Architecture: 'x86_64',
      NCPU: cpus().length, MemTotal: totalmem(),
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: { InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: {}, Mirrors: [] },
      HttpProxy: '', HttpsProxy: '', NoProxy: '',
      Name: hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: SOCKERLESS_VERSION,
      Runtimes: { sockerless: { path: 'sockerless' } },
      DefaultRuntime: 'sockerless',
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: false, Isolation: 'default', InitBinary: '', SecurityOptions: [],
      Warnings: info.warnings(),
    };
  });
}

/** `GET /system/df`; `type` (repeatable) narrows what is computed from API 1.42 on, as in dockerd. */
export function registerDiskUsageRoute(router: Router, usage: DiskUsageDeps): void {
  router.get('/system/df', async (ctx) => {
    const typed = !apiBefore(ctx.state.apiVersion as string | undefined, '1.42');
    ctx.body = await computeDiskUsage(usage, typed ? diskUsageTypes(queryList(ctx, 'type').filter(Boolean)) : []);
  });
}
