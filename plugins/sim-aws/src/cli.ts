import { defineCliContribution } from '@sockerless/sdk';

/** `sockerless simulator aws`: the simulator alone, with the sandbox runtime it runs workloads in. */
export const cli = defineCliContribution({
  simulators: [{
    cloud: 'aws',
    defaultListen: 'tcp://127.0.0.1:4566',
    usage: `  sockerless simulator aws [--listen tcp://HOST:PORT] [--home DIR] [--load IMAGE.tar]... [--start-delay MS]
      Runs the AWS simulator (ECS, CloudWatch Logs, Lambda) alone, with no Docker API. Its state and its
      image store live in --home (default ./.sockerless-sim-aws), so daemons can come and go against it.
      --load puts a docker-save archive in that store, as a push to the cloud's registry would; tasks and
      functions run the images found there. --start-delay holds each task in PENDING for MS ms. It prints
      "AWS simulator: http://HOST:PORT" once it listens.
`,
    config(listen, startDelayMs) {
      const simOptions = startDelayMs === undefined ? undefined : { startDelayMs };
      return {
        plugins: ['store-sqlite', 'backend-local', simOptions ? { plugin: 'sim-aws', options: simOptions } : 'sim-aws'],
        simulators: { aws: { listen } },
      };
    },
  }],
});
