/**
 * The details that clients check (issue 14, item 7), beside dockerd's own answers: a SIGKILL that returns
 * once the container is down, swarm endpoints outside a swarm, the log driver, empty aliases, prune.
 */
import type { Scenario } from '../model';
import { BUSYBOX, create, start } from './steps';

const SWARM_MESSAGE = { message: 'exact' } as const;

export const clientDetailScenarios: Scenario[] = [
  {
    name: 'details: kill then a plain remove',
    steps: [
      create('c', { Cmd: ['sleep', '300'] }, { name: 'diff-details-kill' }),
      start('c'),
      { as: 'kill', method: 'POST', path: '/containers/{{c.Id}}/kill', query: { signal: 'SIGKILL' } },
      { as: 'inspect after kill', method: 'GET', path: '/containers/{{c.Id}}/json', compare: { fields: ['State.Status', 'State.Running', 'State.ExitCode'] } },
      { as: 'remove without force', method: 'DELETE', path: '/containers/{{c.Id}}' },
      { as: 'run -d', cli: ['run', '-d', '--pull', 'never', '--name', 'diff-details-kill-cli', BUSYBOX, 'sleep', '300'] },
      { as: 'docker kill', cli: ['kill', 'diff-details-kill-cli'], compare: { text: true } },
      { as: 'docker rm', cli: ['rm', 'diff-details-kill-cli'], compare: { text: true } },
    ],
  },
  {
    name: 'details: swarm endpoints outside a swarm',
    steps: [
      { as: 'swarm', method: 'GET', path: '/swarm', compare: SWARM_MESSAGE },
      { as: 'services', method: 'GET', path: '/services', compare: SWARM_MESSAGE },
      { as: 'service', method: 'GET', path: '/services/nothing', compare: SWARM_MESSAGE },
      { as: 'nodes', method: 'GET', path: '/nodes', compare: SWARM_MESSAGE },
      { as: 'tasks', method: 'GET', path: '/tasks', compare: SWARM_MESSAGE },
      { as: 'secrets', method: 'GET', path: '/secrets', compare: SWARM_MESSAGE },
      { as: 'configs', method: 'GET', path: '/configs', compare: SWARM_MESSAGE },
      { as: 'unlockkey', method: 'GET', path: '/swarm/unlockkey', compare: SWARM_MESSAGE },
      { as: 'leave', method: 'POST', path: '/swarm/leave', compare: SWARM_MESSAGE },
      { as: 'network ls', cli: ['network', 'ls', '--format', '{{.Name}}'], compare: { text: true } },
    ],
  },
  {
    name: 'details: log driver',
    steps: [
      create('plain', { Cmd: ['true'] }),
      { as: 'inspect plain', method: 'GET', path: '/containers/{{plain.Id}}/json', compare: { fields: ['HostConfig.LogConfig'] } },
      create('local', { Cmd: ['true'], HostConfig: { LogConfig: { Type: 'local', Config: { 'max-size': '10m' } } } }),
      { as: 'inspect local', method: 'GET', path: '/containers/{{local.Id}}/json', compare: { fields: ['HostConfig.LogConfig'] } },
      // An unknown driver is left to client-details.test.ts: dockerd looks for a logging plugin of that name
      // for 15 s before its 400 ("error looking up logging plugin bogus: plugin "bogus" not found").
      create('silent', { Cmd: ['sh', '-c', 'echo hidden'], HostConfig: { LogConfig: { Type: 'none' } } }),
      { as: 'inspect silent', method: 'GET', path: '/containers/{{silent.Id}}/json', compare: { fields: ['HostConfig.LogConfig', { path: 'HostConfig.Runtime', how: 'type' }] } },
      start('silent'),
      { as: 'logs of silent', method: 'GET', path: '/containers/{{silent.Id}}/logs', query: { stdout: 1 }, compare: { message: 'exact' } },
    ],
  },
  {
    name: 'details: empty endpoint aliases',
    steps: [
      { as: 'network', method: 'POST', path: '/networks/create', body: { Name: 'diff-details-net' }, compare: { fields: [{ path: 'Id', how: 'type' }] } },
      create('c', { Cmd: ['true'], NetworkingConfig: { EndpointsConfig: { 'diff-details-net': { Aliases: [] } } } }),
      { as: 'inspect', method: 'GET', path: '/containers/{{c.Id}}/json', compare: { fields: ['NetworkSettings.Networks.diff-details-net.Aliases'] } },
    ],
  },
  {
    name: 'details: container prune',
    steps: [
      { as: 'writer', cli: ['run', '--pull', 'never', '--name', 'diff-details-writer', BUSYBOX, 'sh', '-c', 'head -c 100000 /dev/zero > /blob'] },
      { as: 'prune', method: 'POST', path: '/containers/prune', compare: { fields: [{ path: 'ContainersDeleted', how: 'keys' }, { path: 'SpaceReclaimed', how: 'type' }] } },
    ],
  },
  {
    name: 'details: legacy links',
    steps: [
      create('web', { Cmd: ['sleep', '300'], Env: ['FOO=bar'], ExposedPorts: { '80/tcp': {}, '53/udp': {} } }, { name: 'diff-details-web' }),
      start('web'),
      { as: 'env through a link', cli: ['run', '--rm', '--pull', 'never', '--name', 'diff-details-client', '--link', 'diff-details-web:db', BUSYBOX, 'sh', '-c', 'env | grep ^DB_ | grep -v _ADDR= | grep -v ^DB_PORT= | grep -v _TCP= | grep -v _UDP= | sort'], compare: { text: true } },
      { as: 'hosts through a link', cli: ['run', '--rm', '--pull', 'never', '--link', 'diff-details-web:db', BUSYBOX, 'sh', '-c', 'grep -c "db [0-9a-f]* diff-details-web" /etc/hosts'], compare: { text: true } },
      create('linked', { Cmd: ['true'], HostConfig: { Links: ['diff-details-web:db'] } }, { name: 'diff-details-linked' }),
      { as: 'inspect linked', method: 'GET', path: '/containers/{{linked.Id}}/json', compare: { fields: ['HostConfig.Links'] } },
      create('link to nothing', { Cmd: ['true'], HostConfig: { Links: ['diff-details-nothing:x'] } }, { compare: { message: 'exact' } }),
      { as: 'remove link by default name', method: 'DELETE', path: '/containers/diff-details-linked', query: { link: true }, compare: { message: 'exact' } },
      { as: 'remove link', method: 'DELETE', path: '/containers/diff-details-linked/db', query: { link: true } },
      { as: 'inspect unlinked', method: 'GET', path: '/containers/{{linked.Id}}/json', compare: { fields: ['HostConfig.Links'] } },
    ],
  },
  {
    name: 'details: group-add, mac address, bind propagation',
    steps: [
      { as: 'group-add', cli: ['run', '--rm', '--pull', 'never', '--group-add', '1234', '--group-add', 'app', BUSYBOX, 'id'], compare: { text: true } },
      { as: 'group-add unknown', cli: ['run', '--rm', '--pull', 'never', '--group-add', 'nosuch', BUSYBOX, 'id'] },
      create('mac', { Cmd: ['sh', '-c', 'ip -o link show eth0 | grep -o "ether [^ ]*"'], MacAddress: '02:42:ac:11:00:98' }, { name: 'diff-details-mac' }),
      { as: 'start -a mac', cli: ['start', '-a', 'diff-details-mac'], compare: { text: true } },
      { as: 'inspect mac', method: 'GET', path: '/containers/{{mac.Id}}/json', compare: { fields: ['Config.MacAddress'] } },
      create('propagation', { Cmd: ['true'], HostConfig: { Binds: ['/tmp:/host:rshared'], Mounts: [{ Type: 'bind', Source: '/tmp', Target: '/b', BindOptions: { Propagation: 'rslave' } }] } }),
      { as: 'inspect propagation', method: 'GET', path: '/containers/{{propagation.Id}}/json', compare: { fields: ['Mounts.Destination=/host.Propagation', 'Mounts.Destination=/b.Propagation'] } },
    ],
  },
  {
    name: 'details: free IPAM subnets',
    note: 'Auto-allocated subnets differ by design (each test daemon has its own address pools), so only the answers are compared.',
    steps: [
      { as: 'auto', method: 'POST', path: '/networks/create', body: { Name: 'diff-details-auto' }, compare: { fields: [{ path: 'Id', how: 'type' }] } },
      { as: 'next subnet', method: 'POST', path: '/networks/create', body: { Name: 'diff-details-next', IPAM: { Config: [{ Subnet: '172.19.0.0/16' }] } }, compare: { fields: [{ path: 'Id', how: 'type' }] } },
      { as: 'far subnet', method: 'POST', path: '/networks/create', body: { Name: 'diff-details-far', IPAM: { Config: [{ Subnet: '10.99.0.0/24', Gateway: '10.99.0.1' }] } }, compare: { fields: [{ path: 'Id', how: 'type' }] } },
      { as: 'overlapping subnet', method: 'POST', path: '/networks/create', body: { Name: 'diff-details-overlap', IPAM: { Config: [{ Subnet: '10.99.0.128/25' }] } }, compare: { message: 'exact' } },
      { as: 'remove far', method: 'DELETE', path: '/networks/diff-details-far' },
      { as: 'far subnet again', method: 'POST', path: '/networks/create', body: { Name: 'diff-details-far2', IPAM: { Config: [{ Subnet: '10.99.0.0/24' }] } }, compare: { fields: [{ path: 'Id', how: 'type' }] } },
      { as: 'auto after', method: 'POST', path: '/networks/create', body: { Name: 'diff-details-auto2' }, compare: { fields: [{ path: 'Id', how: 'type' }] } },
      { as: 'remove auto', method: 'DELETE', path: '/networks/diff-details-auto' },
      { as: 'subnet with host bits', method: 'POST', path: '/networks/create', body: { Name: 'diff-details-hostbits', CheckDuplicate: true, IPAM: { Config: [{ Subnet: '10.10.10.10/24' }] } }, compare: { fields: [{ path: 'Id', how: 'type' }] } },
      { as: 'inspect host bits', method: 'GET', path: '/networks/diff-details-hostbits', compare: { fields: ['IPAM.Config'] } },
    ],
  },
];
