/**
 * One daemon, three places to run: a pool on AWS ECS, a pool on Google Cloud Run and the local sandbox (the
 * default pool), side by side. `docker run --label com.sockerless.pool=ecs …` runs an ECS task,
 * `--label com.sockerless.pool=cloudrun` a Cloud Run job, no label the local backend. Start it with
 * `sockerless daemon --config examples/multi-cloud.config.ts`; see docs/pools.md and docs/backend-cloudrun.md.
 *
 * As written, each cloud is its simulator inside this daemon (`simulator: 'aws'`, `simulator: 'gcp'`, their
 * endpoints printed at boot), so it runs offline. For the clouds themselves, drop `sim-aws` and `sim-gcp`
 * from the plugins and the `simulators` section, and replace each `simulator` option by the real settings:
 * `{ region: 'eu-west-1', cluster: '…', subnets: ['subnet-…'] }` (the AWS credential chain) and
 * `{ project: 'my-project', region: 'europe-west1' }` (Application Default Credentials).
 *
 * Another cloud is three lines: its backend plugin (and its simulator's) in `plugins`, an instance in
 * `backends`, and a pool over it in `pools`.
 */
export default {
  plugins: [
    'store-sqlite', 'pools',
    // backend-local runs the default pool, and gives the simulators the sandbox their workloads run in.
    'backend-local',
    'sim-aws', 'backend-ecs',
    'sim-gcp', 'backend-cloudrun',
  ],
  simulators: {
    aws: { listen: 'tcp://127.0.0.1:0' },
    gcp: { listen: 'tcp://127.0.0.1:0' },
  },
  backends: {
    local: { driver: 'local' },
    ecs: { driver: 'ecs', options: { simulator: 'aws' } },
    cloudrun: { driver: 'cloudrun', options: { simulator: 'gcp' } },
  },
  pools: {
    default: { backends: ['local'] },
    ecs: { backends: ['ecs'], maxConcurrency: 20 },
    cloudrun: { backends: ['cloudrun'], maxConcurrency: 20 },
  },
  defaultPool: 'default',
  defaultBackend: 'local',
};
