import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A simulator's plain-HTTP listener and the endpoint (`http://HOST:PORT`) its clients use. */
export interface HttpListener {
  server: Server;
  endpoint: string;
  /** Stops listening and drops open connections (a long-poll held open would keep `close` waiting). */
  close(): Promise<void>;
}

/** Listens on host:port (0: an ephemeral port); resolves once it accepts connections, rejects with the bind error. */
export async function startHttpListener(handler: (req: IncomingMessage, res: ServerResponse) => void, host: string, port: number): Promise<HttpListener> {
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as AddressInfo;
  return {
    server,
    endpoint: `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/** The whole body of a request; undefined when the client went away before sending it. */
export async function readRequestBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  try {
    for await (const c of req) chunks.push(c as Buffer);
  } catch {
    return undefined;
  }
  return Buffer.concat(chunks);
}
