/** Networks (IPAM, overlaps, connect/disconnect) and volumes. Subnets are in 10.232.0.0/16, used by nobody else. */
import type { FieldSpec, HttpStep, Scenario } from '../model';
import { NETWORK_ENDPOINT_FIELDS, create, createNetwork, createVolume, inspect, start } from './steps';

/** Top-level keys and IPAM.Options are compared once, in 'networks: create with IPAM'. */
const NETWORK_FIELDS: FieldSpec[] = [
  'Name', { path: 'Id', how: 'normalised' }, 'Driver', 'Scope', 'EnableIPv6', 'IPAM.Driver', 'IPAM.Config', 'Internal',
  'Attachable', 'Ingress', 'ConfigFrom', 'ConfigOnly', 'Containers', 'Options', 'Labels', { path: 'Created', how: 'type' },
];
const inspectNetwork = (as: string, ref: string, fields = NETWORK_FIELDS): HttpStep =>
  ({ as, method: 'GET', path: `/networks/${ref}`, compare: { fields } });
const createNetworkFails = (as: string, body: Record<string, unknown>): HttpStep =>
  ({ as, method: 'POST', path: '/networks/create', body: { CheckDuplicate: true, ...body }, compare: { message: 'normalised' } });
const connect = (as: string, net: string, container: string, endpoint?: Record<string, unknown>): HttpStep =>
  ({ as, method: 'POST', path: `/networks/${net}/connect`, body: { Container: container, EndpointConfig: endpoint }, compare: { message: 'normalised' } });
const disconnect = (as: string, net: string, container: string): HttpStep =>
  ({ as, method: 'POST', path: `/networks/${net}/disconnect`, body: { Container: container }, compare: { message: 'normalised' } });

const VOLUME_FIELDS: FieldSpec[] = [
  { path: '', how: 'keys' }, 'Name', 'Driver', 'Labels', 'Options', 'Scope', { path: 'Mountpoint', how: 'type' },
  { path: 'CreatedAt', how: 'type' }, 'Status', 'UsageData',
];

