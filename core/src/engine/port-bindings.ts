import { InvalidArgumentError, objectList, type BoundPort, type PublishedPort } from '@sockerless/sdk';

type Bindings = Record<string, { HostIp?: string; HostPort?: string }[] | null>;

/** `80/tcp` or `80` (tcp): moby's nat.SplitProtoPort plus ParsePort, with its error wording. */
export function splitProtoPort(key: string): { port: number; protocol: string } {
  const [portStr, proto = 'tcp'] = key.split('/');
  const port = /^\d+$/.test(portStr) ? Number(portStr) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new InvalidArgumentError(`invalid port specification: "${portStr}"`);
  return { port, protocol: proto.toLowerCase() };
}

/** A HostPort: empty (any), `8080`, or a range `8000-8010`. */
function hostPortOf(raw: string): { hostPort: number; hostPortEnd?: number } {
  if (raw === '') return { hostPort: 0 };
  const m = /^(\d+)(?:-(\d+))?$/.exec(raw);
  const first = m ? Number(m[1]) : NaN;
  const last = m?.[2] !== undefined ? Number(m[2]) : first;
  if (!(first >= 0 && last <= 65535 && first <= last)) throw new InvalidArgumentError(`invalid port specification: "${raw}"`);
  return last === first ? { hostPort: first } : { hostPort: first, hostPortEnd: last };
}

/** Checked at create, as Docker's verifyContainerSettings does, so a bad spec never reaches a start. */
export function validatePortBindings(hostConfig: Record<string, unknown>): void {
  publishedPorts(hostConfig, {});
}

/**
 * What to publish: every `PortBindings` entry, and with `PublishAllPorts` every exposed port not bound
 * explicitly, on a free host port. Only tcp and udp can be forwarded.
 */
export function publishedPorts(hostConfig: Record<string, unknown>, exposed: Record<string, object> | undefined): PublishedPort[] {
  const bindings = (hostConfig.PortBindings ?? {}) as Bindings;
  if (typeof bindings !== 'object' || Array.isArray(bindings)) throw new InvalidArgumentError('invalid HostConfig.PortBindings: expected an object');
  const out: PublishedPort[] = [];
  const bound = new Set<string>();
  for (const [key, list] of Object.entries(bindings)) {
    const { port, protocol } = splitProtoPort(key);
    for (const b of objectList<{ HostIp?: string; HostPort?: string }>(list, `HostConfig.PortBindings[${key}]`)) {
      const range = hostPortOf(String(b.HostPort ?? ''));
      if (protocol !== 'tcp' && protocol !== 'udp') throw new InvalidArgumentError(`invalid port specification: "${key}": only tcp and udp ports can be published`);
      out.push({ containerPort: port, protocol, hostIp: String(b.HostIp ?? ''), ...range });
    }
    bound.add(`${port}/${protocol}`);
  }
  if (hostConfig.PublishAllPorts === true) {
    for (const key of Object.keys(exposed ?? {})) {
      const { port, protocol } = splitProtoPort(key);
      if (bound.has(`${port}/${protocol}`) || (protocol !== 'tcp' && protocol !== 'udp')) continue;
      out.push({ containerPort: port, protocol, hostIp: '', hostPort: 0 });
    }
  }
  return out;
}

/** `NetworkSettings.Ports` of a running container: exposed ports without a binding show null. */
export function portMap(exposed: Record<string, object> | undefined, bound: BoundPort[]): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const key of Object.keys(exposed ?? {})) out[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const b of bound) {
    const key = `${b.containerPort}/${b.protocol}`;
    (out[key] ??= []).push({ HostIp: b.hostIp, HostPort: String(b.hostPort) });
  }
  return out;
}

/** The `Ports` of a `docker ps` entry. */
export function portSummary(exposed: Record<string, object> | undefined, bound: BoundPort[]): { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] {
  const out: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] = [];
  const published = new Set(bound.map((b) => `${b.containerPort}/${b.protocol}`));
  for (const b of bound) out.push({ IP: b.hostIp, PrivatePort: b.containerPort, PublicPort: b.hostPort, Type: b.protocol });
  for (const key of Object.keys(exposed ?? {})) {
    const [p, proto = 'tcp'] = key.split('/');
    if (!published.has(`${p}/${proto}`) && /^\d+$/.test(p)) out.push({ PrivatePort: Number(p), Type: proto });
  }
  return out;
}
