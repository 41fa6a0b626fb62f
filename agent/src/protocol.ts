import type { PathStat } from '@sockerless/sdk';

/**
 * The wire protocol between the daemon and a workload agent, on one WebSocket (see docs/agent.md).
 *
 * - Text frames carry JSON control messages, each with a type `t` and, for an operation, its channel `ch`.
 *   The daemon picks channel numbers; one operation (exec, attach, stat, archive, signal) is one channel.
 * - Binary frames carry stream bytes: a 4-byte big-endian channel, a 1-byte stream number, then the payload.
 * - Flow control is per channel and stream: a sender may have at most WINDOW_BYTES unacknowledged bytes out;
 *   the receiver returns `credit` as its consumer reads. A stream ends with `eof`.
 *
 * This module is loaded by the agent at start-up: it must stay free of heavy imports.
 */

export const AGENT_PROTOCOL_VERSION = 1;
/** The HTTP path of the agent listener. */
export const AGENT_PATH = '/agent';
/** The container id, as a header (or the `container` query parameter) on the upgrade request. */
export const CONTAINER_ID_HEADER = 'x-sockerless-container-id';

/** Stream numbers within a channel. */
export const STREAM = {
  /** Daemon to agent: stdin of an exec/attach, or the tar of a put-archive. */
  input: 0,
  /** Agent to daemon: stdout, or the tar of a get-archive. */
  stdout: 1,
  stderr: 2,
} as const;
export type StreamNumber = (typeof STREAM)[keyof typeof STREAM];

/** Unacknowledged bytes a sender may have out per stream. */
export const WINDOW_BYTES = 512 * 1024;
/** The largest payload of one binary frame. */
export const MAX_CHUNK = 64 * 1024;
const HEADER = 5;

export function encodeFrame(channel: number, stream: StreamNumber, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(HEADER + payload.length);
  frame.writeUInt32BE(channel, 0);
  frame.writeUInt8(stream, 4);
  payload.copy(frame, HEADER);
  return frame;
}

export function decodeFrame(frame: Buffer): { channel: number; stream: number; payload: Buffer } | undefined {
  if (frame.length < HEADER) return undefined;
  return { channel: frame.readUInt32BE(0), stream: frame.readUInt8(4), payload: frame.subarray(HEADER) };
}

/** Messages either side sends about a stream. */
export type StreamMessage =
  | { t: 'credit'; ch: number; s: number; n: number }
  | { t: 'eof'; ch: number; s: number };

/** Daemon to agent. */
export type DaemonMessage =
  | StreamMessage
  | { t: 'exec'; ch: number; argv: string[]; env: string[]; workingDir: string; user: string; stdin: boolean }
  | { t: 'attach'; ch: number; stdin: boolean }
  | { t: 'signal'; ch: number; signal: string }
  /** Ends an exec and everything it started (SIGKILL to its process group). */
  | { t: 'kill'; ch: number }
  | { t: 'stat'; ch: number; path: string }
  | { t: 'get-archive'; ch: number; path: string }
  | { t: 'put-archive'; ch: number; path: string; noOverwriteDirNonDir: boolean }
  /** The daemon is done with a channel (an attach detached, a reader went away): drop its streams. */
  | { t: 'close'; ch: number };

/** Agent to daemon. */
export type AgentMessage =
  | StreamMessage
  | { t: 'hello'; containerId: string; version: number; mainPid?: number }
  | { t: 'started'; ch: number; pid?: number }
  /** An exec's end, sent after the eof of its output streams. */
  | { t: 'exit'; ch: number; exitCode: number; signal?: string }
  | { t: 'ok'; ch: number }
  | { t: 'stat'; ch: number; stat: PathStat }
  | { t: 'error'; ch: number; code: string; message: string };

export function parseMessage<T>(text: string): T | undefined {
  try {
    const msg = JSON.parse(text) as { t?: unknown };
    return typeof msg === 'object' && msg !== null && typeof msg.t === 'string' ? (msg as T) : undefined;
  } catch {
    return undefined;
  }
}
