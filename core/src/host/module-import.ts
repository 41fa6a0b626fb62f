import type { createJiti } from 'jiti';

type Jiti = ReturnType<typeof createJiti>;
type JitiOptions = NonNullable<Parameters<typeof createJiti>[1]>;

/**
 * jiti, loaded on first use: a boot whose config is JavaScript and whose plugins are compiled never loads
 * it (its module alone is some 200 KB to compile), and one with a TypeScript config loads it once.
 */
export function lazyJiti(from: string, options: JitiOptions): () => Jiti {
  let jiti: Jiti | undefined;
  return () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    jiti ??= (require('jiti') as typeof import('jiti')).createJiti(from, options);
    return jiti;
  };
}

/**
 * A compiled CommonJS file (every package of this repository, most plugins on npm, a `.js` config) is loaded
 * by Node itself: jiti would run it, and each file it requires, through its own transform and module cache,
 * the slowest step of a boot after the core's own modules. Undefined for TypeScript and for ESM that
 * `require` refuses: those go to jiti. `fresh` reads the file again rather than a cached copy (a config).
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
