export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** A token the client already holds (`registrytoken` in X-Registry-Auth). */
  registrytoken?: string;
}

/** Decodes the base64(url) JSON of `X-Registry-Auth`; `e30=` (`{}`) and garbage both mean anonymous. */
export function decodeRegistryAuth(header: string | undefined): RegistryCredentials | undefined {
  if (!header) return undefined;
  try {
    const json = JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as Record<string, unknown>;
    const creds: RegistryCredentials = {
      username: typeof json.username === 'string' ? json.username : undefined,
      password: typeof json.password === 'string' ? json.password : undefined,
      registrytoken: typeof json.registrytoken === 'string' && json.registrytoken ? json.registrytoken : undefined,
    };
    return creds.username || creds.registrytoken ? creds : undefined;
  } catch {
    return undefined;
  }
}
