import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { dirname, resolve } from 'node:path';

export interface ListenTarget {
  kind: 'unix' | 'tcp';
  path?: string;
  host?: string;
  port?: number;
}

export function parseListenUrl(url: string, baseDir: string): ListenTarget {
  if (url.startsWith('unix://')) return { kind: 'unix', path: resolve(baseDir, url.slice('unix://'.length)) };
  const m = /^tcp:\/\/([^:]+|\[[^\]]+\]):(\d+)$/.exec(url);
  if (m) return { kind: 'tcp', host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  throw new Error(`invalid listen address '${url}': expected unix://PATH or tcp://HOST:PORT`);
}

/** Listens and returns the DOCKER_HOST value a client uses to reach this listener. */
export async function listenOn(server: Server, target: ListenTarget): Promise<string> {
  if (target.kind === 'unix') {
    const path = target.path!;
    mkdirSync(dirname(path), { recursive: true });
    // A socket file left by a killed daemon would make listen fail with EADDRINUSE.
    if (existsSync(path)) unlinkSync(path);
    await new Promise<void>((res, rej) => { server.once('error', rej); server.listen(path, () => { server.off('error', rej); res(); }); });
    chmodSync(path, 0o660);
    return `unix://${path}`;
  }
  await new Promise<void>((res, rej) => { server.once('error', rej); server.listen(target.port, target.host, () => { server.off('error', rej); res(); }); });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `tcp://${host}:${addr.port}`;
}
