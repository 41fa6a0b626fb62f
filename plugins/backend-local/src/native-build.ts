import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '@sockerless/sdk';

const run = promisify(execFile);

/** Where the helpers' C sources live; the compiled helpers go to `build/` next to them, never to a shared /tmp. */
export const NATIVE_DIR = join(__dirname, '..', 'native');

/**
 * Compiles `native/<name>.c` once per source version with the host's C compiler into a static
 * `native/build/<name>-<sha>` (`cc -static -O2 <name>.c <libs>`), written under a temporary name and renamed so
 * a concurrent daemon never runs half a file. Static, so the same file runs inside any container's root.
 */
export async function buildNative(logger: Logger, nativeDir: string, name: string, libs: string[] = []): Promise<string> {
  const source = join(nativeDir, `${name}.c`);
  const sha = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const out = join(nativeDir, 'build', `${name}-${sha}`);
  if (await fs.access(out).then(() => true, () => false)) return out;
  await fs.mkdir(join(nativeDir, 'build'), { recursive: true, mode: 0o755 });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    await run('cc', ['-static', '-O2', '-o', tmp, source, ...libs], { timeout: 120_000 });
    await fs.chmod(tmp, 0o755);
    await fs.rename(tmp, out);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    const e = err as Error & { stderr?: string };
    throw new Error(`${e.message.split('\n')[0]}${e.stderr ? `: ${e.stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`);
  }
  logger.info(`built the ${name} helper`, { path: out });
  return out;
}
