/** Create bodies and what inspect shows after create, after start and after exit. */
import type { FieldSpec, Scenario } from '../model';
import { NETWORK_ENDPOINT_EXTRA_FIELDS, NETWORK_ENDPOINT_FIELDS, STATE_FIELDS, create, createNetwork, inspect, kill, logs, start, wait } from './steps';

/**
 * What inspect of a plain busybox container shows. Left out on purpose: Driver and GraphDriver (dockerd
 * runs vfs; we have no storage driver), the *Path fields (file locations differ by nature), Platform,
 * MountLabel/ProcessLabel/AppArmorProfile (host security modules).
 */
const INSPECT_FIELDS: FieldSpec[] = [
  { path: '', how: 'keys' }, { path: 'State', how: 'keys' }, { path: 'Config', how: 'keys' },
  { path: 'HostConfig', how: 'keys' }, { path: 'NetworkSettings', how: 'keys' },
  { path: 'Name', how: 'normalised' }, { path: 'Image', how: 'normalised' }, 'Path', 'Args', 'RestartCount', 'ExecIDs',
  ...STATE_FIELDS,
  { path: 'Config.Hostname', how: 'normalised' }, 'Config.Domainname', 'Config.User', 'Config.Env', 'Config.Cmd',
  'Config.Entrypoint', 'Config.WorkingDir', 'Config.Labels', 'Config.Image', 'Config.Tty', 'Config.OpenStdin',
  'Config.StdinOnce', 'Config.AttachStdin', 'Config.AttachStdout', 'Config.AttachStderr', 'Config.ExposedPorts',
  'Config.Volumes', 'Config.OnBuild', 'Config.StopSignal', 'Config.Healthcheck',
  'HostConfig.NetworkMode', 'HostConfig.RestartPolicy', 'HostConfig.AutoRemove', 'HostConfig.Binds',
  'HostConfig.Mounts', 'HostConfig.Tmpfs', 'HostConfig.PortBindings', 'HostConfig.PublishAllPorts',
  'HostConfig.Privileged', 'HostConfig.LogConfig', 'HostConfig.Dns', 'HostConfig.ExtraHosts', 'HostConfig.CapAdd',
  'HostConfig.ShmSize', 'HostConfig.Init', 'Mounts',
  { path: 'NetworkSettings.Networks', how: 'keys' }, 'NetworkSettings.Ports', 'NetworkSettings.IPAddress',
  'NetworkSettings.Gateway', 'NetworkSettings.MacAddress', 'NetworkSettings.IPPrefixLen',
  { path: 'NetworkSettings.SandboxID', how: 'type' },
];

/** What start changes: state and network settings (Config and HostConfig are compared after create). */
const RUNNING_FIELDS: FieldSpec[] = [
  { path: '', how: 'keys' }, { path: 'State', how: 'keys' }, { path: 'NetworkSettings', how: 'keys' }, ...STATE_FIELDS,
  { path: 'NetworkSettings.Networks', how: 'keys' }, 'NetworkSettings.Ports', 'NetworkSettings.IPAddress',
  'NetworkSettings.Gateway', 'NetworkSettings.MacAddress', 'NetworkSettings.IPPrefixLen', 'RestartCount', 'ExecIDs',
];

const volumeMount = (target: string): FieldSpec[] => [
  `Mounts.Destination=${target}.Type`, `Mounts.Destination=${target}.Name`, `Mounts.Destination=${target}.Driver`,
  `Mounts.Destination=${target}.Mode`, `Mounts.Destination=${target}.RW`, `Mounts.Destination=${target}.Propagation`,
  { path: `Mounts.Destination=${target}.Source`, how: 'type' },
];

