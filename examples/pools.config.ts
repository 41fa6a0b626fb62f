/**
 * Two teams and a CI fleet on one daemon: a pool each, two local backend instances, round-robin, limits and
 * tokens. Start it with `sockerless daemon --config examples/pools.config.ts`; see docs/pools.md.
 */
export default {
  plugins: ['store-sqlite', 'backend-local', 'pools', 'scheduler-roundrobin', 'limits', 'tenants'],
  backends: {
    'local-a': { driver: 'local' },
    'local-b': { driver: 'local' },
  },
  pools: {
    default: { backends: ['local-a'] },
    ci: {
      backends: ['local-a', 'local-b'],
      scheduler: 'roundrobin',
      maxConcurrency: 8,
      queueSize: 200,
      queueTimeoutMs: 600_000,
      limits: { maxContainers: 400, maxMemoryBytes: 16 * 1024 ** 3, defaultMemoryBytes: 256 * 1024 ** 2 },
    },
    'team-web': { backends: ['local-b'], maxConcurrency: 4, limits: { maxContainers: 50 } },
  },
  defaultPool: 'default',
  tenants: {
    operatorTokens: ['change-me-operator'],
    tenants: {
      ci: { tokens: ['change-me-ci'], pools: ['ci'], createsPerMinute: 600 },
      web: { tokens: ['change-me-web'], pools: ['team-web'] },
    },
  },
};
