/** Invalid create bodies and the error answers: 400, 404, 409, 403 and the 304s. */
import type { Scenario } from '../model';
import { create, createFails, createNetwork, createVolume, getFails, inspect, start, wait } from './steps';

export const errorScenarios: Scenario[] = [
  {
    // The start's 500 and the exit code it leaves: 127 for a command not found, 126 for one that cannot be
    // executed (a directory: runc's LookPath answers permission denied). The messages are runc's, not compared.
    name: 'start failures: a missing command and a directory as the command',
    steps: [
      create('missing', { Cmd: ['diff-no-such-command'] }),
      start('missing'),
      inspect('missing', 'missing after start', ['State.Status', 'State.ExitCode']),
      create('directory', { Cmd: ['/'] }),
      start('directory'),
      inspect('directory', 'directory after start', ['State.Status', 'State.ExitCode']),
    ],
  },
  {
    name: 'create invalid: names',
    steps: [
      createFails('space in name', { Cmd: ['true'] }, { name: 'bad name' }),
      createFails('leading dash', { Cmd: ['true'] }, { name: '-x' }),
      create('first', { Cmd: ['true'] }, { name: 'diff-dup' }),
      createFails('duplicate', { Cmd: ['true'] }, { name: 'diff-dup', normalised: true }),
      createFails('duplicate with slash', { Cmd: ['true'] }, { name: '/diff-dup', normalised: true }),
    ],
  },
  {
    name: 'create invalid: image and body',
    steps: [
      createFails('unknown image', { Image: 'diff-nosuch:1' }),
      createFails('unknown image without tag', { Image: 'diff-nosuch' }),
      { as: 'bad JSON', method: 'POST', path: '/containers/create', rawBody: '{"Image": "busybox:latest"', compare: { message: 'exact' } },
      { as: 'empty body', method: 'POST', path: '/containers/create', rawBody: '', compare: { message: 'exact' } },
      { as: 'no image', method: 'POST', path: '/containers/create', body: { Cmd: ['true'] }, compare: { message: 'exact' } },
      createFails('Env not a list', { Env: 'A=1' }),
      createFails('Labels not a map', { Labels: ['a=b'] }),
      createFails('Memory not a number', { HostConfig: { Memory: 'lots' } }),
      createFails('bind without target', { HostConfig: { Binds: ['nocolon'] } }),
      createFails('bind relative source', { HostConfig: { Binds: ['relative/dir:/x'] } }),
      createFails('mount without target', { HostConfig: { Mounts: [{ Type: 'volume', Source: 'v' }] } }),
      createFails('mount unknown type', { HostConfig: { Mounts: [{ Type: 'weird', Target: '/w' }] } }),
      createFails('unknown network mode', { HostConfig: { NetworkMode: 'diff-nosuch-net' } }),
    ],
  },
  {
    name: 'create invalid: restart policies',
    steps: [
      createFails('unknown policy', { HostConfig: { RestartPolicy: { Name: 'sometimes' } } }),
      createFails('always with retries', { HostConfig: { RestartPolicy: { Name: 'always', MaximumRetryCount: 3 } } }),
      createFails('negative retries', { HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: -1 } } }),
      createFails('AutoRemove with always', { HostConfig: { AutoRemove: true, RestartPolicy: { Name: 'always' } } }),
      createFails('AutoRemove with on-failure', { HostConfig: { AutoRemove: true, RestartPolicy: { Name: 'on-failure' } } }),
      create('AutoRemove with no', { HostConfig: { AutoRemove: true, RestartPolicy: { Name: 'no' } } }),
    ],
  },
  {
    name: 'create invalid: ports',
    steps: [
      createFails('exposed port not a number', { ExposedPorts: { 'abc/tcp': {} } }),
      createFails('exposed port bad protocol', { ExposedPorts: { '80/sctpx': {} } }),
      createFails('host port not a number', { HostConfig: { PortBindings: { '80/tcp': [{ HostPort: 'notaport' }] } } }),
      createFails('container port out of range', { HostConfig: { PortBindings: { '70000/tcp': [{ HostPort: '1' }] } } }),
      createFails('host ip not an address', { HostConfig: { PortBindings: { '80/tcp': [{ HostIp: 'nowhere', HostPort: '8080' }] } } }),
    ],
  },
  {
    name: 'create invalid: healthcheck',
    steps: [
      createFails('interval too short', { Healthcheck: { Test: ['CMD', 'true'], Interval: 1000 } }),
      createFails('negative retries', { Healthcheck: { Test: ['CMD', 'true'], Retries: -1 } }),
    ],
  },
  {
    name: 'errors: 404 for unknown objects',
    steps: [
      getFails('inspect container', '/containers/diff-nope/json'),
      { as: 'start container', method: 'POST', path: '/containers/diff-nope/start', compare: { message: 'exact' } },
      { as: 'remove container', method: 'DELETE', path: '/containers/diff-nope', compare: { message: 'exact' } },
      { as: 'logs of container', method: 'GET', path: '/containers/diff-nope/logs', query: { stdout: 1 }, compare: { message: 'exact' } },
      getFails('inspect image', '/images/diff-nope:1/json'),
      { as: 'remove image', method: 'DELETE', path: '/images/diff-nope:1', compare: { message: 'exact' } },
      getFails('inspect network', '/networks/diff-nope'),
      { as: 'remove network', method: 'DELETE', path: '/networks/diff-nope', compare: { message: 'exact' } },
      getFails('inspect volume', '/volumes/diff-nope'),
      { as: 'remove volume', method: 'DELETE', path: '/volumes/diff-nope', compare: { message: 'exact' } },
      { as: 'force remove volume', method: 'DELETE', path: '/volumes/diff-nope', query: { force: 1 } },
      getFails('inspect exec', '/exec/diff-nope/json'),
      { as: 'start exec', method: 'POST', path: '/exec/diff-nope/start', body: { Detach: true }, compare: { message: 'exact' } },
      { as: 'exec in unknown container', method: 'POST', path: '/containers/diff-nope/exec', body: { Cmd: ['true'] }, compare: { message: 'exact' } },
    ],
  },
  {
    name: 'errors: 409 conflicts and 304s on a running container',
    steps: [
      create('c', { Cmd: ['sleep', '30'] }, { name: 'diff-running' }),
      { as: 'stop created', method: 'POST', path: '/containers/{{c.Id}}/stop' },
      { as: 'kill created', method: 'POST', path: '/containers/{{c.Id}}/kill', compare: { message: 'normalised' } },
      { as: 'exec in created', method: 'POST', path: '/containers/{{c.Id}}/exec', body: { Cmd: ['true'] }, compare: { message: 'normalised' } },
      start('c'),
      { as: 'start started', method: 'POST', path: '/containers/{{c.Id}}/start' },
      { as: 'remove running', method: 'DELETE', path: '/containers/{{c.Id}}', compare: { message: 'normalised' } },
      { as: 'remove image in use', method: 'DELETE', path: '/images/busybox:latest', compare: { message: 'normalised' } },
      create('other', { Cmd: ['true'] }, { name: 'diff-other' }),
      { as: 'rename to a used name', method: 'POST', path: '/containers/{{other.Id}}/rename', query: { name: 'diff-running' }, compare: { message: 'normalised' } },
      { as: 'kill bad signal', method: 'POST', path: '/containers/{{c.Id}}/kill', query: { signal: 'SIGNOPE' }, compare: { message: 'exact' } },
      { as: 'kill', method: 'POST', path: '/containers/{{c.Id}}/kill', query: { signal: 'KILL' } },
      wait('c'),
      { as: 'stop stopped', method: 'POST', path: '/containers/{{c.Id}}/stop' },
      // Only on an exited container: dockerd 20.10 takes an unknown condition as not-running and would block.
      { as: 'wait bad condition', method: 'POST', path: '/containers/{{c.Id}}/wait', query: { condition: 'sometime' }, compare: { message: 'exact' } },
      { as: 'kill stopped', method: 'POST', path: '/containers/{{c.Id}}/kill', compare: { message: 'normalised' } },
      { as: 'remove stopped', method: 'DELETE', path: '/containers/{{c.Id}}' },
    ],
  },
  {
    name: 'errors: removing networks and volumes in use',
    steps: [
      createNetwork('net', { Name: 'diff-busy-net' }),
      createVolume('vol', { Name: 'diff-busy-vol' }),
      create('c', { Cmd: ['sleep', '30'], HostConfig: { NetworkMode: 'diff-busy-net', Binds: ['diff-busy-vol:/v'] } }),
      start('c'),
      { as: 'remove network in use', method: 'DELETE', path: '/networks/diff-busy-net', compare: { message: 'normalised' } },
      { as: 'remove volume in use', method: 'DELETE', path: '/volumes/diff-busy-vol', compare: { message: 'normalised' } },
      { as: 'remove bridge', method: 'DELETE', path: '/networks/bridge', compare: { message: 'exact' } },
      { as: 'remove host', method: 'DELETE', path: '/networks/host', compare: { message: 'exact' } },
      { as: 'remove running by force', method: 'DELETE', path: '/containers/{{c.Id}}', query: { force: 1 } },
      { as: 'remove network', method: 'DELETE', path: '/networks/diff-busy-net' },
      { as: 'remove volume', method: 'DELETE', path: '/volumes/diff-busy-vol' },
    ],
  },
  {
    name: 'errors: exec lifecycle',
    steps: [
      create('c', { Cmd: ['sleep', '30'] }),
      start('c'),
      { as: 'exec', method: 'POST', path: '/containers/{{c.Id}}/exec', body: { Cmd: ['sh', '-c', 'exit 7'] }, compare: { fields: [{ path: 'Id', how: 'type' }] } },
      { as: 'exec created', method: 'GET', path: '/exec/{{exec.Id}}/json', compare: { fields: ['Running', 'ExitCode', 'ProcessConfig', 'OpenStdin', 'OpenStdout', 'OpenStderr', { path: 'ContainerID', how: 'normalised' }, { path: 'Pid', how: 'type' }, { path: '', how: 'keys' }] } },
      { as: 'exec start', method: 'POST', path: '/exec/{{exec.Id}}/start', body: { Detach: true } },
      {
        as: 'exec finished', method: 'GET', path: '/exec/{{exec.Id}}/json',
        until: { fields: { Running: false, ExitCode: 7 }, timeoutMs: 10_000 },
        compare: { fields: ['Running', 'ExitCode'] },
      },
      { as: 'exec start again', method: 'POST', path: '/exec/{{exec.Id}}/start', body: { Detach: true }, compare: { message: 'normalised' } },
      { as: 'container ExecIDs', method: 'GET', path: '/containers/{{c.Id}}/json', compare: { fields: [{ path: 'ExecIDs', how: 'normalised' }] } },
      { as: 'exec without Cmd', method: 'POST', path: '/containers/{{c.Id}}/exec', body: {}, compare: { message: 'exact' } },
    ],
  },
  {
    name: 'errors: wait and logs of exited containers',
    steps: [
      create('c', { Cmd: ['sh', '-c', 'exit 2'] }),
      start('c'),
      wait('c'),
      { as: 'wait again', method: 'POST', path: '/containers/{{c.Id}}/wait', compare: { fields: ['StatusCode'] } },
      { as: 'start exited again', method: 'POST', path: '/containers/{{c.Id}}/start' },
      { as: 'wait after restart', method: 'POST', path: '/containers/{{c.Id}}/wait', compare: { fields: ['StatusCode'] } },
      { as: 'inspect', method: 'GET', path: '/containers/{{c.Id}}/json', compare: { fields: ['RestartCount', 'State.ExitCode', 'State.Status'] } },
    ],
  },
];
