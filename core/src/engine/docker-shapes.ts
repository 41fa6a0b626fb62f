import type { BoundPort, LogConfigView } from '@sockerless/sdk';
import type { ContainerRecord, EndpointSettings } from './container-record';

/** Drops null fields: dockerd sends `null` for unset lists, the v1.56 spec types them as arrays; clients take either. */
function withoutNulls<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null && v !== undefined)) as T;
}

function endpoints(networks: Record<string, EndpointSettings>): Record<string, EndpointSettings> {
  return Object.fromEntries(Object.entries(networks).map(([name, ep]) => [name, withoutNulls(ep)]));
}

/** `Up 5 minutes (healthy)`, `Exited (3) 2 seconds ago`, `Created`: the Status column of `docker ps`. */
export function humanStatus(c: ContainerRecord, now = Date.now()): string {
  const s = c.state;
  // docker's State.String(): a paused container shows no health.
  if (s.Status === 'paused') return `Up ${humanDuration(now - Date.parse(s.StartedAt))} (Paused)`;
  if (s.Status === 'running') return `Up ${humanDuration(now - Date.parse(s.StartedAt))}${healthSuffix(s.Health)}`;
  if (s.Status === 'created') return 'Created';
  if (s.Status === 'removing') return 'Removal In Progress';
  if (s.Status === 'restarting') return `Restarting (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
  if (s.Status === 'dead') return 'Dead';
  return `Exited (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
}

/** Docker's Health.String() in the Status column: ` (healthy)`, ` (unhealthy)`, ` (health: starting)`. */
function healthSuffix(health: ContainerRecord['state']['Health']): string {
  if (!health) return '';
  return health.Status === 'starting' ? ' (health: starting)' : ` (${health.Status})`;
}

/** Go's units.HumanDuration: seconds and minutes truncate (as the CLI's `CREATED ... ago`, so `Up` is never longer), hours round. */
function humanDuration(ms: number): string {
  const sec = Math.max(0, Math.floor(ms / 1000));
  if (sec < 1) return 'Less than a second';
  if (sec === 1) return '1 second';
  if (sec < 60) return `${sec} seconds`;
  const min = Math.floor(sec / 60);
  if (min === 1) return 'About a minute';
  if (min < 60) return `${min} minutes`;
  const h = Math.floor(sec / 3600 + 0.5);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(sec / 3600 / 24 / 365)} years`;
}

function networkSettings(c: ContainerRecord) {
  const bridge = c.networks.bridge;
  return {
    Bridge: '', SandboxID: '', SandboxKey: '', HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0,
    // Docker fills Ports while the container runs (its endpoints exist); otherwise the map is empty.
    Ports: c.state.Running ? portMap(c.config.ExposedPorts, c.ports ?? []) : {},
    SecondaryIPAddresses: null, SecondaryIPv6Addresses: null,
    EndpointID: bridge?.EndpointID ?? '', Gateway: bridge?.Gateway ?? '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
    IPAddress: bridge?.IPAddress ?? '', IPPrefixLen: bridge?.IPPrefixLen ?? 0, IPv6Gateway: '', MacAddress: bridge?.MacAddress ?? '',
    Networks: endpoints(c.networks),
  };
}

function hostConfigView(c: ContainerRecord, logConfig: LogConfigView) {
  const view: Record<string, unknown> = withoutNulls({
    NetworkMode: 'default',
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: false,
    PortBindings: {},
    // dockerd's zero resources (PidsLimit is null there until set, so left out).
    Memory: 0, MemorySwap: 0, MemoryReservation: 0, NanoCpus: 0, CpuShares: 0, CpuPeriod: 0, CpuQuota: 0,
    CpusetCpus: '', CpusetMems: '', BlkioWeight: 0, OomKillDisable: false,
    ...c.hostConfig,
  });
  // Clients send '' for "unset"; dockerd shows its default driver then.
  view.LogConfig = logConfig;
  if (view.CgroupnsMode === '') delete view.CgroupnsMode;
  // -1 is the CLI's "unset"; the spec's range is 0-100.
  if (typeof view.MemorySwappiness === 'number' && view.MemorySwappiness < 0) delete view.MemorySwappiness;
  if (view.Isolation === '') view.Isolation = 'default';
  // dockerd names the runtime that runs it (its default, `runc`, when none was asked for); ours is in /info.
  if (!view.Runtime) view.Runtime = 'sockerless';
  // Docker always shows both fields of the policy; clients often send only the name.
  view.RestartPolicy = { Name: 'no', MaximumRetryCount: 0, ...(view.RestartPolicy as object) };
  return view;
}

/** `GET /containers/{id}/json`, shaped as Docker's ContainerInspectResponse. */
export function inspectContainer(c: ContainerRecord, log: { path: string; config: LogConfigView }) {
  return {
    Id: c.id,
    Created: c.created,
    Path: c.path,
    Args: c.args,
    // Health is there once a container with a health check has started, as in Docker.
    State: { ...c.state },
    Image: c.imageId,
    ResolvConfPath: '', HostnamePath: '', HostsPath: '',
    LogPath: log.path,
    Name: c.name,
    RestartCount: c.restartCount,
    Driver: 'sockerless',
    Platform: 'linux',
    MountLabel: '', ProcessLabel: '', AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: hostConfigView(c, log.config),
    GraphDriver: { Name: 'overlay2', Data: {} },
    Mounts: c.mounts,
    Config: withoutNulls(c.config),
    NetworkSettings: networkSettings(c),
    // Not Docker's: where the container runs (`docker inspect -f '{{.Sockerless.Backend}}'`). Clients ignore it.
    Sockerless: { Backend: c.backend, Pool: c.pool },
  };
}

/** One entry of `GET /containers/json` (ContainerSummary); `sizes`: dockerd's SizeRw and SizeRootFs, when asked for. */
export function summarizeContainer(c: ContainerRecord, sizes?: { rw: number; rootFs: number }) {
  return {
    Id: c.id,
    Names: [c.name],
    Image: c.image,
    ImageID: c.imageId,
    Command: [c.path, ...c.args].map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' '),
    Created: Math.floor(Date.parse(c.created) / 1000),
    Ports: c.state.Running ? portSummary(c.config.ExposedPorts, c.ports ?? []) : [],
    Labels: c.config.Labels,
    State: c.state.Status,
    Status: humanStatus(c),
    // API 1.52's summary of health: `none` for a container that never ran a health check.
    Health: { Status: c.state.Health?.Status ?? 'none', FailingStreak: c.state.Health?.FailingStreak ?? 0 },
    HostConfig: { NetworkMode: String(c.hostConfig.NetworkMode || 'default') },
    NetworkSettings: { Networks: endpoints(c.networks) },
    Mounts: c.mounts,
    ...(sizes ? { SizeRw: sizes.rw, SizeRootFs: sizes.rootFs } : {}),
  };
}

/** `NetworkSettings.Ports` of a running container: exposed ports without a binding show null. */
function portMap(exposed: Record<string, object> | undefined, bound: BoundPort[]): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const key of Object.keys(exposed ?? {})) out[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const b of bound) {
    const key = `${b.containerPort}/${b.protocol}`;
    (out[key] ??= []).push({ HostIp: b.hostIp, HostPort: String(b.hostPort) });
  }
  return out;
}

/** The `Ports` of a `docker ps` entry. */
function portSummary(exposed: Record<string, object> | undefined, bound: BoundPort[]): { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] {
  const out: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] = [];
  const published = new Set(bound.map((b) => `${b.containerPort}/${b.protocol}`));
  for (const b of bound) out.push({ IP: b.hostIp, PrivatePort: b.containerPort, PublicPort: b.hostPort, Type: b.protocol });
  for (const key of Object.keys(exposed ?? {})) {
    const [p, proto = 'tcp'] = key.split('/');
    if (!published.has(`${p}/${proto}`) && /^\d+$/.test(p)) out.push({ PrivatePort: Number(p), Type: proto });
  }
  return out;
}
