/**
 * Client errors that used to be 500s or 201s (issue 13, item 5): what dockerd answers to each, beside ours.
 * Where dockerd 20.10 accepts at create what fails only at start, or answers a 500 for the client's mistake,
 * the difference is listed as deliberate in scenarios.ts.
 */
import type { Scenario } from '../model';
import { createFails, listContainers, create } from './steps';

const LONG = 'a'.repeat(300);

export const clientErrorScenarios: Scenario[] = [
  {
    name: 'client errors: create validation',
    steps: [
      { as: 'create as text/plain', method: 'POST', path: '/containers/create', body: { Image: 'busybox:latest', Cmd: ['true'] }, headers: { 'Content-Type': 'text/plain' }, compare: { message: 'exact' } },
      createFails('relative WorkingDir', { Cmd: ['true'], WorkingDir: 'relative/dir' }),
      createFails('host port out of range', { Cmd: ['true'], HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '99999' }] } } }),
      createFails('negative host port', { Cmd: ['true'], HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '-1' }] } } }),
      createFails('reversed container port range', { Cmd: ['true'], HostConfig: { PortBindings: { '80-70/tcp': [{ HostPort: '1' }] } } }),
      createFails('exposed port out of range', { Cmd: ['true'], ExposedPorts: { '99999/tcp': {} } }),
      createFails('host ip not an address', { Cmd: ['true'], HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '999.1.1.1', HostPort: '8080' }] } } }),
      createFails('bind on /', { Cmd: ['true'], HostConfig: { Binds: ['/tmp:/'] } }),
      createFails('mount on /', { Cmd: ['true'], HostConfig: { Mounts: [{ Type: 'bind', Source: '/tmp', Target: '/' }] } }),
      createFails('ulimit soft above hard', { Cmd: ['true'], HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 20, Hard: 10 }] } }),
    ],
  },
  {
    name: 'client errors: bodies, names and filters',
    steps: [
      { as: 'disconnect a number', method: 'POST', path: '/networks/bridge/disconnect', body: { Container: 5 }, compare: { message: 'exact' } },
      create('c', { Cmd: ['true'] }, { name: 'diff-client-errors' }),
      listContainers('name filter not a regex', { name: ['('] }),
      { as: 'volume name too long', method: 'POST', path: '/volumes/create', body: { Name: LONG } },
      { as: 'load garbage', method: 'POST', path: '/images/load', rawBody: 'garbage' },
    ],
  },
];
