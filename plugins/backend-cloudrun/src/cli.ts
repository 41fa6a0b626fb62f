import { defineCliContribution, type SockerlessConfig } from '@sockerless/sdk';

/**
 * `gcp-sim`: Docker containers as Cloud Run jobs against the Google Cloud simulator running in the daemon, or
 * against the endpoint given. backend-local stays loaded: it provides the sandbox runtime the simulator runs
 * workloads in.
 */
function gcpSim(opts: { simulatorEndpoint?: string }): SockerlessConfig {
  const cloud = opts.simulatorEndpoint ? { endpoint: opts.simulatorEndpoint } : { simulator: 'gcp' };
  return {
    plugins: ['store-sqlite', 'backend-local', ...(opts.simulatorEndpoint ? [] : ['sim-gcp']), 'backend-cloudrun'],
    backends: { cloudrun: { driver: 'cloudrun', options: { ...cloud } } },
    defaultBackend: 'cloudrun',
  };
}

/** The `gcp-sim` preset of `sockerless daemon`. */
export const cli = defineCliContribution({
  presets: [{
    name: 'gcp-sim',
    simulator: 'gcp',
    usage: `      --preset gcp-sim needs no config file: containers run as Cloud Run jobs on a Google Cloud
      simulator in the daemon, or on the one at --simulator-endpoint http://HOST:PORT (see
      'sockerless simulator gcp').
`,
    config: gcpSim,
  }],
});
