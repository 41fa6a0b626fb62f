import type { Context } from 'koa';
import { guarded, InvalidArgumentError, type LogEntry, type LogStreamName as StreamName } from '@sockerless/sdk';
import type { ContainerEngine } from '../engine/container-engine';
import type { ExecEngine } from '../engine/exec-engine';
import { parseDetachKeys, withDetachKeys } from '../engine/detach-keys';
import { streamContentType, type StreamConnection } from './hijack';
import { queryBool, queryString, requestLog } from '@sockerless/sdk/api';

export interface AttachOptions {
  stream: boolean;
  logs: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** The client's detach sequence (`ctrl-p,ctrl-q` when empty); only a TTY attach looks for it. */
  detachKeys: string;
  /** Output as written, without the 8-byte frames even without a TTY (the websocket attach). */
  raw?: boolean;
}

export function attachOptionsOf(query: Record<string, string | string[] | undefined>): AttachOptions {
  const b = (name: string) => queryBool({ query }, name);
  return { stream: b('stream'), logs: b('logs'), stdin: b('stdin'), stdout: b('stdout'), stderr: b('stderr'), detachKeys: queryString({ query }, 'detachKeys') ?? '' };
}

/** Raw with a TTY; else Docker's 8-byte header first: [stream (1 stdout, 2 stderr), 0, 0, 0, size (big-endian uint32)]. */
function encoder(tty: boolean): (stream: StreamName, data: Buffer) => Buffer {
  if (tty) return (_s, data) => data;
  return (s, data) => {
    const header = Buffer.alloc(8);
    header[0] = s === 'stdout' ? 1 : 2;
    header.writeUInt32BE(data.length, 4);
    return Buffer.concat([header, data]);
  };
}

/**
 * Attach: logs when asked, then the output until the run ends, stdin to the process. The end of the client's input
 * closes the process's stdin only for StdinOnce without a TTY; else it ends the attach (a detach: the shell runs on).
 */
export async function attachContainer(engine: ContainerEngine, ref: string, opts: AttachOptions, conn: StreamConnection): Promise<void> {
  const c = engine.find(ref);
  const detachKeys = parseDetachKeys(opts.detachKeys);
  const encode = encoder(c.config.Tty || opts.raw === true);
  const wanted = (s: StreamName) => (s === 'stdout' ? opts.stdout : opts.stderr);
  const io = engine.ioOf(c.id);
  if (opts.logs) {
    for (const e of await io.log.readAll()) if (wanted(e.stream)) conn.write(encode(e.stream, e.data));
  }
  if (!opts.stream) {
    conn.end();
    return;
  }
  // The sink runs inside the process's output listener: guarded, a client gone mid-write cannot throw there.
  const remove = io.addSink({
    write: guarded(conn.log, { container: c.id, on: 'attach output' }, (s: StreamName, data: Buffer) => { if (wanted(s)) conn.write(encode(s, data)); }),
    end: guarded(conn.log, { container: c.id, on: 'attach end' }, () => conn.end()),
  });
  conn.onClose(remove);
  if (opts.stdin && conn.input) {
    const closeStdin = c.config.StdinOnce && !c.config.Tty;
    // The container may be gone by the time the detach keys arrive: tryFind, not find.
    const input = c.config.Tty ? withDetachKeys(conn.input, detachKeys, () => { const still = engine.tryFind(c.id); if (still) engine.emit(still, 'detach'); }) : conn.input;
    io.attachStdin(input, closeStdin);
    if (!closeStdin) input.once('end', guarded(conn.log, { container: c.id, on: 'attach stdin end' }, () => { remove(); conn.end(); }));
  }
  engine.emit(c, 'attach');
}

/**
 * Exec start: output until the exit, stdin when asked for. As Docker, the end of the client's input closes the
 * process's stdin without a TTY; with one it detaches (so do the detach keys): a terminal has no end of input but ^D.
 */
