/**
 * One daemon, four places to run a container: the local sandbox (the default pool), AWS ECS (`ecs`), Google
 * Cloud Run (`cloudrun`) and Azure Container Apps (`aca`), a pool each; `docker run --label
 * com.sockerless.pool=aca ...` picks one. As written, every cloud is its simulator running inside the daemon
 * (loopback listeners on free ports, workloads in the local sandbox), so it runs offline:
 *
 *   sockerless daemon --config examples/all-clouds.config.ts
 *
 * For the real clouds, drop the `sim-*` plugins and the `simulators` block and replace each backend's
 * `simulator` with where it runs, e.g. `{ cluster: 'ci', region: 'eu-west-1', subnets: [...] }` for ECS,
 * `{ project: 'my-project', region: 'europe-west1' }` for Cloud Run and `{ subscription: '...',
 * resourceGroup: 'ci', environment: 'ci-env', location: 'westeurope' }` for Container Apps (credentials come
 * from each SDK's default chain); see docs/backend-ecs.md, docs/backend-cloudrun.md and docs/backend-aca.md.
 */
export default {
  plugins: [
    'store-sqlite', 'backend-local', 'pools',
    'sim-aws', 'sim-gcp', 'sim-azure',
    'backend-ecs', 'backend-cloudrun', 'backend-aca',
  ],
  simulators: {
    aws: { listen: 'tcp://127.0.0.1:0' },
    gcp: { listen: 'tcp://127.0.0.1:0' },
    azure: { listen: 'tcp://127.0.0.1:0' },
  },
  backends: {
    local: { driver: 'local' },
    ecs: { driver: 'ecs', options: { simulator: 'aws' } },
    cloudrun: { driver: 'cloudrun', options: { simulator: 'gcp' } },
    aca: { driver: 'aca', options: { simulator: 'azure' } },
  },
  pools: {
    default: { backends: ['local'] },
    ecs: { backends: ['ecs'], maxConcurrency: 16, queueSize: 64 },
    cloudrun: { backends: ['cloudrun'], maxConcurrency: 16, queueSize: 64 },
    aca: { backends: ['aca'], maxConcurrency: 16, queueSize: 64 },
  },
  defaultPool: 'default',
};
