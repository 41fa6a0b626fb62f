import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from '@sockerless/sdk';

const run = promisify(execFile);

/** Where malloc-tune.c lives (the plugin's native/, beside src/ and dist/); the built addon goes to `build/` next to it. */
export const NATIVE_DIR = join(__dirname, '..', 'native');

/**
 * 128 KiB, glibc's initial mmap threshold, kept fixed instead of rising to 32 MiB; the same for the trim
 * threshold. Measured with the fuzz harness (10,000 requests, docs/api-coverage.md#the-fuzz-harness): RSS 98 -> 155 MiB
 * without, 95 -> 112 MiB with MALLOC_TRIM_THRESHOLD_=131072 in the daemon's environment.
 */
const THRESHOLD_BYTES = 128 * 1024;
/** Free pages are handed back once no request came for this long (one malloc_trim, then none until the next request). */
const IDLE_MS = 5000;
const CHECK_EVERY_MS = 1000;

interface MallocAddon {
  tune(mmapThreshold: number, trimThreshold: number, arenaMax: number): boolean;
  trim(): boolean;
}

export interface MemoryReturner {
  /** A request came: the daemon is not idle. */
  touch(): void;
  close(): void;
}

/**
 * glibc keeps what the daemon freed after a burst of requests (malloc-tune.c says why); this fixes the
 * thresholds with mallopt(3) and, when the daemon goes idle, runs one full V8 collection and malloc_trim(3). The addon is compiled
 * once per source version with the host's C compiler, in the background so the boot never waits for it;
 * without a compiler (or with SOCKERLESS_MALLOC_TUNE=0) the daemon runs as before, and says so once.
 */
export function startMallocTuning(logger: Logger, nativeDir = NATIVE_DIR): MemoryReturner {
  let lastRequest = Date.now();
  let trimmed = true;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const touch = () => { lastRequest = Date.now(); trimmed = false; };
  if (process.env.SOCKERLESS_MALLOC_TUNE === '0' || process.platform !== 'linux') return { touch, close: () => undefined };
  loadAddon(nativeDir).then((addon) => {
    if (closed) return;
    if (!addon.tune(THRESHOLD_BYTES, THRESHOLD_BYTES, 0)) logger.warn('glibc did not take the malloc thresholds (mallopt); freed memory may stay in RSS');
    const collect = fullGc();
    timer = setInterval(() => {
      if (trimmed || Date.now() - lastRequest < IDLE_MS) return;
      trimmed = true;
      // Garbage first: a Buffer no longer referenced holds its malloc'd bytes until V8 collects its object,
      // and an idle V8 does not collect. The first collection finds it; its bytes are freed by the next,
      // after the callbacks the first queued have run (measured: 96 MiB of dropped Buffers stay external
      // after one gc(), 1 MiB after a second one a tick later). Milliseconds, once per quiet spell.
      if (!collect) return void addon.trim();
      collect();
      setImmediate(() => {
        collect();
        addon.trim();
      });
    }, CHECK_EVERY_MS);
    timer.unref();
  }, (err: Error) => {
    logger.warn(`cannot build the malloc tuning addon (install gcc and libc6-dev): memory freed after a burst of requests stays in RSS: ${err.message}`);
  });
  return { touch, close: () => { closed = true; if (timer) clearInterval(timer); } };
}

/**
 * V8's full collection, as `--expose-gc` gives it, without exposing `gc` to every module: the flag is set,
 * a fresh context is made (the flag acts at context creation), its `gc` is taken and the flag set back.
 */
function fullGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    setFlagsFromString('--no-expose-gc');
    return typeof gc === 'function' ? gc : undefined;
  } catch {
    return undefined;
  }
}

async function loadAddon(nativeDir: string): Promise<MallocAddon> {
  const source = join(nativeDir, 'malloc-tune.c');
  const sha = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const out = join(nativeDir, 'build', `malloc-tune-${sha}.node`);
  if (!(await fs.access(out).then(() => true, () => false))) {
    await fs.mkdir(join(nativeDir, 'build'), { recursive: true, mode: 0o755 });
    // Written under a temporary name and renamed, so a concurrent daemon never loads half a file.
    const tmp = `${out}.${process.pid}.tmp`;
    try {
      await run('cc', ['-shared', '-fPIC', '-O2', '-o', tmp, source], { timeout: 60_000 });
      await fs.rename(tmp, out);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      const e = err as Error & { stderr?: string };
      throw new Error(`${e.message.split('\n')[0]}${e.stderr ? `: ${e.stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`);
    }
  }
  const mod = { exports: {} as MallocAddon };
  process.dlopen(mod, out);
  return mod.exports;
}
