import { Writable, type Readable } from 'node:stream';
import type { WebSocket } from 'ws';
import {
  guarded, NotImplementedError, SockerlessError, statusOfErrorCode, UnavailableError,
  type AgentAttachStreams, type AgentSession, type ExecSpec, type ExitStatus, type Logger, type PathStat, type SockerlessErrorCode, type WorkloadProcess,
} from '@sockerless/sdk';
import { InboundStream, OutboundStream, pump, type FrameLink } from './flow';
import { decodeFrame, parseMessage, STREAM, type AgentMessage, type DaemonMessage, type StreamMessage } from './protocol';

/**
 * The daemon's side of one connected agent. Every call opens a channel; the agent's answers and stream
 * bytes come back on it, so concurrent execs never mix.
 */

interface ChannelHandler {
  ins: Map<number, InboundStream>;
  outs: Map<number, OutboundStream>;
  onMessage(msg: AgentMessage): void;
  onDisconnect(err: Error): void;
}

export class ServerAgentSession implements AgentSession, FrameLink {
  readonly closed: Promise<void>;
  private readonly channels = new Map<number, ChannelHandler>();
  private nextChannel = 1;

  constructor(readonly containerId: string, private readonly socket: WebSocket, logger: Logger) {
    // What an agent sends (or its going away) must not be able to throw into the daemon's event loop.
    const context = { container: containerId, on: 'workload agent' };
    this.closed = new Promise((resolve) => socket.once('close', () => {
      const err = new UnavailableError(`the workload agent of container ${containerId} disconnected`);
      for (const ch of [...this.channels.values()]) guarded(logger, context, () => ch.onDisconnect(err))();
      this.channels.clear();
      resolve();
    }));
    socket.on('message', guarded(logger, context, (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary)));
  }

