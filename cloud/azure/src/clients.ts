import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import type { TokenCredential } from '@azure/identity';

/** Where and as whom a backend instance calls Azure (a simulator's endpoint, or Azure itself). */
export interface AzureConnection {
  subscription: string;
  /** An ARM endpoint URL (`https://127.0.0.1:8087`); Azure's own (`https://management.azure.com`) when absent. */
  endpoint?: string;
  /** A PEM file of the CA to trust besides the system's (a simulator's generated certificate). */
  caFile?: string;
  /**
   * A service principal's client secret (the client-credential flow). At an endpoint of our own its token is
   * asked of that endpoint (the simulator serves Entra ID's token endpoint); without it, on Azure, the
   * default chain of @azure/identity (environment, workload identity, managed identity, Azure CLI) is used.
   */
  clientSecret?: { tenantId: string; clientId: string; clientSecret: string };
}

/** The service principal a simulator is asked a token for when the options name none: it checks none. */
export const SIMULATOR_PRINCIPAL = { tenantId: 'sockerless', clientId: 'sockerless', clientSecret: 'sockerless' } as const;

/** The options the official Azure clients take for a connection (ARM clients, LogsQueryClient, credentials). */
export interface AzureClientOptions {
  endpoint?: string;
  tlsOptions?: { ca: string };
  /** Off: `azureCall` retries throttles and 5xx itself, so one place decides how long a call may take. */
  retryOptions: { maxRetries: number };
}

/**
 * Refuses an endpoint the Azure clients could not use, before any call: they send their bearer token over
 * https only ("Bearer token authentication is not permitted for non-TLS protected (non-https) URLs", from
 * core-rest-pipeline), so an http:// endpoint would fail every call with that.
 */
export function checkAzureEndpoint(endpoint: string | undefined, what = 'endpoint'): void {
  if (!endpoint) return;
  const url = new URL(endpoint);
  if (url.protocol !== 'https:') {
    throw new Error(`${what} ${endpoint}: the Azure clients send their bearer token over https only, so the endpoint must be https:// (the Sockerless Azure simulator serves HTTPS; trust its CA with caFile)`);
  }
}

/** The client options of a connection: its endpoint, its CA (read now, so a missing file stops the boot). */
export function azureClientOptions(conn: AzureConnection): AzureClientOptions {
  checkAzureEndpoint(conn.endpoint);
  let ca: string | undefined;
  if (conn.caFile) {
    try {
      ca = readFileSync(conn.caFile, 'utf8');
    } catch (err) {
      throw new Error(`caFile ${conn.caFile}: ${(err as Error).message}`);
    }
  }
  return { ...(conn.endpoint ? { endpoint: conn.endpoint } : {}), ...(ca ? { tlsOptions: { ca } } : {}), retryOptions: { maxRetries: 0 } };
}

/**
 * Loads Azure client packages when a backend instance is made, never when the plugin loads: a daemon that
 * lists an Azure plugin but configures none of its backends never pays for them. The caller passes
 * `() => import('@azure/arm-appcontainers')`, so each plugin declares the packages it uses.
 */
export async function importAzureSdk<T extends unknown[]>(...loaders: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  return (await Promise.all(loaders.map((load) => load()))) as T;
}

/**
 * The credential of a connection. At an endpoint of our own: the client-credential flow against it
 * (`authorityHost` the endpoint, and `disableInstanceDiscovery`, without which MSAL asks
 * login.microsoftonline.com whether the authority is known), with the simulator's principal when none is
 * given. On Azure: the given principal, else DefaultAzureCredential.
 */
export async function azureCredential(conn: AzureConnection): Promise<TokenCredential> {
  const identity = await import('@azure/identity');
  const options = azureClientOptions(conn);
  if (conn.endpoint) {
    const p = conn.clientSecret ?? SIMULATOR_PRINCIPAL;
    return new identity.ClientSecretCredential(p.tenantId, p.clientId, p.clientSecret, {
      authorityHost: conn.endpoint, disableInstanceDiscovery: true, ...(options.tlsOptions ? { tlsOptions: options.tlsOptions } : {}),
    });
  }
  if (conn.clientSecret) return new identity.ClientSecretCredential(conn.clientSecret.tenantId, conn.clientSecret.clientId, conn.clientSecret.clientSecret);
  return new identity.DefaultAzureCredential();
}

/** A Container Apps management client for the connection (ARM, api-version of the package: 2025-07-01). */
export async function containerAppsClient(conn: AzureConnection, credential?: TokenCredential) {
  const [{ ContainerAppsAPIClient }, cred] = await Promise.all([import('@azure/arm-appcontainers'), credential ?? azureCredential(conn)]);
  const options = azureClientOptions(conn);
  // Both: `endpoint` is where calls go, `$host` what the LRO poller resolves relative URLs against.
  return new ContainerAppsAPIClient(cred, conn.subscription, { ...options, ...(conn.endpoint ? { $host: conn.endpoint } : {}) });
}

/** A Log Analytics query client; at an endpoint of our own, its `/v1` (the client adds none to an endpoint it is given). */
export async function logsQueryClient(conn: AzureConnection, credential?: TokenCredential) {
  const [{ LogsQueryClient }, cred] = await Promise.all([import('@azure/monitor-query-logs'), credential ?? azureCredential(conn)]);
  const { endpoint, ...options } = azureClientOptions(conn);
  return new LogsQueryClient(cred, { ...options, ...(endpoint ? { endpoint: `${endpoint.replace(/\/$/, '')}/v1` } : {}) });
}

/**
 * Opens one TLS connection to the endpoint with the connection's CA and says, in words, why it fails: a
 * certificate not trusted (a wrong or missing caFile), a server that does not speak TLS (an http simulator, a
 * wrong port), nothing listening. Without it the first sign is the credential's token fetch failing with
 * MSAL's `endpoints_resolution_error`, which names neither. Resolves when the handshake succeeds.
 */
export async function probeAzureEndpoint(conn: AzureConnection, timeoutMs = 10_000): Promise<void> {
  if (!conn.endpoint) return;
  const url = new URL(conn.endpoint);
  const { tlsOptions } = azureClientOptions(conn);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port: Number(url.port) || 443, ...(tlsOptions ? { ca: tlsOptions.ca } : {}), ...(/^[\d.:]+$/.test(host) ? {} : { servername: host }) });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)));
    socket.once('secureConnect', () => { socket.end(); resolve(); });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const why = /certificate|CERT|self[- ]signed/i.test(`${err.code} ${err.message}`)
        ? `its TLS certificate is not trusted (${err.message}): ${conn.caFile ? `caFile ${conn.caFile} is not the CA that signed it` : 'give the CA file to trust as the caFile option (a Sockerless simulator prints its own at start)'}`
        : /wrong version number|EPROTO|packet length/i.test(`${err.code} ${err.message}`)
          ? `it does not speak TLS (${err.message}): the Azure clients send their bearer token over https only`
          : err.message;
      reject(new Error(`Azure endpoint ${conn.endpoint}: ${why}`));
    });
  });
}
