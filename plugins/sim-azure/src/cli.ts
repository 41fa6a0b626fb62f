import { defineCliContribution } from '@sockerless/sdk';

/** `sockerless simulator azure`: the simulator alone, with the sandbox runtime it runs workloads in. */
export const cli = defineCliContribution({
  simulators: [{
    cloud: 'azure',
    defaultListen: 'tcp://127.0.0.1:8087',
    usage: `  sockerless simulator azure [--listen tcp://HOST:PORT] [--home DIR] [--load IMAGE.tar]... [--start-delay MS]
      Runs the Azure simulator (ARM: Container Apps jobs, Function Apps; Log Analytics queries; an OAuth2
      token endpoint) alone, with no Docker API, over HTTPS with a certificate it makes at first start. Its
      state, its certificate (DIR/plugins/sim-azure/tls/ca.pem: give it to clients as their CA) and its image
      store live in --home (default ./.sockerless-sim-azure). It prints "AZURE simulator: https://HOST:PORT"
      and the CA file once it listens.
`,
    config(listen, startDelayMs) {
      const simOptions = startDelayMs === undefined ? undefined : { startDelayMs };
      return {
        plugins: ['store-sqlite', 'backend-local', simOptions ? { plugin: 'sim-azure', options: simOptions } : 'sim-azure'],
        simulators: { azure: { listen } },
      };
    },
  }],
});
