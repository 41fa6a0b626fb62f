/**
 * `total` jobs shared by `workers` concurrent loops: each worker claims the next job as soon as its last one
 * ends, so exactly `workers` jobs are in progress until the queue runs dry. The first failure stops every
 * worker from claiming more and is rethrown once the jobs already under way have ended, so nothing the
 * benchmark started is still talking to an engine when teardown stops it.
 */
export async function runConcurrently(total: number, workers: number, job: (worker: number) => Promise<void>): Promise<void> {
  let claimed = 0;
  let failure: unknown;
  await Promise.all(Array.from({ length: workers }, async (_, worker) => {
    while (failure === undefined && claimed < total) {
      claimed++;
      try {
        await job(worker);
      } catch (err) {
        failure ??= err;
      }
    }
  }));
  if (failure !== undefined) throw failure;
}
