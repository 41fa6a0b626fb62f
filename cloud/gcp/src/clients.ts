import { httpFetch } from './http-fetch';

/** Where and as whom a backend instance calls Google Cloud (a simulator's endpoint, or Google itself). */
export interface GcpConnection {
  project: string;
  region: string;
  /** An API endpoint URL (`http://127.0.0.1:8086`); Google's own endpoints when absent. */
  endpoint?: string;
}

/** The project a simulator gets when the options and the environment name none: a simulator takes any name. */
export const OFF_GOOGLE_PROJECT = 'sockerless';

/** The project a backend instance calls: its option, else `GOOGLE_CLOUD_PROJECT` (as gcloud), else off Google a placeholder. */
export function googleProject(project: string | undefined, endpoint: string | undefined): string | undefined {
  return project ?? process.env.GOOGLE_CLOUD_PROJECT ?? (endpoint ? OFF_GOOGLE_PROJECT : undefined);
}

/** The options every official Google client takes (`new v2.JobsClient(options)`). */
export interface GoogleClientOptions {
  [option: string]: string | number | boolean | object | undefined;
  projectId: string;
  /** REST (HTTP/1.1 + JSON) instead of gRPC: one transport for Google and a simulator, and no grpc-js to load. */
  fallback: true;
  apiEndpoint?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** A google-auth-library client; `never`, as each Google package pins its own copy of the library's types. */
  authClient?: never;
}

/**
 * Loads Google client packages when a backend instance is made, never when the plugin loads: a daemon that
 * lists a Google plugin but configures none of its backends never pays the half second they take. The
 * caller passes `() => import('@google-cloud/run')`, so each plugin declares the packages it uses.
 */
export async function importGoogleSdk<T extends unknown[]>(...loaders: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  return (await Promise.all(loaders.map((load) => load()))) as T;
}

/**
 * The client options of a connection. With an endpoint the host and the port go in options of their own
 * (gax overwrites a port written in `apiEndpoint` with 443), and an endpoint off Google gets a
 * PassThroughClient: no Authorization header, so Application Default Credentials are never looked for (a
 * metadata server probe, a gcloud config read). Without one, the clients find ADC themselves.
 */
export async function googleClientOptions(conn: GcpConnection): Promise<GoogleClientOptions> {
  const base: GoogleClientOptions = { projectId: conn.project, fallback: true };
  if (!conn.endpoint) return base;
  const url = new URL(conn.endpoint);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const { PassThroughClient } = await import('google-auth-library');
  return {
    ...base,
    apiEndpoint: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port) || (protocol === 'http' ? 80 : 443),
    protocol,
    // A fetch over node:http, as node-fetch is on Google: gaxios would otherwise import node-fetch
    // dynamically (refused inside jest's VM), and Node's own fetch costs several times more per request.
    authClient: new PassThroughClient({ transporterOptions: { fetchImplementation: httpFetch } }) as never,
  };
}
