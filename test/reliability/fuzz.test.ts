/**
 * The fuzz harness in CI's short mode (issue 13): 10,000 seeded requests over every route of the Docker API
 * against a real daemon on backend-local, with zero crashes, zero 5xx for client errors, every error body
 * Docker's `{"message"}`, every request ended within its bound, and RSS back near its start. The long mode
 * (`npx jiti test/reliability/fuzz.ts --long`, 100,000 requests) is the bench's figure.
 */
import { clean, figureLine, runFuzz, SHORT_REQUESTS } from './fuzz';

/**
 * What RSS may grow by after the warm-up (every route's code loaded). The V8 heap grows to its steady size
 * over the first ~10,000 requests (93 MiB at start, ~110 after 1,000, ~150 after 10,000) and then stays flat
 * (150-155 MiB from 10,000 to 30,000 in the long mode), and the objects the fuzzer created stay in the store.
 */
const RSS_GROWTH_BUDGET_KIB = 64 * 1024;

test(`${SHORT_REQUESTS} fuzzed requests: no crash, no wrong 5xx, Docker's error bodies, nothing hung`, async () => {
  const figures = await runFuzz({ requests: SHORT_REQUESTS, seed: Number(process.env.FUZZ_SEED ?? 1), concurrency: 8 });
  console.log(figureLine(figures));
  // The samples name each failing request, so a failure here is reproducible from its seed and index.
  expect({ clean: clean(figures), samples: figures.samples }).toEqual({ clean: true, samples: [] });
  expect(figures.requests).toBe(SHORT_REQUESTS);
  expect(figures.rssEndKiB - figures.rssWarmKiB).toBeLessThan(RSS_GROWTH_BUDGET_KIB);
}, 240_000);
