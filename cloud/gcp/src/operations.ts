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

type Decoder = (buffer: Uint8Array) => unknown;

/** The parts of a generated Google client (gax) that hold its long-running methods' decoders. */
interface LroClientInternals {
  _protos?: { lookupType?(name: string): { decode: Decoder } };
  descriptors?: { longrunning?: Record<string, { responseDecoder?: Decoder; metadataDecoder?: Decoder } | undefined> };
}

/**
 * Gives a generated client's long-running methods decoders that protobufjs builds once. The generated
 * clients pass `type.decode.bind(type)` taken before the type was set up: that is protobufjs's
 * `decode_setup`, which generates the type's encoder, decoder, verifier and converters anew on every call
 * (`this.setup().decode(...)`), 3-7 ms for a Cloud Run Job or Execution, on each operation's answer and on
 * its metadata. The types looked up by name in the client's own root decode alike, through the generated
 * code once it exists. `types` names each method's response and metadata message; a client without these
 * internals (another gax) is left as it is.
 */
export function useGeneratedOperationDecoders(client: unknown, types: Record<string, { response: string; metadata: string }>): void {
  const internals = client as LroClientInternals;
  const root = internals._protos;
  const descriptors = internals.descriptors?.longrunning;
  if (!root?.lookupType || !descriptors) return;
  for (const [method, { response, metadata }] of Object.entries(types)) {
    const descriptor = descriptors[method];
    if (!descriptor) continue;
    const responseType = root.lookupType(response);
    const metadataType = root.lookupType(metadata);
    descriptor.responseDecoder = (buffer) => responseType.decode(buffer);
    descriptor.metadataDecoder = (buffer) => metadataType.decode(buffer);
  }
}
