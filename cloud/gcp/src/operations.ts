/** What a long-running operation of a Google client (google-gax's `Operation`) holds once its first answer is in. */
export interface GoogleOperationLike<Result> {
  done?: boolean | null;
  /** The decoded response of an operation that answered done. */
  result: Result | null;
  /** An operation that ended in an error carries the google.rpc.Status here. */
  latestResponse: { error?: { code?: number | null; message?: string | null } | null };
  promise(): Promise<[Result, ...unknown[]]>;
}

/**
 * The operation's outcome: taken from its first answer when that says done, else polled with `promise()`.
 * google-gax's `promise()` on an operation already done decodes the response a second time and answers a
 * turn later (2-4 ms of a Cloud Run create or delete on the simulator); the first answer already holds
 * it. An error inside a done operation rejects with the google.rpc code, as `promise()` rejects.
 */
export async function operationOutcome<Result>(op: GoogleOperationLike<Result>): Promise<Result> {
  if (!op.done) return (await op.promise())[0];
  const error = op.latestResponse.error;
  if (error && (error.code ?? 0) !== 0) {
    throw Object.assign(new Error(error.message ?? `operation failed with code ${error.code}`), { code: error.code });
  }
  return op.result as Result;
}
