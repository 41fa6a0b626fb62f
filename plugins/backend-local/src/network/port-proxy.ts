import dgram from 'node:dgram';
import net from 'node:net';
import { guarded, type BoundPort, type Logger, type PublishedPort } from '@sockerless/sdk';

/**
 * Published ports, as Docker's userland proxy (docker-proxy) serves them: a listener on the host per port
 * that relays to the container's primary address. TCP connections are piped both ways with half-close
 * kept (one side's FIN is passed on, the other direction goes on); UDP datagrams are relayed per client
 * address through a socket of their own, so replies find their way back.
 */

/** docker-proxy forgets a UDP client after 90 s of silence. */
const UDP_FLOW_IDLE_MS = 90_000;

export interface ProxyOwner {
  containerId: string;
  containerName: string;
  /** Where a relay callback's failure is logged (a relay runs outside any request and must not throw). */
  logger: Logger;
}

/** Docker's message when a host port cannot be had. */
export function bindError(owner: ProxyOwner, hostIp: string, port: number | string, cause: NodeJS.ErrnoException): Error {
  const where = `driver failed programming external connectivity on endpoint ${owner.containerName} (${owner.containerId})`;
  if (cause.code === 'EADDRINUSE') return new Error(`${where}: Bind for ${hostIp}:${port} failed: port is already allocated`);
  return new Error(`${where}: Error starting userland proxy: listen ${hostIp}:${port}: ${cause.message}`);
}

interface Listener {
  port: number;
  close(): void;
}

function listenTcp(host: string, port: number, targetIp: string, targetPort: number, log: Logger): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, guarded(log, { on: 'tcp port proxy', port }, (client: net.Socket) => {
    const upstream = net.connect({ host: targetIp, port: targetPort, allowHalfOpen: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    const kill = () => { client.destroy(); upstream.destroy(); };
    client.on('error', kill);
    upstream.on('error', kill);
    // pipe() passes each side's end on as the other's FIN; a side that closes with an error takes the other.
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', (hadError) => { if (hadError) upstream.destroy(); });
    upstream.on('close', (hadError) => { if (hadError) client.destroy(); });
  }));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      server.on('error', () => undefined);
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close() {
          server.close();
          for (const s of sockets) s.destroy();
        },
      });
    });
  });
}

function listenUdp(host: string, port: number, targetIp: string, targetPort: number, log: Logger): Promise<Listener> {
  const family = net.isIPv6(host) ? 'udp6' : 'udp4';
  const socket = dgram.createSocket({ type: family });
  const flows = new Map<string, { up: dgram.Socket; timer: NodeJS.Timeout }>();
  const drop = (key: string) => {
    const f = flows.get(key);
    if (!f) return;
    flows.delete(key);
    clearTimeout(f.timer);
    try { f.up.close(); } catch { /* closed */ }
  };
  // send() on a socket closed meanwhile (the container stopping) throws: guarded, as every relay callback.
  const context = { on: 'udp port proxy', port };
  socket.on('message', guarded(log, context, (msg: Buffer, from: dgram.RemoteInfo) => {
    const key = `${from.address}|${from.port}`;
    let flow = flows.get(key);
    if (!flow) {
      const up = dgram.createSocket({ type: net.isIPv6(targetIp) ? 'udp6' : 'udp4' });
      up.on('message', guarded(log, context, (reply: Buffer, src: dgram.RemoteInfo) => {
        if (src.address !== targetIp || src.port !== targetPort) return;
        socket.send(reply, from.port, from.address);
      }));
      up.on('error', () => drop(key));
      flow = { up, timer: setTimeout(() => drop(key), UDP_FLOW_IDLE_MS) };
      flows.set(key, flow);
    }
    flow.timer.refresh();
    flow.up.send(msg, targetPort, targetIp);
  }));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve({
        port: socket.address().port,
        close() {
          for (const key of [...flows.keys()]) drop(key);
          try { socket.close(); } catch { /* closed */ }
        },
      });
    });
  });
}

/** The listeners of one container's published ports. */
export class PortProxies {
  private readonly listeners: Listener[] = [];
  readonly bound: BoundPort[] = [];

  /**
   * Binds every port, or none: on the first that cannot be had the ones bound so far are closed and the
   * error carries Docker's message. A range takes its first free port.
   */
  static async publish(ports: PublishedPort[], targetIp: string, owner: ProxyOwner): Promise<PortProxies> {
    const proxies = new PortProxies();
    try {
      for (const p of ports) await proxies.bindOne(p, targetIp, owner);
    } catch (err) {
      proxies.close();
      throw err;
    }
    return proxies;
  }

  private async bindOne(p: PublishedPort, targetIp: string, owner: ProxyOwner): Promise<void> {
    const host = p.hostIp || '0.0.0.0';
    const first = p.hostPort;
    const last = p.hostPortEnd && p.hostPortEnd > first && first > 0 ? p.hostPortEnd : first;
    const listen = p.protocol === 'udp' ? listenUdp : listenTcp;
    for (let port = first; port <= last; port++) {
      try {
        const l = await listen(host, port, targetIp, p.containerPort, owner.logger);
        this.listeners.push(l);
        this.bound.push({ containerPort: p.containerPort, protocol: p.protocol, hostIp: host, hostPort: l.port });
        return;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code !== 'EADDRINUSE' || port === last) throw bindError(owner, host, first === last ? port : `${first}-${last}`, e);
      }
    }
  }

  /** Stops listening and cuts every relayed connection (the container is gone). */
  close(): void {
    for (const l of this.listeners.splice(0)) l.close();
  }
}