async function streamExec(id: string, conn: StreamConnection, started: Awaited<ReturnType<ExecEngine['start']>>): Promise<void> {
  const { rec, process } = started;
  const encode = encoder(rec.tty);
  let detach = () => undefined as void;
  const detached = new Promise<void>((resolve) => { detach = resolve; });
  const pipes: Promise<void>[] = [];
  for (const [name, s] of [['stdout', process.stdout], ['stderr', process.stderr]] as const) {
    if (!s) continue;
    const want = name === 'stdout' ? rec.attachStdout : rec.attachStderr;
    pipes.push(new Promise<void>((resolve) => {
      s.on('data', guarded(conn.log, { exec: id, on: `exec ${name}` }, (d: Buffer) => { if (want) conn.write(encode(name, d)); }));
      s.once('end', resolve);
      s.once('error', () => resolve());
    }));
  }
  if (rec.attachStdin && conn.input && process.stdin) {
    const stdin = process.stdin;
    stdin.on('error', () => undefined);
    const input = rec.tty ? withDetachKeys(conn.input, parseDetachKeys(rec.detachKeys), () => undefined) : conn.input;
    input.on('data', guarded(conn.log, { exec: id, on: 'exec stdin' }, (d: Buffer) => { if (!stdin.writableEnded && !stdin.destroyed) stdin.write(d); }));
    input.on('end', guarded(conn.log, { exec: id, on: 'exec stdin end' }, () => { if (rec.tty) detach(); else stdin.end(); }));
  } else {
    process.stdin?.end();
  }
  // The record, not a lookup by id: by the time the client goes, its container (and so the exec) may have
  // been removed, and a lookup would throw inside the socket's close handler (issue 13: that ended the daemon).
  if (!rec.tty) conn.onClose(() => { if (rec.running) process.stdin?.end(); });
  const finished = Promise.all(pipes).then(() => process.exited).catch(() => undefined);
  await Promise.race([finished, detached]);
  conn.end();
}

/**
 * Exec start as Docker answers it: an exec whose process cannot start still gets its stream, carrying the reason,
 * and exit code 126, which clients (testcontainers' port check) read rather than expect a failed request.
 */
export async function startExecStream(execs: ExecEngine, id: string, tty: boolean | undefined, open: (tty: boolean) => StreamConnection): Promise<void> {
  const rec = execs.get(id);
  const failedBefore = rec.startError !== undefined;
  let started: Awaited<ReturnType<ExecEngine['start']>>;
  try {
    started = await execs.start(id, tty);
  } catch (err) {
    if (failedBefore || rec.startError === undefined) throw err;
    const conn = open(rec.tty);
    conn.write(encoder(rec.tty)('stdout', Buffer.from(`${rec.startError}\r\n`)));
    conn.end();
    return;
  }
  await streamExec(id, open(started.rec.tty), started);
}

function parseTime(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '' || v === '0') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) {
    const [sec, frac = ''] = v.split('.');
    return Number(sec) * 1e9 + Number(frac.padEnd(9, '0').slice(0, 9));
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`invalid value for ${name}: ${v}`);
  return t * 1e6;
}

/** RFC3339 with nanoseconds, as Docker prints log timestamps. */
function rfc3339Nano(timeNano: number): string {
  const ms = Math.floor(timeNano / 1e6);
  const nanos = String(Math.floor(timeNano % 1e9)).padStart(9, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${nanos}Z`;
}

/** `GET /containers/{id}/logs`. */
export async function streamLogs(engine: ContainerEngine, isRunning: (id: string) => boolean, ctx: Context): Promise<void> {
  const c = engine.find(ctx.params.id);
  engine.deps.logs.assertReadable(c.hostConfig.LogConfig);
  const stdout = queryBool(ctx, 'stdout');
  const stderr = queryBool(ctx, 'stderr');
  if (!stdout && !stderr) throw new InvalidArgumentError('Bad parameters: you must choose at least one stream');
  const follow = queryBool(ctx, 'follow');
  const timestamps = queryBool(ctx, 'timestamps');
  const since = parseTime(queryString(ctx, 'since'), 'since');
  const until = parseTime(queryString(ctx, 'until'), 'until');
  const tailRaw = queryString(ctx, 'tail') ?? 'all';
  // A negative count means all lines, as in Docker (testcontainers asks for tail=-1).
  const tailCount = tailRaw === 'all' || tailRaw === '' ? Infinity : Number(tailRaw);
  if (Number.isNaN(tailCount)) throw new InvalidArgumentError(`invalid value for tail: ${tailRaw}`);
  const tail = tailCount < 0 ? Infinity : tailCount;
  const encode = encoder(c.config.Tty);
  const render = (e: LogEntry) => encode(e.stream, timestamps ? Buffer.concat([Buffer.from(`${rfc3339Nano(e.timeNano)} `), e.data]) : e.data);
  ctx.respond = false;
  const res = ctx.res;
  res.writeHead(200, { 'Content-Type': streamContentType(ctx.state.apiVersion, c.config.Tty) });
  res.flushHeaders();
  // The sink runs inside the process's output listener (a followed log): guarded, a client gone mid-write cannot throw there.
  const stop = await engine.ioOf(c.id).log.read({ stdout, stderr, since, until, tail, follow: follow && isRunning(c.id) }, {
    entry: guarded(requestLog(ctx), { container: c.id, on: 'log entry' }, (e: LogEntry) => { if (!res.writableEnded && !res.destroyed) res.write(render(e)); }),
    end: guarded(requestLog(ctx), { container: c.id, on: 'logs end' }, () => { if (!res.writableEnded) res.end(); }),
  });
  res.once('close', stop);
}
