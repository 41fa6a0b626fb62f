import { WebSocket } from 'ws';
import { AgentSideSession } from './agent-session';
import type { MainHandle } from './main-process';
import { CONTAINER_ID_HEADER } from './protocol';

/**
 * The agent's link to the daemon: dials, serves the connection, and dials again with backoff (100 ms
 * doubling to 2 s) for as long as the workload runs, so a restarted daemon gets it back. Loaded after the
 * main process started, since `ws` takes a while to load.
 */

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 2000;
const FLUSH_CAP_MS = 1000;

export interface AgentLinkOptions {
  url: string;
  token: string;
  containerId: string;
  main: MainHandle;
  debug: (msg: string) => void;
}

export class AgentLink {
  private stopped = false;
  private socket?: WebSocket;
  private wakeSleep?: () => void;

  constructor(private readonly opts: AgentLinkOptions) {
    void this.run();
  }

  private async run(): Promise<void> {
    let delay = FIRST_DELAY_MS;
    while (!this.stopped) {
      const wasOpen = await this.connectOnce();
      if (this.stopped) return;
      if (wasOpen) delay = FIRST_DELAY_MS;
      await new Promise<void>((r) => { const t = setTimeout(r, delay); this.wakeSleep = () => { clearTimeout(t); r(); }; });
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }

  private connectOnce(): Promise<boolean> {
    return new Promise((resolve) => {
      const { url, token, containerId } = this.opts;
      const socket = new WebSocket(url, {
        headers: { authorization: `Bearer ${token}`, [CONTAINER_ID_HEADER]: containerId },
        perMessageDeflate: false,
        handshakeTimeout: 10_000,
      });
      this.socket = socket;
      let session: AgentSideSession | undefined;
      socket.on('open', () => {
        this.opts.debug(`connected to ${url}`);
        session = new AgentSideSession(socket, this.opts.main, containerId);
      });
      socket.on('message', (data, isBinary) => session?.onMessage(data as Buffer, isBinary));
      socket.on('error', (err) => this.opts.debug(`connection to ${url}: ${err.message}`));
      socket.on('close', () => {
        session?.dispose();
        if (this.socket === socket) this.socket = undefined;
        resolve(session !== undefined);
      });
    });
  }

  /** Stops dialling; lets what is queued on the socket go out (the last output, eofs), then closes it. */
  async close(): Promise<void> {
    this.stopped = true;
    this.wakeSleep?.();
    const socket = this.socket;
    if (!socket) return;
    if (socket.readyState !== WebSocket.OPEN) { socket.terminate(); return; }
    const deadline = Date.now() + FLUSH_CAP_MS;
    while (socket.bufferedAmount > 0 && Date.now() < deadline && socket.readyState === WebSocket.OPEN) {
      await new Promise<void>((r) => setTimeout(r, 5));
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { socket.terminate(); resolve(); }, Math.max(deadline - Date.now(), 50));
      socket.once('close', () => { clearTimeout(timer); resolve(); });
      socket.close(1000, 'workload exited');
    });
  }
}
