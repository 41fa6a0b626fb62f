import type { protos } from '@google-cloud/functions';
import {
  callGoogle, entryText, googleClientOptions, importGoogleSdk, LogEntriesFollower, operationOutcome, requestIdHeader,
  type GcpConnection, type LogEntriesLister,
} from '@sockerless/cloud-gcp';
import type { Tracer } from '@sockerless/sdk';
import type { LogLine } from '../core/http-invocation';

// Types only at the top: the client packages themselves are loaded by `FunctionsApi.open`, when a driver is created.
type FunctionsModule = typeof import('@google-cloud/functions');
type LoggingModule = typeof import('@google-cloud/logging');
export type CloudFunction = protos.google.cloud.functions.v2.IFunction;

/** An entry as the REST client decodes it, with the labels the follower's type leaves out. */
interface LabelledEntry {
  logName?: string | null;
  labels?: Record<string, string> | null;
}

/**
 * The Cloud Functions v2 and Cloud Logging calls the provider makes, on the official clients (REST). Every call
 * is a span with its request id and fails with the SDK's typed error (`functions: NOT_FOUND: ...`), quota and
 * unavailability retried with backoff first.
 */
export class FunctionsApi {
  readonly parent: string;

  private constructor(
    private readonly conn: GcpConnection,
    private readonly functions: InstanceType<FunctionsModule['v2']['FunctionServiceClient']>,
    private readonly logging: InstanceType<LoggingModule['v2']['LoggingServiceV2Client']>,
    private readonly attempts: number,
    private readonly tracer?: Tracer,
  ) {
    this.parent = `projects/${conn.project}/locations/${conn.region}`;
  }

  /** Loads the clients (about half a second) and makes them. */
  static async open(conn: GcpConnection, attempts: number, tracer?: Tracer): Promise<FunctionsApi> {
    const [functions, logging] = await importGoogleSdk(() => import('@google-cloud/functions'), () => import('@google-cloud/logging'));
    const options = await googleClientOptions(conn);
    return new FunctionsApi(conn, new functions.v2.FunctionServiceClient(options), new logging.v2.LoggingServiceV2Client(options), attempts, tracer);
  }

  async close(): Promise<void> {
    await Promise.all([this.functions.close(), this.logging.close()]);
  }

  functionName(functionId: string): string {
    return `${this.parent}/functions/${functionId}`;
  }

  /** Creates the function and waits for its operation (done in its first answer, as a rule): a function whose image cannot be resolved is never made. */
  async createFunction(functionId: string, fn: CloudFunction): Promise<CloudFunction> {
    return this.call('functions', 'CreateFunction', async (o) => {
      const [op] = await this.functions.createFunction({ parent: this.parent, functionId, function: fn }, o);
      return operationOutcome<CloudFunction>(op);
    });
  }

  async getFunction(name: string): Promise<CloudFunction> {
    return this.call('functions', 'GetFunction', async (o) => (await this.functions.getFunction({ name }, o))[0]);
  }

  /** Every function of the location, all pages. */
  async listFunctions(): Promise<CloudFunction[]> {
    return this.call('functions', 'ListFunctions', async (o) => (await this.functions.listFunctions({ parent: this.parent }, o))[0]);
  }

  async deleteFunction(name: string): Promise<void> {
    await this.call('functions', 'DeleteFunction', async (o) => {
      const [op] = await this.functions.deleteFunction({ name }, o);
      await operationOutcome(op);
    });
  }

  /**
   * The lines of one function's invocations from `since` (RFC 3339) on, as 2nd gen functions write them: the
   * Cloud Run revision's `stdout` and `stderr` logs, each entry labelled with its request's `execution_id`.
   * `owns` decides, by that id, whether an entry belongs to the invocation being followed.
   */
  invocationLog(functionId: string, since: string, owns: (executionId: string) => boolean): { read(): Promise<LogLine[]> } {
    const filter = `resource.type="cloud_run_revision" AND resource.labels.service_name="${functionId}"`;
    const follower = new LogEntriesFollower(this.logging as unknown as LogEntriesLister, this.conn.project, filter, since);
    return {
      read: () => this.call('logging', 'ListLogEntries', async (o) => {
        const lines: LogLine[] = [];
        for (const entry of await follower.read(o)) {
          const { logName, labels } = entry as LabelledEntry;
          const stream = logName?.endsWith('%2Fstdout') ? 'stdout' : logName?.endsWith('%2Fstderr') ? 'stderr' : undefined;
          if (stream && owns(labels?.execution_id ?? '')) lines.push({ stream, text: entryText(entry) });
        }
        return lines;
      }),
    };
  }

  private call<T>(service: 'functions' | 'logging', method: string, fn: (options: ReturnType<typeof requestIdHeader>) => Promise<T>): Promise<T> {
    return callGoogle({ tracer: this.tracer, attempts: this.attempts }, service, method, fn);
  }
}