  sendFrame(frame: Buffer): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(frame);
  }

  sendControl(msg: StreamMessage): void {
    this.send(msg);
  }

  /** Ends the connection (a newer one of the same container replaced it, or the server closes). */
  terminate(): void {
    this.socket.terminate();
  }

  private send(msg: DaemonMessage): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(msg));
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      const frame = decodeFrame(data);
      if (!frame) return;
      const inbound = this.channels.get(frame.channel)?.ins.get(frame.stream);
      if (inbound) inbound.deliver(frame.payload);
      else this.send({ t: 'credit', ch: frame.channel, s: frame.stream, n: frame.payload.length });
      return;
    }
    const msg = parseMessage<AgentMessage>(data.toString('utf8'));
    if (!msg || msg.t === 'hello') return;
    const ch = this.channels.get(msg.ch);
    if (!ch) return;
    if (msg.t === 'credit') ch.outs.get(msg.s)?.grant(msg.n);
    else if (msg.t === 'eof') ch.ins.get(msg.s)?.finish();
    else ch.onMessage(msg);
  }

  /** Opens a channel, its handler registered before the request goes out. */
  private channel(handler: Omit<ChannelHandler, 'ins' | 'outs'>): { ch: number; handler: ChannelHandler } {
    if (this.socket.readyState !== this.socket.OPEN) throw new UnavailableError(`the workload agent of container ${this.containerId} disconnected`);
    const ch = this.nextChannel;
    this.nextChannel = this.nextChannel >= 0xffffffff ? 1 : this.nextChannel + 1;
    const full: ChannelHandler = { ins: new Map(), outs: new Map(), ...handler };
    this.channels.set(ch, full);
    return { ch, handler: full };
  }

  private inbound(ch: number, handler: ChannelHandler, s: number): InboundStream {
    const stream = new InboundStream((n) => this.send({ t: 'credit', ch, s, n }));
    handler.ins.set(s, stream);
    return stream;
  }

  private stdinWriter(ch: number, handler: ChannelHandler): Writable {
    const out = new OutboundStream(this, ch, STREAM.input);
    handler.outs.set(STREAM.input, out);
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => { out.write(chunk).then(() => cb(), cb); },
      final: (cb) => { out.end(); cb(); },
      destroy: (err, cb) => { out.end(); cb(err); },
    });
  }

  private finishChannel(ch: number, handler: ChannelHandler): void {
    if (this.channels.get(ch) === handler) this.channels.delete(ch);
  }

  /** A reader that goes away before `stream` ended gives the channel up: the agent stops sending on it. */
  private closeWhenAbandoned(ch: number, handler: ChannelHandler, stream: InboundStream): void {
    stream.once('close', () => {
      if (!stream.readableEnded && this.channels.get(ch) === handler) { this.finishChannel(ch, handler); this.send({ t: 'close', ch }); }
    });
  }

  /** One request answered by one message (`ok`, `stat`), or an error. */
  private request<T extends AgentMessage['t']>(build: (ch: number) => DaemonMessage, answer: T): Promise<Extract<AgentMessage, { t: T }>> {
    return new Promise((resolve, reject) => {
      const { ch, handler } = this.channel({
        onMessage: (msg) => {
          this.finishChannel(ch, handler);
          if (msg.t === answer) resolve(msg as Extract<AgentMessage, { t: T }>);
          else if (msg.t === 'error') reject(agentError(msg));
        },
        onDisconnect: reject,
      });
      this.send(build(ch));
    });
  }

  exec(spec: ExecSpec): Promise<WorkloadProcess> {
    if (spec.tty) return Promise.reject(new NotImplementedError('a TTY through the workload agent is not supported: it has no terminal allocator'));
    return new Promise((resolve, reject) => {
      let started = false;
      let settleExit!: (status: ExitStatus) => void;
      const exited = new Promise<ExitStatus>((r) => { settleExit = r; });
      const end = (status: ExitStatus) => { stdout.finish(); stderr.finish(); settleExit(status); };
      const { ch, handler } = this.channel({
        onMessage: (msg) => {
          if (msg.t === 'started') {
            started = true;
            resolve({ stdin, stdout, stderr, exited, kill: () => this.send({ t: 'kill', ch }) });
          } else if (msg.t === 'exit') {
            this.finishChannel(ch, handler);
            end({ exitCode: msg.exitCode, ...(msg.signal ? { signal: msg.signal } : {}) });
          } else if (msg.t === 'error') {
            this.finishChannel(ch, handler);
            if (!started) reject(agentError(msg));
            else end({ exitCode: 255, error: msg.message });
          }
        },
        onDisconnect: (err) => {
          if (!started) reject(err);
          else end({ exitCode: 255, error: err.message });
        },
      });
      const stdout = this.inbound(ch, handler, STREAM.stdout);
      const stderr = this.inbound(ch, handler, STREAM.stderr);
      const stdin = spec.attachStdin ? this.stdinWriter(ch, handler) : null;
      this.send({ t: 'exec', ch, argv: spec.argv, env: spec.env, workingDir: spec.workingDir, user: spec.user, stdin: spec.attachStdin });
    });
  }

  attach(opts: { stdin: boolean }): Promise<AgentAttachStreams> {
    return new Promise((resolve, reject) => {
      const { ch, handler } = this.channel({
        onMessage: (msg) => {
          if (msg.t === 'ok') resolve({ stdin, stdout, stderr });
          else if (msg.t === 'error') { this.finishChannel(ch, handler); reject(agentError(msg)); }
        },
        onDisconnect: (err) => { stdout.finish(); stderr.finish(); reject(err); },
      });
      const stdout = this.inbound(ch, handler, STREAM.stdout);
      const stderr = this.inbound(ch, handler, STREAM.stderr);
      const stdin = opts.stdin ? this.stdinWriter(ch, handler) : null;
      // A reader that goes away detaches: the agent stops sending to it.
      let ended = 0;
      const onEnd = () => { if (++ended === 2) this.finishChannel(ch, handler); };
      stdout.once('end', onEnd);
      stderr.once('end', onEnd);
      this.closeWhenAbandoned(ch, handler, stdout);
      this.send({ t: 'attach', ch, stdin: opts.stdin });
    });
  }

  async signal(signal: string): Promise<void> {
    await this.request((ch) => ({ t: 'signal', ch, signal }), 'ok');
  }

  async statPath(path: string): Promise<PathStat> {
    return (await this.request((ch) => ({ t: 'stat', ch, path }), 'stat')).stat;
  }

  getArchive(path: string): Promise<{ stat: PathStat; tar: Readable }> {
    return new Promise((resolve, reject) => {
      let answered = false;
      const { ch, handler } = this.channel({
        onMessage: (msg) => {
          if (msg.t === 'stat') { answered = true; resolve({ stat: msg.stat, tar }); return; }
          if (msg.t !== 'error') return;
          this.finishChannel(ch, handler);
          if (answered) tar.destroy(agentError(msg)); else reject(agentError(msg));
        },
        onDisconnect: (err) => { if (answered) tar.destroy(err); else reject(err); },
      });
      const tar = this.inbound(ch, handler, STREAM.stdout);
      tar.once('end', () => this.finishChannel(ch, handler));
      this.closeWhenAbandoned(ch, handler, tar);
      this.send({ t: 'get-archive', ch, path });
    });
  }

  putArchive(path: string, tar: Readable, opts: { noOverwriteDirNonDir: boolean }): Promise<void> {
    return new Promise((resolve, reject) => {
      const { ch, handler } = this.channel({
        onMessage: (msg) => {
          this.finishChannel(ch, handler);
          out.stop();
          if (msg.t === 'ok') resolve();
          else if (msg.t === 'error') { tar.resume(); reject(agentError(msg)); }
        },
        onDisconnect: (err) => { out.stop(); tar.resume(); reject(err); },
      });
      const out = new OutboundStream(this, ch, STREAM.input);
      handler.outs.set(STREAM.input, out);
      this.send({ t: 'put-archive', ch, path, noOverwriteDirNonDir: opts.noOverwriteDirNonDir });
      pump(tar, out, { destroyOnStop: false }).catch((err: Error) => {
        out.stop();
        this.send({ t: 'close', ch });
        this.finishChannel(ch, handler);
        reject(err);
      });
    });
  }
}

/** The agent's error as the SDK's typed error, so the core answers with the right status. */
function agentError(msg: { code: string; message: string }): Error {
  if (msg.code in statusOfErrorCode) return new SockerlessError(msg.code as SockerlessErrorCode, msg.message);
  return new Error(msg.message);
}
