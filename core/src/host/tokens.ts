/** A ref's DI token: `Symbol.for`, so two copies of the SDK (a plugin's own, jest's, jiti's realms) agree on it. */
export function refToken(id: string): symbol {
  return Symbol.for(`sockerless.ref.${id}`);
}

export interface HostPaths {
  /** SOCKERLESS_HOME, absolute. */
  home: string;
  /** The config file, absolute, or '<inline>' for a config object given in code. */
  configFile: string;
  configDir: string;
}
