import type { createJiti } from 'jiti';

type Jiti = ReturnType<typeof createJiti>;
type JitiOptions = NonNullable<Parameters<typeof createJiti>[1]>;

/** jiti, loaded on first use (some 200 KB to compile): a boot with compiled config and plugins never loads it. */
export function lazyJiti(from: string, options: JitiOptions): () => Jiti {
  let jiti: Jiti | undefined;
  return () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    jiti ??= (require('jiti') as typeof import('jiti')).createJiti(from, options);
    return jiti;
  };
}

/**
 * A compiled CommonJS file, loaded by Node itself: jiti's transform and module cache for it and all it requires were
 * the slowest step of a boot. Undefined for TypeScript and ESM (jiti's). `fresh`: not a cached copy (a config).
 */
export function requireCompiled(file: string, fresh = false): unknown {
  if (!/\.c?js$/.test(file)) return undefined;
  if (fresh) delete require.cache[file];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as unknown;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_REQUIRE_ESM') return undefined;
    throw err;
  }
}
