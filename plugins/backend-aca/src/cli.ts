import { defineCliContribution, type SockerlessConfig } from '@sockerless/sdk';

/**
 * `azure-sim`: Docker containers as Container Apps jobs against the Azure simulator running in the daemon, or
 * against the endpoint given (https; its CA is trusted through NODE_EXTRA_CA_CERTS or, better, the backend's
 * caFile option in a config file). backend-local stays loaded: it provides the sandbox runtime the simulator
 * runs workloads in.
 */
function azureSim(opts: { simulatorEndpoint?: string }): SockerlessConfig {
  const cloud = opts.simulatorEndpoint
    ? { endpoint: opts.simulatorEndpoint, ...(process.env.SOCKERLESS_AZURE_CA_FILE ? { caFile: process.env.SOCKERLESS_AZURE_CA_FILE } : {}) }
    : { simulator: 'azure' };
  return {
    plugins: ['store-sqlite', 'backend-local', ...(opts.simulatorEndpoint ? [] : ['sim-azure']), 'backend-aca'],
    backends: { aca: { driver: 'aca', options: { ...cloud } } },
    defaultBackend: 'aca',
  };
}

/** The `azure-sim` preset of `sockerless daemon`. */
export const cli = defineCliContribution({
  presets: [{
    name: 'azure-sim',
    simulator: 'azure',
    usage: `      --preset azure-sim needs no config file: containers run as Container Apps jobs on an Azure
      simulator in the daemon, or on the one at --simulator-endpoint https://HOST:PORT, whose CA file
      is named by SOCKERLESS_AZURE_CA_FILE (see 'sockerless simulator azure', which prints it).
`,
    config: azureSim,
  }],
});