export const networkScenarios: Scenario[] = [
  {
    name: 'networks: predefined',
    steps: [
      inspectNetwork('bridge', 'bridge', ['Name', 'Driver', 'Scope', 'IPAM.Driver', 'IPAM.Config', 'Internal', 'Attachable', 'Options', 'Labels', 'EnableIPv6']),
      inspectNetwork('host', 'host'),
      inspectNetwork('none', 'none'),
      { as: 'list', method: 'GET', path: '/networks', compare: { fields: [{ path: '*.Name', how: 'sorted' }, { path: '*.Driver', how: 'sorted' }] } },
    ],
  },
  {
    name: 'networks: create with IPAM',
    steps: [
      createNetwork('net', {
        Name: 'diff-ipam', Labels: { team: 'qa' }, Options: { 'com.docker.network.bridge.enable_icc': 'true' },
        IPAM: { Driver: 'default', Config: [{ Subnet: '10.232.10.0/24', Gateway: '10.232.10.254', IPRange: '10.232.10.128/25' }] },
      }),
      inspectNetwork('inspect', 'diff-ipam', [{ path: '', how: 'keys' }, ...NETWORK_FIELDS, 'IPAM.Options']),
      inspectNetwork('inspect by id', '{{net.Id}}', ['Name']),
      inspectNetwork('inspect by id prefix', '{{net.Id@12}}', ['Name']),
      createNetwork('internal', { Name: 'diff-internal', Internal: true, Attachable: true, IPAM: { Config: [{ Subnet: '10.232.11.0/24' }] } }),
      inspectNetwork('inspect internal', 'diff-internal'),
      createNetwork('default pool', { Name: 'diff-default-pool' }),
      inspectNetwork('inspect default pool', 'diff-default-pool', ['IPAM.Driver', { path: 'IPAM.Config', how: 'keys' }, { path: 'IPAM.Config.0', how: 'keys' }]),
      create('c', { Cmd: ['sleep', '30'], HostConfig: { NetworkMode: 'diff-ipam' } }),
      start('c'),
      inspect('c', 'container on it', NETWORK_ENDPOINT_FIELDS('diff-ipam')),
      create('fixed ip', {
        Cmd: ['sleep', '30'], HostConfig: { NetworkMode: 'diff-ipam' },
        NetworkingConfig: { EndpointsConfig: { 'diff-ipam': { IPAMConfig: { IPv4Address: '10.232.10.7' } } } },
      }),
      start('fixed ip'),
      inspect('fixed ip', 'container with a fixed ip', NETWORK_ENDPOINT_FIELDS('diff-ipam')),
      inspectNetwork('network with containers', 'diff-ipam', [{ path: 'Containers', how: 'normalised' }]),
    ],
  },
  {
    name: 'networks: invalid creates',
    steps: [
      createNetwork('first', { Name: 'diff-dup-net', IPAM: { Config: [{ Subnet: '10.232.20.0/24' }] } }),
      createNetworkFails('duplicate name', { Name: 'diff-dup-net' }),
      createNetworkFails('overlapping subnet', { Name: 'diff-overlap', IPAM: { Config: [{ Subnet: '10.232.20.128/25' }] } }),
      createNetworkFails('invalid subnet', { Name: 'diff-bad-subnet', IPAM: { Config: [{ Subnet: 'notasubnet' }] } }),
      createNetworkFails('gateway outside subnet', { Name: 'diff-bad-gw', IPAM: { Config: [{ Subnet: '10.232.21.0/24', Gateway: '10.232.22.1' }] } }),
      createNetworkFails('ip range outside subnet', { Name: 'diff-bad-range', IPAM: { Config: [{ Subnet: '10.232.23.0/24', IPRange: '10.232.24.0/25' }] } }),
      createNetworkFails('no name', {}),
      { as: 'malformed body', method: 'POST', path: '/networks/create', rawBody: '{nope', compare: { message: 'exact' } },
      createNetworkFails('host driver', { Name: 'diff-host2', Driver: 'host' }),
      createNetworkFails('predefined name', { Name: 'bridge' }),
    ],
  },
  {
    name: 'networks: connect and disconnect',
    steps: [
      createNetwork('net', { Name: 'diff-conn', IPAM: { Config: [{ Subnet: '10.232.30.0/24' }] } }),
      create('c', { Cmd: ['sleep', '30'] }, { name: 'diff-conn-c' }),
      connect('connect created', 'diff-conn', 'diff-conn-c', { Aliases: ['alpha'] }),
      inspect('c', 'created, connected', [{ path: 'NetworkSettings.Networks', how: 'keys' }, ...NETWORK_ENDPOINT_FIELDS('diff-conn')]),
      start('c'),
      inspect('c', 'started, connected', [{ path: 'NetworkSettings.Networks', how: 'keys' }, ...NETWORK_ENDPOINT_FIELDS('diff-conn')]),
      connect('connect again', 'diff-conn', '{{c.Id}}'),
      disconnect('disconnect bridge', 'bridge', 'diff-conn-c'),
      inspect('c', 'after disconnecting bridge', [{ path: 'NetworkSettings.Networks', how: 'keys' }, 'NetworkSettings.IPAddress']),
      disconnect('disconnect bridge again', 'bridge', 'diff-conn-c'),
      connect('connect bridge', 'bridge', 'diff-conn-c'),
      // Addresses on the default bridge are compared in 'create: running container on the default bridge'.
      inspect('c', 'after reconnecting bridge', [
        { path: 'NetworkSettings.Networks', how: 'keys' }, { path: 'NetworkSettings.Networks.bridge.NetworkID', how: 'normalised' },
        { path: 'NetworkSettings.Networks.bridge.IPAddress', how: 'type' }, { path: 'NetworkSettings.Networks.bridge.EndpointID', how: 'type' },
      ]),
      connect('connect unknown network', 'diff-nosuch', 'diff-conn-c'),
      connect('connect unknown container', 'diff-conn', 'diff-nosuch'),
      disconnect('disconnect unknown container', 'diff-conn', 'diff-nosuch'),
      connect('connect to host', 'host', 'diff-conn-c'),
      connect('connect to none', 'none', 'diff-conn-c'),
      create('host mode', { Cmd: ['true'], HostConfig: { NetworkMode: 'host' } }),
      connect('connect host-mode container', 'diff-conn', '{{host mode.Id}}'),
      disconnect('disconnect', 'diff-conn', 'diff-conn-c'),
      inspect('c', 'after disconnect', [{ path: 'NetworkSettings.Networks', how: 'keys' }]),
      inspectNetwork('network after disconnect', 'diff-conn', ['Containers']),
    ],
  },
  {
    name: 'networks: host and none modes',
    steps: [
      create('host', { Cmd: ['sleep', '30'], HostConfig: { NetworkMode: 'host' } }),
      start('host'),
      inspect('host', 'inspect host', ['HostConfig.NetworkMode', { path: 'NetworkSettings.Networks', how: 'keys' }, 'NetworkSettings.Networks.host.IPAddress', 'NetworkSettings.Ports']),
      create('none', { Cmd: ['sleep', '30'], HostConfig: { NetworkMode: 'none' } }),
      start('none'),
      inspect('none', 'inspect none', ['HostConfig.NetworkMode', { path: 'NetworkSettings.Networks', how: 'keys' }, 'NetworkSettings.Networks.none.IPAddress']),
      create('joined', { Cmd: ['sleep', '30'], HostConfig: { NetworkMode: 'container:{{none.Id}}' } }),
      inspect('joined', 'inspect container mode', [{ path: 'HostConfig.NetworkMode', how: 'normalised' }, { path: 'NetworkSettings.Networks', how: 'keys' }]),
    ],
  },
  {
    name: 'networks: prune',
    steps: [
      createNetwork('unused', { Name: 'diff-prune-unused' }),
      createNetwork('used', { Name: 'diff-prune-used' }),
      create('c', { Cmd: ['true'], HostConfig: { NetworkMode: 'diff-prune-used' } }),
      { as: 'prune', method: 'POST', path: '/networks/prune', compare: { fields: [{ path: 'NetworksDeleted', how: 'sorted' }] } },
      { as: 'list', method: 'GET', path: '/networks', compare: { fields: [{ path: '*.Name', how: 'sorted' }] } },
    ],
  },
  {
    name: 'volumes: create, inspect, remove, prune',
    steps: [
      { as: 'named', method: 'POST', path: '/volumes/create', body: { Name: 'diff-vol', Labels: { k: 'v' } }, compare: { fields: VOLUME_FIELDS } },
      { as: 'inspect', method: 'GET', path: '/volumes/diff-vol', compare: { fields: VOLUME_FIELDS } },
      createVolume('same name again', { Name: 'diff-vol', Labels: { k: 'v' } }),
      { as: 'no labels', method: 'POST', path: '/volumes/create', body: { Name: 'diff-vol-plain' }, compare: { fields: ['Labels', 'Options'] } },
      { as: 'anonymous', method: 'POST', path: '/volumes/create', body: {}, compare: { fields: [{ path: 'Name', how: 'normalised' }, 'Driver', 'Labels'] } },
      { as: 'bad name', method: 'POST', path: '/volumes/create', body: { Name: '../escape' }, compare: { message: 'exact' } },
      { as: 'list', method: 'GET', path: '/volumes', compare: { fields: [{ path: '', how: 'keys' }, { path: 'Volumes', how: 'keys' }, 'Warnings'] } },
      create('c', { Cmd: ['true'], HostConfig: { Binds: ['diff-vol:/v'] } }),
      { as: 'prune', method: 'POST', path: '/volumes/prune', compare: { fields: [{ path: 'VolumesDeleted', how: 'normalised-sorted' }, { path: 'SpaceReclaimed', how: 'type' }] } },
      { as: 'list after prune', method: 'GET', path: '/volumes', compare: { fields: [{ path: 'Volumes.*.Name', how: 'sorted' }] } },
      { as: 'remove', method: 'DELETE', path: '/volumes/diff-vol', query: { force: 1 }, compare: { message: 'normalised' } },
    ],
  },
  {
    name: 'volumes: local driver options',
    note: 'Docker mounts such a volume (here a tmpfs) when a container uses it; creating it mounts nothing.',
    steps: [
      createVolume('with options', { Name: 'diff-vol-opts', Driver: 'local', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } }),
      { as: 'inspect', method: 'GET', path: '/volumes/diff-vol-opts', compare: { fields: ['Options'] } },
    ],
  },
];
