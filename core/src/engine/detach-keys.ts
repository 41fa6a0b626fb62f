import { Transform, type Readable } from 'node:stream';
import { InvalidArgumentError } from '@sockerless/sdk';

/** Docker's default detach sequence: ctrl-p, ctrl-q. */
export const DEFAULT_DETACH_KEYS = Buffer.from([0x10, 0x11]);

/** `ctrl-@` is 0, `ctrl-a`..`ctrl-z` are 1..26, then `ctrl-[`, `ctrl-\`, `ctrl-]`, `ctrl-^`, `ctrl-_` (27..31). */
const CONTROL_NAMES = ['@', ...'abcdefghijklmnopqrstuvwxyz', '[', '\\', ']', '^', '_'].map((c) => `ctrl-${c}`);

/** Docker's detach-keys setting (`ctrl-p,ctrl-q`, `a,ctrl-x`; empty: the default); exec words the error `escape keys`. */
export function parseDetachKeys(spec: string | undefined, noun = 'detach'): Buffer {
  if (!spec) return DEFAULT_DETACH_KEYS;
  const codes = spec.split(',').map((key) => {
    if (key.length === 1) return key.charCodeAt(0);
    const code = CONTROL_NAMES.indexOf(key);
    if (code < 0) throw new InvalidArgumentError(`Invalid ${noun} keys (${spec}) provided`);
    return code;
  });
  return Buffer.from(codes);
}

/**
 * The input without the detach sequence, as moby's escape proxy: a key counts only alone (one keystroke per read) and
 * is held until the sequence completes (the stream ends, `onDetach`) or breaks (the held bytes go on as typed).
 */
export function withDetachKeys(source: Readable, keys: Buffer, onDetach: () => void): Readable {
  let matched = 0;
  let detached = false;
  const proxy = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (detached) return cb();
      if (chunk.length === 1 && chunk[0] === keys[matched]) {
        matched++;
        if (matched === keys.length) {
          detached = true;
          this.push(null);
          onDetach();
        }
        return cb();
      }
      const held = keys.subarray(0, matched);
      matched = 0;
      cb(null, held.length ? Buffer.concat([held, chunk]) : chunk);
    },
    flush(cb) {
      cb(null, detached || matched === 0 ? undefined : keys.subarray(0, matched));
    },
  });
  source.on('error', () => proxy.end());
  return source.pipe(proxy);
}
