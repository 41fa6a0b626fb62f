/**
 * Resource limits, pause/unpause, update and stats (issue 14, items 3 and 4) beside dockerd 20.10 on the
 * same host (cgroup v1, two CPUs): statuses, messages and the shapes clients read.
 */
import type { FieldSpec, Scenario } from '../model';
import { BUSYBOX, STATE_FIELDS, create, createFails } from './steps';

const LIMIT_FIELDS: FieldSpec[] = [
  'HostConfig.Memory', 'HostConfig.MemorySwap', 'HostConfig.NanoCpus', 'HostConfig.PidsLimit', 'HostConfig.CpuQuota', 'HostConfig.CpusetCpus',
];

export const resourceScenarios: Scenario[] = [
  {
    name: 'resources: the events of pause, update, commit and kill of a paused container',
    steps: [
      { cli: ['run', '-d', '--pull', 'never', '--name', 'res-events', BUSYBOX, 'sleep', '600'] },
      { mark: 't0' },
      { cli: ['pause', 'res-events'] },
      { cli: ['unpause', 'res-events'] },
      { cli: ['update', '--pids-limit', '30', 'res-events'] },
      { cli: ['commit', 'res-events', 'res-events:v1'] },
      { as: 'pause before a TERM', cli: ['pause', 'res-events'] },
      { as: 'kill -s TERM', cli: ['kill', '-s', 'TERM', 'res-events'] },
      { as: 'pause before a KILL', cli: ['pause', 'res-events'] },
      { cli: ['kill', 'res-events'] },
      { cli: ['wait', 'res-events'] },
      {
        as: 'events', method: 'GET', path: '/events', query: { since: '{{mark.t0}}', until: '{{now}}', filters: { type: ['container'] } },
        compare: { events: true },
      },
      { cli: ['rm', '-f', 'res-events'] },
      { cli: ['rmi', 'res-events:v1'] },
    ],
  },
  {
    name: 'resources: pause and unpause',
    steps: [
      { cli: ['run', '-d', '--pull', 'never', '--name', 'res-pause', BUSYBOX, 'sleep', '600'] },
      { as: 'pause', method: 'POST', path: '/containers/res-pause/pause' },
      { as: 'pause again', method: 'POST', path: '/containers/res-pause/pause', compare: { message: 'normalised' } },
      { as: 'inspect paused', method: 'GET', path: '/containers/res-pause/json', compare: { fields: STATE_FIELDS } },
      { as: 'ps paused', cli: ['ps', '--filter', 'name=res-pause', '--format', '{{.Status}}'], compare: { text: true } },
      { as: 'start paused', method: 'POST', path: '/containers/res-pause/start', compare: { message: 'exact' } },
      { as: 'rm paused', method: 'DELETE', path: '/containers/res-pause', compare: { message: 'normalised' } },
      { as: 'info paused', method: 'GET', path: '/info', compare: { fields: ['ContainersPaused'] } },
      { as: 'exec in paused', method: 'POST', path: '/containers/res-pause/exec', body: { Cmd: ['true'] }, compare: { message: 'exact' } },
      { as: 'unpause', method: 'POST', path: '/containers/res-pause/unpause' },
      { as: 'unpause again', method: 'POST', path: '/containers/res-pause/unpause', compare: { message: 'normalised' } },
      { as: 'inspect unpaused', method: 'GET', path: '/containers/res-pause/json', compare: { fields: STATE_FIELDS } },
      { as: 'pause then kill', method: 'POST', path: '/containers/res-pause/pause' },
      { as: 'kill paused', method: 'POST', path: '/containers/res-pause/kill' },
      { as: 'inspect killed', method: 'GET', path: '/containers/res-pause/json', compare: { fields: STATE_FIELDS }, until: { fields: { 'State.Running': false }, timeoutMs: 10_000 } },
      { as: 'pause stopped', method: 'POST', path: '/containers/res-pause/pause', compare: { message: 'normalised' } },
      { as: 'pause missing', method: 'POST', path: '/containers/res-nope/pause', compare: { message: 'exact' } },
      { cli: ['rm', '-f', 'res-pause'] },
    ],
  },
  {
    name: 'resources: limits at create and docker update',
    steps: [
      create('limited', { Cmd: ['sleep', '600'], HostConfig: { Memory: 33554432, NanoCpus: 500000000, PidsLimit: 10 } }, { name: 'res-limited' }),
      { as: 'inspect limits', method: 'GET', path: '/containers/res-limited/json', compare: { fields: LIMIT_FIELDS } },
      createFails('too little memory', { HostConfig: { Memory: 1000 } }),
      createFails('too many cpus', { HostConfig: { NanoCpus: 100_000_000_000 } }),
      createFails('swap below memory', { HostConfig: { Memory: 67108864, MemorySwap: 33554432 } }),
      createFails('nano and quota', { HostConfig: { NanoCpus: 500000000, CpuQuota: 50000 } }),
      createFails('cpuset out of range', { HostConfig: { CpusetCpus: '7' } }),
      { method: 'POST', path: '/containers/res-limited/start' },
      { as: 'update', method: 'POST', path: '/containers/res-limited/update', body: { Memory: 67108864, MemorySwap: 134217728, PidsLimit: 20, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } } },
      { as: 'inspect updated', method: 'GET', path: '/containers/res-limited/json', compare: { fields: [...LIMIT_FIELDS, 'HostConfig.RestartPolicy'] } },
      { as: 'update cpu quota over nano cpus', method: 'POST', path: '/containers/res-limited/update', body: { CpuQuota: 50000 }, compare: { message: 'normalised' } },
      { as: 'update memory too low', method: 'POST', path: '/containers/res-limited/update', body: { Memory: 4194304 }, compare: { message: 'exact' } },
      { as: 'update bad policy', method: 'POST', path: '/containers/res-limited/update', body: { RestartPolicy: { Name: 'bogus' } }, compare: { message: 'exact' } },
      { as: 'update missing', method: 'POST', path: '/containers/res-nope/update', body: {}, compare: { message: 'exact' } },
      { cli: ['rm', '-f', 'res-limited'] },
      { cli: ['run', '-d', '--rm', '--pull', 'never', '--name', 'res-autoremove', BUSYBOX, 'sleep', '600'] },
      { as: 'update policy of --rm', method: 'POST', path: '/containers/res-autoremove/update', body: { RestartPolicy: { Name: 'always' } }, compare: { message: 'normalised' } },
      { cli: ['rm', '-f', 'res-autoremove'] },
    ],
  },
  {
    name: 'resources: stats',
    note: 'values differ from run to run; the shape (keys), the name, the zero answer of a stopped container and one-shot are compared',
    steps: [
      { cli: ['run', '-d', '--pull', 'never', '--name', 'res-stats', BUSYBOX, 'sleep', '600'] },
      {
        as: 'stats', method: 'GET', path: '/containers/res-stats/stats', query: { stream: false },
        compare: { fields: [
          { path: '', how: 'keys' }, { path: 'cpu_stats', how: 'keys' }, { path: 'cpu_stats.cpu_usage', how: 'keys' }, { path: 'precpu_stats', how: 'keys' },
          { path: 'memory_stats', how: 'keys' }, 'pids_stats', { path: 'blkio_stats', how: 'keys' }, { path: 'networks', how: 'keys' }, 'name', 'num_procs', 'storage_stats',
        ] },
      },
      { as: 'one-shot', method: 'GET', path: '/containers/res-stats/stats', query: { stream: false, 'one-shot': true }, compare: { fields: ['preread', { path: 'precpu_stats', how: 'keys' }] } },
      { cli: ['create', '--pull', 'never', '--name', 'res-stats-created', BUSYBOX] },
      { as: 'stats of created', method: 'GET', path: '/containers/res-stats-created/stats', query: { stream: false }, compare: { fields: [{ path: '', how: 'keys' }, 'read', 'preread', 'cpu_stats', 'memory_stats', 'pids_stats', 'blkio_stats', 'name'] } },
      { as: 'stats missing', method: 'GET', path: '/containers/res-nope/stats', query: { stream: false }, compare: { message: 'exact' } },
      { cli: ['rm', '-f', 'res-stats', 'res-stats-created'] },
    ],
  },
];
