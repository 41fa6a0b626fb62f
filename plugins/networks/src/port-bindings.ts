import { isIP } from 'node:net';
import { InvalidArgumentError, objectList, splitProtoPort, type PublishedPort } from '@sockerless/sdk';

type Bindings = Record<string, { HostIp?: string; HostPort?: string }[] | null>;

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
      // go-connections' nat.ParsePortSpec wording; `[::1]` is how the CLI writes an IPv6 host.
      if (typeof b.HostIp === 'string' && b.HostIp !== '' && !isIP(b.HostIp.replace(/^\[(.*)\]$/, '$1'))) throw new InvalidArgumentError(`invalid IP address: ${b.HostIp}`);
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
