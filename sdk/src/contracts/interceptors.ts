import type { AdmissionController } from './admission';
import type { BackendDriver } from './backend';
import type { StateStore } from './store';

/** A Docker API request as it arrives, before routing and admission. */
export interface ApiRequestStart {
  method: string;
  /** The path as received, with its `/vX.Y` prefix and without the query. */
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** A hijacked request (attach, exec start: `Upgrade: tcp` or a websocket), which Node hands over before the router sees it. */
  hijacked?: boolean;
}

/** What the core learnt while it answered the request. */
export interface ApiRequestEnd {
  /** The matched route's template (`/containers/:id/start`); undefined when none matched. */
  route?: string;
  /** The status answered; undefined for a hijacked request, whose answer is written on the raw socket. */
  status?: number;
  /** The `/vX.Y` the caller asked for, if any. */
  apiVersion?: string;
  /** The tenant the caller acts for (never its token); undefined: the operator, or a caller that was refused. */
  tenant?: string;
}

/**
 * What a plugin puts around the core's own calls (the tracing plugin's spans). The core applies each one
 * once, after every plugin's init, and calls the returned object from then on; a missing one wraps nothing,
 * so without a plugin that sets them every path is the plugins' own objects and a null check per request.
 */
export interface CoreInterceptors {
  /** Each backend instance's driver (`instance` is its name in the config). */
  backendDriver?(driver: BackendDriver, instance: string): BackendDriver;
  /** The state store (`pluginId` provides it). */
  store?(store: StateStore, pluginId: string): StateStore;
  /** Each admission controller, in their order. */
  admissionController?(controller: AdmissionController): AdmissionController;
  /**
   * Around every Docker API request, hijacked ones too: `handle` answers it and resolves with what routing and
   * admission found. Outermost, so the status is the one Docker's error mapping chose; a throw from `handle`
   * must be passed on.
   */
  apiRequest?(request: ApiRequestStart, handle: () => Promise<ApiRequestEnd>): Promise<void>;
}
