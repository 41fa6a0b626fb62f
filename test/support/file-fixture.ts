/** The fields of T as set-up fills them: writable, and absent until then. */
export type Filling<T> = { -readonly [K in keyof T]?: T[K] };

/**
 * What one test file sets up once: `setUp` fills `state` in beforeAll, `tearDown` gets it in afterAll as far as
 * setUp came (a set-up that failed half-way still has its first half cleaned up). The answer reads `state`;
 * a field read before beforeAll ran, or after it failed, throws naming it, instead of handing a test undefined.
 */
export function fileFixture<T extends object>(setUp: (state: Filling<T>) => Promise<void>, tearDown: (state: Filling<T>) => Promise<void>, timeoutMs = 120_000): Readonly<T> {
  const state: Filling<T> = {};
  beforeAll(() => setUp(state), timeoutMs);
  afterAll(() => tearDown(state));
  return new Proxy(state, {
    get(target, key) {
      const value = target[key as keyof T];
      // `then` and symbols are what await and inspectors probe any object for: they answer, as on a plain object.
      if (value === undefined && typeof key === 'string' && key !== 'then') throw new Error(`the test file's ${String(key)} is not there: its beforeAll failed (see above)`);
      return value;
    },
  }) as T;
}
