import { spawn } from 'node:child_process';
import type { WorkloadEndpoint } from '@sockerless/sdk';
import { IpHelper } from './ip-helper';

/** Runs a host tool with `input` on its stdin; rejects with its stderr (or the exit status) in the message. */
export function runWithInput(file: string, args: string[], input: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { err += c; });
    child.stdin.on('error', () => undefined); // a tool that exits early closes its stdin: the exit code tells
    child.on('error', (e) => reject(new Error(`${file}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${file} ${args.join(' ')}: ${err.trim() || `exit ${code ?? signal}`}`));
    });
    child.stdin.end(input);
  });
}

/**
 * iproute2's `ip`, fed whole batches on stdin: one process for a container's whole setup on the host side,
 * one inside its namespace, one for its teardown. `ip -batch` accepts no per-line `-n NS` (iproute2 6.1:
 * `Object "-n" is unknown`), so what happens inside a namespace is a batch of its own under `ip -n NS`.
 */
export class IpTool {
  private helper?: IpHelper;
  private closed = false;

  /** With a static busybox, batches run through a long-lived helper shell (made at first use) rather than a spawn each. */
  constructor(private readonly ip: string, private readonly busybox?: string) {}

  /** Runs the lines in order; without `force` the first failing line stops the batch and rejects. */
  async batch(lines: string[], o: { netns?: string; force?: boolean } = {}): Promise<void> {
    if (lines.length === 0) return;
    const args = [...(o.netns ? ['-n', o.netns] : []), ...(o.force ? ['-force'] : []), '-batch', '-'];
    if (this.busybox && !this.helper && !this.closed) this.helper = new IpHelper(this.busybox, this.ip);
    const answer = await this.helper?.batch(lines, o);
    if (answer?.ok) return;
    if (answer) throw new Error(`${this.ip} ${args.join(' ')}: ${answer.error || 'failed'}`);
    await runWithInput(this.ip, args, lines.join('\n') + '\n');
  }

  close(): void {
    this.closed = true;
    this.helper?.close();
  }
}

/**
 * A network's bridge on the host. Its address is the network's gateway, so the host (and the port proxies)
 * reach the containers through it; an internal network's bridge has none: nothing routes in or out.
 */
export function bridgeLines(bridge: string, ep: WorkloadEndpoint): string[] {
  const lines = [`link add name ${bridge} type bridge`];
  if (!ep.internal && ep.gateway) lines.push(`addr add ${ep.gateway}/${subnetPrefix(ep)} dev ${bridge}`);
  lines.push(`link set dev ${bridge} up`);
  return lines;
}

/** The subnet's own prefix length (the bridge's), falling back to the endpoint's. */
function subnetPrefix(ep: WorkloadEndpoint): number {
  const n = Number(ep.subnet.split('/')[1]);
  return Number.isInteger(n) && n > 0 ? n : ep.prefixLen;
}

export interface VethPlan {
  /** The host end, a port of the bridge. */
  hostName: string;
  bridge: string;
  /** The container end's name inside the namespace: eth0, eth1, ... */
  ifname: string;
  endpoint: WorkloadEndpoint;
}

/**
 * Host side of one endpoint: the pair is made with its container end directly in the namespace (already
 * named and with its MAC), and its host end enslaved to the bridge and up in the same request. The
 * container end cannot be brought up from here (the kernel answers ENOTCONN), see insideLines.
 */
export function vethHostLines(netns: string, v: VethPlan): string[] {
  const mac = v.endpoint.mac ? ` address ${v.endpoint.mac}` : '';
  return [`link add name ${v.hostName} master ${v.bridge} up type veth peer name ${v.ifname}${mac} netns ${netns}`];
}

/** Inside the namespace: the address, the link up and, for the primary endpoint, the default route. */
export function vethInsideLines(v: VethPlan, primary: boolean): string[] {
  const lines = [`addr add ${v.endpoint.ip}/${v.endpoint.prefixLen} dev ${v.ifname}`, `link set dev ${v.ifname} up`];
  if (primary && !v.endpoint.internal && v.endpoint.gateway) lines.push(`route add default via ${v.endpoint.gateway} dev ${v.ifname}`);
  return lines;
}
