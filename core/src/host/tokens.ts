/** DI tokens of the core. Extension points and services use `Symbol.for(ref.id)` (see refToken). */
export const Tokens = {
  Config: Symbol.for('sockerless.core.config'),
  Paths: Symbol.for('sockerless.core.hostPaths'),
  RootLogger: Symbol.for('sockerless.core.rootLogger'),
  Store: Symbol.for('sockerless.core.stateStore'),
  Registries: Symbol.for('sockerless.core.registries'),
  Events: Symbol.for('sockerless.core.eventsBus'),
  Images: Symbol.for('sockerless.core.imageService'),
  Backends: Symbol.for('sockerless.core.backendInstances'),
  Engine: Symbol.for('sockerless.core.containerEngine'),
} as const;

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
