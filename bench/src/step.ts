import type { Engine } from './engines';

export const log = (msg: string) => console.error(`bench: ${msg}`);

/** Runs one step of the benchmark; a failure names the step and carries the engines' log tails. */
export async function step<T>(what: string, engines: Engine[], fn: () => Promise<T>): Promise<T> {
  log(what);
  try {
    return await fn();
  } catch (err) {
    const tails = engines.map((e) => `--- ${e.target.label} log (tail) ---\n${e.logTail(20)}`);
    throw new Error(`${what}: ${(err as Error).message}\n${tails.join('\n')}`);
  }
}
