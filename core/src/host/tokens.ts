/**
 * The DI token of an extension point or service ref: `Symbol.for`, so two copies of the SDK (a plugin's own,
 * jest's and jiti's module realms) agree on it. The core registers nothing else in the container.
 */
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
