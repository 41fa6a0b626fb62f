import { defineCliContribution, SIMULATOR_CREDENTIALS, type SockerlessConfig } from '@sockerless/sdk';

/**
 * `aws-sim`: Docker containers as ECS tasks (the default pool) and as Lambda functions (the `lambda` pool,
 * `--label com.sockerless.pool=lambda`), against the AWS simulator running in the daemon, or against the
 * endpoint given. backend-local stays loaded: it provides the sandbox runtime the simulator runs workloads in.
 */
function awsSim(opts: { simulatorEndpoint?: string }): SockerlessConfig {
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

/** The `aws-sim` preset of `sockerless daemon`. */
export const cli = defineCliContribution({
  presets: [{
    name: 'aws-sim',
    simulator: 'aws',
    usage: `      --preset aws-sim needs no config file: containers run as ECS tasks (the default pool) or
      Lambda functions (--label com.sockerless.pool=lambda) on an AWS simulator in the daemon,
      or on the one at --simulator-endpoint http://HOST:PORT (see 'sockerless simulator aws').
`,
    config: awsSim,
  }],
});
