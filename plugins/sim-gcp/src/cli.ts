import { defineCliContribution } from '@sockerless/sdk';

/** `sockerless simulator gcp`: the simulator alone, with the sandbox runtime it runs workloads in. */
export const cli = defineCliContribution({
  simulators: [{
    cloud: 'gcp',
    defaultListen: 'tcp://127.0.0.1:8086',
    usage: `  sockerless simulator gcp [--listen tcp://HOST:PORT] [--home DIR] [--load IMAGE.tar]... [--start-delay MS]
      Runs the Google Cloud simulator (Cloud Run jobs, Cloud Functions gen2, Cloud Logging) alone, with no
      Docker API, on the REST wire the official clients send in fallback mode. Its state and its image store
      live in --home (default ./.sockerless-sim-gcp), so daemons can come and go against it. --load puts a
      docker-save archive in that store, as a push to Artifact Registry would. --start-delay holds each task
      pending for MS ms. It prints "GCP simulator: http://HOST:PORT" once it listens.
`,
    config(listen, startDelayMs) {
      const simOptions = startDelayMs === undefined ? undefined : { startDelayMs };
      return {
        plugins: ['store-sqlite', 'backend-local', simOptions ? { plugin: 'sim-gcp', options: simOptions } : 'sim-gcp'],
        simulators: { gcp: { listen } },
      };
    },
  }],
});
