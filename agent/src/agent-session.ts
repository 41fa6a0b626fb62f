import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { InboundStream, OutboundStream, pump, type FrameLink } from './flow';
import { exitStatusOf, settleAfterExit, spawnErrorMessage, type MainHandle } from './main-process';
import { AGENT_PROTOCOL_VERSION, decodeFrame, parseMessage, STREAM, type AgentMessage, type DaemonMessage, type StreamMessage, type StreamNumber } from './protocol';
import { resolveUser, UserLookupError } from './users';
import { DEFAULT_PATH, normalizeSignal } from '@sockerless/sdk/workload';
import type { ContainerFiles } from '@sockerless/sdk/archive';

/**
 * The agent's side of one connection to the daemon: runs what the daemon asks on its channels. A new
 * connection (after a reconnect) starts with no channels; execs of a lost connection run on, unheard.
 */

/** What the agent needs from a WebSocket (kept structural so `ws` loads lazily). */
export interface AgentSocket {
  readonly readyState: number;
  send(data: Buffer | string): void;
}

interface Channel {
  outs: Map<number, OutboundStream>;
  input?: InboundStream;
  /** The daemon dropped the channel. */
  onClose?: () => void;
  onKill?: () => void;
}

const OPEN = 1;

export class AgentSideSession implements FrameLink {
  private readonly channels = new Map<number, Channel>();

  constructor(private readonly socket: AgentSocket, private readonly main: MainHandle, private readonly containerId: string) {
    this.send({ t: 'hello', containerId, version: AGENT_PROTOCOL_VERSION, mainPid: main.pid });
  }

  sendFrame(frame: Buffer): void {
    if (this.socket.readyState === OPEN) this.socket.send(frame);
  }

  sendControl(msg: StreamMessage): void {
    this.send(msg);
  }

  private send(msg: AgentMessage): void {
    if (this.socket.readyState === OPEN) this.socket.send(JSON.stringify(msg));
  }

  onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      const frame = decodeFrame(data);
      if (!frame) return;
      const input = frame.stream === STREAM.input ? this.channels.get(frame.channel)?.input : undefined;
      if (input) input.deliver(frame.payload);
      else this.credit(frame.channel, frame.stream, frame.payload.length);
      return;
    }
    const msg = parseMessage<DaemonMessage>(data.toString('utf8'));
    if (msg) this.handle(msg);
  }

  /** The connection ended: output has nowhere to go, and inputs end. */
  dispose(): void {
    for (const ch of this.channels.values()) {
      for (const out of ch.outs.values()) out.stop();
      ch.input?.finish();
      ch.onClose?.();
    }
    this.channels.clear();
  }

  private handle(msg: DaemonMessage): void {
    const ch = this.channels.get(msg.ch);
    switch (msg.t) {
      case 'credit': ch?.outs.get(msg.s)?.grant(msg.n); return;
      case 'eof': ch?.input?.finish(); return;
      case 'close': this.drop(msg.ch); return;
      case 'kill': ch?.onKill?.(); return;
      case 'exec': this.exec(msg); return;
      case 'attach': this.attach(msg); return;
      case 'signal': this.signal(msg); return;
      case 'stat': void this.guard(msg.ch, () => this.stat(msg)); return;
      case 'get-archive': void this.guard(msg.ch, () => this.getArchive(msg)); return;
      case 'put-archive': this.putArchive(msg); return;
    }
  }

  private open(ch: number): Channel {
    const channel: Channel = { outs: new Map() };
    this.channels.set(ch, channel);
    return channel;
  }

  private out(ch: number, channel: Channel, s: StreamNumber): OutboundStream {
    const out = new OutboundStream(this, ch, s);
    channel.outs.set(s, out);
    return out;
  }

  private input(ch: number, channel: Channel): InboundStream {
    channel.input = new InboundStream((n) => this.credit(ch, STREAM.input, n));
    return channel.input;
  }

  private credit(ch: number, s: number, n: number): void {
    this.send({ t: 'credit', ch, s, n });
  }

  private drop(ch: number): void {
    const channel = this.channels.get(ch);
    if (!channel) return;
    this.channels.delete(ch);
    for (const out of channel.outs.values()) out.stop();
    channel.input?.destroy();
    channel.onClose?.();
  }

  private fail(ch: number, err: unknown): void {
    const e = err as { code?: unknown; message?: string; isSockerlessError?: boolean };
    const code = e.isSockerlessError && typeof e.code === 'string' ? e.code : errnoCode(e.code);
    this.send({ t: 'error', ch, code, message: e.message ?? String(err) });
    this.drop(ch);
  }

  private async guard(ch: number, fn: () => Promise<void>): Promise<void> {
    try { await fn(); } catch (err) { this.fail(ch, err); }
  }

  private exec(msg: Extract<DaemonMessage, { t: 'exec' }>): void {
    const channel = this.open(msg.ch);
    // Before anything async: stdin frames may follow the request at once.
    const stdin = msg.stdin ? this.input(msg.ch, channel) : undefined;
    let user;
    const cwd = msg.workingDir || '/';
    try {
      user = resolveUser(msg.user);
      if (!statSync(cwd).isDirectory()) throw new Error('not a directory');
    } catch (err) {
      const reason = err instanceof UserLookupError ? err.message
        : `chdir to cwd ("${cwd}") set in config.json failed: no such file or directory`;
      this.fail(msg.ch, { isSockerlessError: true, code: 'InvalidArgument', message: reason });
      return;
    }
    const env: NodeJS.ProcessEnv = {};
    for (const kv of msg.env) { const i = kv.indexOf('='); if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1); }
    env.PATH ??= DEFAULT_PATH;
    if (user?.home) env.HOME ??= user.home;
    // Its own process group, so a kill ends whatever it started too.
    const child = spawn(msg.argv[0], msg.argv.slice(1), {
      env, cwd, uid: user?.uid, gid: user?.gid, detached: true, stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    channel.onKill = () => { if (child.pid) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } };
    child.once('error', (err: NodeJS.ErrnoException) => {
      this.fail(msg.ch, { isSockerlessError: true, code: 'InvalidArgument', message: spawnErrorMessage(msg.argv[0], err) });
    });
    child.once('spawn', () => {
      this.send({ t: 'started', ch: msg.ch, pid: child.pid });
      if (stdin && child.stdin) {
        child.stdin.on('error', () => stdin.destroy());
        stdin.pipe(child.stdin);
      }
      let lastOutputAt = Date.now();
      const seen = () => { lastOutputAt = Date.now(); };
      const stdout = this.out(msg.ch, channel, STREAM.stdout);
      const stderr = this.out(msg.ch, channel, STREAM.stderr);
      const copies = Promise.all([
        pump(child.stdout!.on('data', seen), stdout, { destroyOnStop: false }),
        pump(child.stderr!.on('data', seen), stderr, { destroyOnStop: false }),
      ]).catch(() => undefined);
      child.once('exit', (code, signal) => {
        lastOutputAt = Date.now();
        void settleAfterExit(copies, () => lastOutputAt).then(() => {
          stdout.end();
          stderr.end();
          if (this.channels.get(msg.ch) === channel) this.send({ t: 'exit', ch: msg.ch, ...exitStatusOf(code, signal) });
          this.channels.delete(msg.ch);
          child.stdout?.destroy();
          child.stderr?.destroy();
        });
      });
    });
  }

  private attach(msg: Extract<DaemonMessage, { t: 'attach' }>): void {
    const channel = this.open(msg.ch);
    const sub = { stdout: this.out(msg.ch, channel, STREAM.stdout), stderr: this.out(msg.ch, channel, STREAM.stderr) };
    if (msg.stdin) {
      const input = this.input(msg.ch, channel);
      const target = this.main.stdin;
      if (target) input.pipe(target);
      else input.resume();
    }
    channel.onClose = () => this.main.detach(sub);
    this.send({ t: 'ok', ch: msg.ch });
    this.main.attach(sub);
  }

  private signal(msg: Extract<DaemonMessage, { t: 'signal' }>): void {
    try {
      this.main.signal(normalizeSignal(msg.signal));
      this.send({ t: 'ok', ch: msg.ch });
    } catch (err) {
      this.fail(msg.ch, err);
    }
  }

  /** `docker cp` inside the workload, on the agent's own filesystem (mounts included); loaded on first use, as it pulls in tar-stream. */
  private async archive(): Promise<{ archive: typeof import('@sockerless/sdk/archive'); files: ContainerFiles }> {
    const archive = await import('@sockerless/sdk/archive');
    return { archive, files: { name: this.containerId, hostPath: (path, followLast) => archive.resolveInRoot('/', path, followLast) } };
  }

  private async stat(msg: Extract<DaemonMessage, { t: 'stat' }>): Promise<void> {
    const { archive, files } = await this.archive();
    this.send({ t: 'stat', ch: msg.ch, stat: await archive.statContainerPath(files, msg.path) });
  }

  private async getArchive(msg: Extract<DaemonMessage, { t: 'get-archive' }>): Promise<void> {
    const channel = this.open(msg.ch);
    const { archive, files } = await this.archive();
    const { stat, tar } = await archive.getContainerArchive(files, msg.path);
    this.send({ t: 'stat', ch: msg.ch, stat });
    await pump(tar, this.out(msg.ch, channel, STREAM.stdout), { destroyOnStop: true });
    this.channels.delete(msg.ch);
  }

  private putArchive(msg: Extract<DaemonMessage, { t: 'put-archive' }>): void {
    const channel = this.open(msg.ch);
    const tar = this.input(msg.ch, channel);
    void this.guard(msg.ch, async () => {
      const { archive, files } = await this.archive();
      await archive.putContainerArchive(files, msg.path, tar, { noOverwriteDirNonDir: msg.noOverwriteDirNonDir });
      this.send({ t: 'ok', ch: msg.ch });
      this.channels.delete(msg.ch);
    });
  }
}

function errnoCode(code: unknown): string {
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'NotFound';
  if (code === 'EACCES' || code === 'EPERM') return 'Forbidden';
  return 'Internal';
}