export const containerScenarios: Scenario[] = [
  {
    name: 'create: minimal, then start and exit',
    steps: [
      create('c', {}),
      inspect('c', 'inspect created', INSPECT_FIELDS),
      create('r', { Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] }),
      start('r'),
      { as: 'wait r', method: 'POST', path: '/containers/{{r.Id}}/wait', compare: { fields: ['StatusCode', 'Error'] } },
      inspect('r', 'inspect exited', [...STATE_FIELDS, ...NETWORK_ENDPOINT_FIELDS('bridge'), 'NetworkSettings.Ports', { path: 'NetworkSettings.Networks', how: 'keys' }]),
      logs('r'),
      logs('r', 'stderr'),
    ],
  },
  {
    name: 'create: running container on the default bridge',
    note: 'The addresses come from the default bridge 172.17.0.0/16 (dockerd runs its docker0 in a private network namespace).',
    steps: [
      create('c', { Cmd: ['sleep', '30'] }),
      start('c'),
      inspect('c', 'inspect running', [...RUNNING_FIELDS, ...NETWORK_ENDPOINT_FIELDS('bridge'), ...NETWORK_ENDPOINT_EXTRA_FIELDS('bridge')]),
      { as: 'bridge network', method: 'GET', path: '/networks/bridge', compare: { fields: [{ path: 'Containers', how: 'normalised' }] } },
      kill('c'),
      wait('c'),
      inspect('c', 'inspect killed', STATE_FIELDS),
    ],
  },
  {
    name: 'create: Env, Cmd, Entrypoint, WorkingDir, User, Labels',
    steps: [
      create('c', {
        Env: ['A=1', 'B=two words', 'PATH=/bin'], Entrypoint: ['/bin/sh', '-c'], Cmd: ['echo "$A $B"; pwd; id -u; id -g'],
        WorkingDir: '/tmp/work', User: 'app', Labels: { 'com.example.team': 'qa', empty: '' },
      }),
      inspect('c', 'inspect', ['Path', 'Args', 'Config.Env', 'Config.Cmd', 'Config.Entrypoint', 'Config.WorkingDir', 'Config.User', 'Config.Labels']),
      start('c'),
      wait('c'),
      logs('c'),
      create('numeric', { Cmd: ['id'], User: '1234:5678' }),
      start('numeric'),
      wait('numeric'),
      logs('numeric'),
      create('string cmd', { Cmd: 'echo from a string' }),
      inspect('string cmd', 'inspect string cmd', ['Config.Cmd', 'Path', 'Args']),
      create('entrypoint only', { Entrypoint: 'echo' }),
      inspect('entrypoint only', 'inspect entrypoint only', ['Config.Cmd', 'Config.Entrypoint', 'Path', 'Args']),
    ],
  },
  {
    name: 'create: Binds, Mounts, Tmpfs',
    steps: [
      create('c', {
        Cmd: ['sh', '-c', 'cat /data/hello.txt; touch /data/x 2>&1 || echo read-only; echo v > /vol/f; echo m > /vol2/f; df /tm /run/t | grep -c tmpfs'],
        HostConfig: {
          Binds: ['{{var.hostDir}}:/data:ro', 'diff-bind-vol:/vol'],
          Mounts: [
            { Type: 'volume', Source: 'diff-mount-vol', Target: '/vol2' },
            { Type: 'bind', Source: '{{var.hostDir}}', Target: '/bind2' },
            { Type: 'tmpfs', Target: '/tm' },
          ],
          Tmpfs: { '/run/t': 'size=64k' },
        },
      }),
      inspect('c', 'inspect created', [
        'HostConfig.Binds', 'HostConfig.Mounts', 'HostConfig.Tmpfs', { path: 'Mounts', how: 'keys' },
        ...volumeMount('/vol'), ...volumeMount('/vol2'), 'Mounts.Destination=/data', 'Mounts.Destination=/bind2',
        'Mounts.Destination=/tm', 'Mounts.Destination=/run/t',
      ]),
      start('c'),
      wait('c'),
      logs('c'),
      { as: 'volumes', method: 'GET', path: '/volumes', compare: { fields: [{ path: 'Volumes.*.Name', how: 'sorted' }] } },
    ],
  },
  {
    name: 'create: anonymous volume from Config.Volumes',
    steps: [
      create('c', { Volumes: { '/anon': {} } }),
      inspect('c', 'inspect', ['Config.Volumes', 'HostConfig.Binds', 'Mounts.0.Type', 'Mounts.0.Destination', 'Mounts.0.RW',
        { path: 'Mounts.0.Name', how: 'normalised' }, 'Mounts.0.Driver']),
      { as: 'volumes', method: 'GET', path: '/volumes', compare: { fields: [{ path: 'Volumes', how: 'keys' }] } },
    ],
  },
  {
    name: 'create: ExposedPorts and PortBindings',
    note: 'Host ports are chosen by the engine (HostPort ""), so only their shape is compared.',
    steps: [
      create('c', {
        Cmd: ['sleep', '30'], ExposedPorts: { '80/tcp': {}, '53/udp': {}, '9000/tcp': {} },
        HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
      }),
      inspect('c', 'inspect created', ['Config.ExposedPorts', 'HostConfig.PortBindings', 'HostConfig.PublishAllPorts', 'NetworkSettings.Ports']),
      start('c'),
      inspect('c', 'inspect running', [
        { path: 'NetworkSettings.Ports', how: 'keys' }, 'NetworkSettings.Ports.9000/tcp',
        { path: 'NetworkSettings.Ports.80/tcp.*.HostIp', how: 'sorted' }, { path: 'NetworkSettings.Ports.80/tcp.0.HostPort', how: 'type' },
        { path: 'NetworkSettings.Ports.53/udp.*.HostIp', how: 'sorted' },
      ]),
      { as: 'list', method: 'GET', path: '/containers/json', compare: { fields: [{ path: '0.Ports.*.PrivatePort', how: 'sorted' }, { path: '0.Ports.*.Type', how: 'sorted' }, { path: '0.Ports', how: 'keys' }] } },
      create('publish all', { Cmd: ['sleep', '30'], ExposedPorts: { '8080/tcp': {} }, HostConfig: { PublishAllPorts: true } }),
      start('publish all'),
      inspect('publish all', 'inspect publish all', [{ path: 'NetworkSettings.Ports', how: 'keys' }, { path: 'NetworkSettings.Ports.8080/tcp.*.HostIp', how: 'sorted' }]),
    ],
  },
  {
    name: 'create: RestartPolicy',
    steps: [
      create('always', { HostConfig: { RestartPolicy: { Name: 'always' } } }),
      inspect('always', 'inspect always', ['HostConfig.RestartPolicy']),
      create('unless', { HostConfig: { RestartPolicy: { Name: 'unless-stopped' } } }),
      inspect('unless', 'inspect unless-stopped', ['HostConfig.RestartPolicy']),
      create('c', { Cmd: ['sh', '-c', 'exit 1'], HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } } }),
      inspect('c', 'inspect on-failure', ['HostConfig.RestartPolicy', 'RestartCount']),
      start('c'),
      {
        as: 'after retries', method: 'GET', path: '/containers/{{c.Id}}/json',
        until: { fields: { RestartCount: 2, 'State.Status': 'exited' }, timeoutMs: 10_000 },
        compare: { fields: ['RestartCount', 'State.Status', 'State.ExitCode', 'State.Restarting'] },
      },
    ],
  },
  {
    name: 'create: Healthcheck',
    steps: [
      create('c', {
        Cmd: ['sleep', '30'],
        Healthcheck: { Test: ['CMD-SHELL', 'echo ok'], Interval: 200_000_000, Timeout: 2_000_000_000, Retries: 2, StartPeriod: 0 },
      }),
      inspect('c', 'inspect created', ['Config.Healthcheck', 'State.Health']),
      start('c'),
      {
        as: 'healthy', method: 'GET', path: '/containers/{{c.Id}}/json',
        until: { fields: { 'State.Health.Status': 'healthy' }, timeoutMs: 10_000 },
        compare: { fields: ['State.Health.Status', 'State.Health.FailingStreak', 'State.Health.Log.0.ExitCode', 'State.Health.Log.0.Output'] },
      },
      { as: 'list healthy', method: 'GET', path: '/containers/json', query: { filters: { health: ['healthy'] } }, compare: { fields: [{ path: '*.Status', how: 'type' }, { path: '', how: 'keys' }] } },
      create('sick', { Cmd: ['sleep', '30'], Healthcheck: { Test: ['CMD', 'false'], Interval: 200_000_000, Retries: 1 } }),
      start('sick'),
      {
        as: 'unhealthy', method: 'GET', path: '/containers/{{sick.Id}}/json',
        until: { fields: { 'State.Health.Status': 'unhealthy' }, timeoutMs: 10_000 },
        compare: { fields: ['State.Health.Status', 'State.Health.FailingStreak', 'State.Health.Log.0.ExitCode'] },
      },
      create('none', { Healthcheck: { Test: ['NONE'] } }),
      inspect('none', 'inspect NONE', ['Config.Healthcheck', 'State.Health']),
    ],
  },
  {
    name: 'create: NetworkingConfig aliases on a user network',
    steps: [
      createNetwork('net', { Name: 'diff-alias-net', IPAM: { Config: [{ Subnet: '10.232.1.0/24' }] } }),
      create('c', {
        Cmd: ['sleep', '30'], HostConfig: { NetworkMode: 'diff-alias-net' },
        NetworkingConfig: { EndpointsConfig: { 'diff-alias-net': { Aliases: ['web', 'www'] } } },
      }, { name: 'diff-aliased' }),
      inspect('c', 'inspect created', ['HostConfig.NetworkMode', { path: 'NetworkSettings.Networks', how: 'keys' }, ...NETWORK_ENDPOINT_FIELDS('diff-alias-net')]),
      start('c'),
      inspect('c', 'inspect running', [
        { path: 'NetworkSettings.Networks', how: 'keys' }, ...NETWORK_ENDPOINT_FIELDS('diff-alias-net'),
        ...NETWORK_ENDPOINT_EXTRA_FIELDS('diff-alias-net'), 'NetworkSettings.IPAddress',
      ]),
      { as: 'network', method: 'GET', path: '/networks/diff-alias-net', compare: { fields: [{ path: 'Containers', how: 'normalised' }] } },
      create('peer', { Cmd: ['sh', '-c', 'grep -c diff-aliased /etc/hosts; ping -c1 -W2 web >/dev/null && echo reached web'], HostConfig: { NetworkMode: 'diff-alias-net' } }),
      start('peer'),
      wait('peer'),
      logs('peer'),
    ],
  },
  {
    name: 'create: AutoRemove removes the container after exit',
    steps: [
      // Long enough for the wait request to arrive before the exit on a loaded machine.
      create('c', { Cmd: ['sleep', '1'], HostConfig: { AutoRemove: true } }),
      inspect('c', 'inspect created', ['HostConfig.AutoRemove']),
      start('c'),
      { as: 'wait removed', method: 'POST', path: '/containers/{{c.Id}}/wait', query: { condition: 'removed' }, compare: { fields: ['StatusCode'] } },
      { as: 'inspect gone', method: 'GET', path: '/containers/{{c.Id}}/json', compare: { message: 'normalised' } },
    ],
  },
];

