/** Where and as whom a backend instance calls AWS (a simulator's endpoint and fixed credentials, or AWS itself). */
export interface AwsConnection {
  region: string;
  endpoint?: string;
  /** Static credentials (a simulator); the standard AWS chain when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts of a call, the SDK's retries included; the SDK's default when absent. */
  maxAttempts?: number;
}

/**
 * Loads AWS SDK client packages when a backend instance is made, never when the plugin loads: a daemon that
 * lists a cloud plugin but configures none of its backends never pays the tenth of a second they take. The
 * caller passes `() => import('@aws-sdk/client-...')`, so each plugin declares the AWS packages it uses.
 */
export async function importAwsSdk<T extends unknown[]>(...loaders: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  // The SDK's once-per-process notice about Node 20's end of support is not the daemon user's concern.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return (await Promise.all(loaders.map((load) => load()))) as T;
}

/** The client configuration of a connection, with only the fields it sets (the SDK's defaults for the rest). */
export function awsClientConfig(conn: AwsConnection): AwsConnection {
  return {
    region: conn.region,
    ...(conn.endpoint ? { endpoint: conn.endpoint } : {}),
    ...(conn.credentials ? { credentials: conn.credentials } : {}),
    ...(conn.maxAttempts ? { maxAttempts: conn.maxAttempts } : {}),
  };
}
