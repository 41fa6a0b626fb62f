import type { Readable } from 'node:stream';
import type { ExitStatus, WorkloadIdentity, WorkloadSpec } from '@sockerless/sdk';

/**
 * One cloud's functions, as the FaaS core drives them. Everything whose meaning is the same on every cloud (the
 * agent's grant, the refusals, the run kept open as the container's, exec / cp / attach / signals through the
 * agent, undoing a half-made create) lives once in FaasDriver; a provider only makes, invokes, lists and deletes
 * functions on its cloud.
 */
export interface FaasProvider {
  /** The product name in messages: `Lambda`, `Cloud Functions`, `Azure Functions`. */
  readonly cloud: string;
  /** Refuses (before any call) what this cloud cannot take: env names, memory, sizes. */
  check?(spec: WorkloadSpec): void;
  /**
   * Makes the container's function. `env` is the container's env plus the agent's grant. A failure here left
   * nothing behind (the cloud refused the create), so the core does not delete: that could delete a function
   * another container already owns (a conflict).
   */
  createFunction(spec: WorkloadSpec, env: string[]): Promise<void>;
  /** Waits until the function can be invoked; on failure the core deletes what createFunction made. */
  whenReady?(spec: WorkloadSpec): Promise<void>;
  /** Deletes the container's function; nothing there is no error. */
  deleteFunction(containerId: string): Promise<void>;
  /** One invocation of the container's function, kept open for as long as the container runs. */
  invoke(spec: WorkloadSpec): FaasInvocation;
  /** The functions of this backend instance, with the identity their tags or labels carry. */
  list(): Promise<Array<{ id: string; identity?: WorkloadIdentity }>>;
  /** Keeps the result of an invocation on the function where the cloud keeps none (optional, best effort). */
  recordResult?(containerId: string, result: InvocationResult): Promise<void>;
  close(): Promise<void>;
}

export interface InvocationResult {
  status: ExitStatus;
  startedAt: Date;
  finishedAt: Date;
}

/** One invocation: its output as the cloud's log delivers it, and its result once the output has ended. */
export interface FaasInvocation {
  stdout: Readable;
  /** Null where the cloud's log keeps no stream identity (everything is on stdout). */
  stderr: Readable | null;
  result: Promise<InvocationResult>;
  /** The daemon is closing: stop reading (the invocation itself runs on in the cloud). */
  abandon(): void;
}
