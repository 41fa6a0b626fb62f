import { SIMULATOR_CREDENTIALS, type SockerlessConfig } from '@sockerless/sdk';

export interface PresetOptions {
  /** A simulator already running elsewhere (`sockerless simulator aws`): no in-process simulator then. */
  simulatorEndpoint?: string;
}

export const PRESET_NAMES = ['aws-sim'] as const;

/**
 * `aws-sim`: Docker containers as ECS tasks (the default pool) and as Lambda functions (the `lambda` pool,
 * `--label com.sockerless.pool=lambda`), against the AWS simulator running in the daemon, or against the
 * endpoint given. backend-local stays loaded: it provides the sandbox runtime the simulator runs workloads in.
 */
function awsSim(opts: PresetOptions): SockerlessConfig {
  // The simulator's own key pair: it verifies every signature, and static keys keep the SDK from looking for an instance role.
  const cloud = opts.simulatorEndpoint
    ? { endpoint: opts.simulatorEndpoint, credentials: { ...SIMULATOR_CREDENTIALS } }
    : { simulator: 'aws' };
  return {
    plugins: ['store-sqlite', 'backend-local', ...(opts.simulatorEndpoint ? [] : ['sim-aws']), 'backend-ecs', 'backend-faas', 'pools'],
    backends: {
      ecs: { driver: 'ecs', options: { ...cloud } },
      lambda: { driver: 'lambda', options: { ...cloud } },
    },
    defaultBackend: 'ecs',
    pools: {
      default: { backends: ['ecs'] },
      lambda: { backends: ['lambda'] },
    },
  };
}

/** The built-in config of a preset; an unknown name is an error that lists the known ones. */
export function presetConfig(name: string, opts: PresetOptions = {}): SockerlessConfig {
  if (opts.simulatorEndpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(opts.simulatorEndpoint)) {
    throw new Error(`--simulator-endpoint ${opts.simulatorEndpoint}: expected http://HOST:PORT`);
  }
  if (name === 'aws-sim') return awsSim(opts);
  throw new Error(`unknown preset '${name}' (known: ${PRESET_NAMES.join(', ')})`);
}

/** `sockerless simulator aws`: the simulator alone, with the sandbox runtime it runs workloads in. */
export function simulatorConfig(cloud: string, listen: string, startDelayMs: number | undefined): SockerlessConfig {
  if (cloud !== 'aws') throw new Error(`unknown simulator '${cloud}' (known: aws)`);
  const simOptions = startDelayMs === undefined ? undefined : { startDelayMs };
  return {
    plugins: ['store-sqlite', 'backend-local', simOptions ? { plugin: 'sim-aws', options: simOptions } : 'sim-aws'],
    simulators: { aws: { listen } },
  };
}
