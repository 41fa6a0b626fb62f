import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import { guarded, type Logger } from '@sockerless/sdk';
import type { ContainerEngine } from '../engine/container-engine';
import { attachContainer, attachOptionsOf } from './container-streams';
import { closeCallbacks } from './hijack';
import { apiBefore } from '@sockerless/sdk/api';

/** dockerd's postContainersAttachWebsocket: raw streams, binary frames from API 1.28 (text before); what the client sends is stdin. */
export const ATTACH_WS_PATH = /^\/containers\/([^/]+)\/attach\/ws$/;

export async function attachWebsocket(
  engine: ContainerEngine, id: string, query: Record<string, string>, version: string | undefined,
  req: IncomingMessage, socket: Duplex, head: Buffer, log: Logger,
): Promise<void> {
  engine.find(id);
  // Loaded on the first websocket attach only: most daemons never serve one.
  const { WebSocketServer } = await import('ws');
  const server = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const ws = await new Promise<import('ws').WebSocket>((resolve) => server.handleUpgrade(req, socket, head, resolve));
  const binary = !apiBefore(version, '1.28');
  const input = new PassThrough();
  const closing = closeCallbacks(log);
  ws.on('message', guarded(log, { on: 'websocket attach message' }, (data: Buffer | Buffer[] | ArrayBuffer) => {
    const chunk = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (!input.writableEnded) input.write(chunk);
  }));
  ws.on('error', guarded(log, { on: 'websocket attach error' }, () => input.end()));
  ws.on('close', guarded(log, { on: 'websocket attach close' }, () => { input.end(); closing.fire(); server.close(); }));
  const open = () => ws.readyState === ws.OPEN;
  const conn = closing.connection(input, (data) => { if (open()) ws.send(data, { binary }); }, () => { if (open()) ws.close(1000); });
  await attachContainer(engine, id, { ...attachOptionsOf(query), raw: true }, conn);
}
