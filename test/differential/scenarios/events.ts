/**
 * The event sequences clients see. Each scenario marks the clock, acts, then reads /events between the mark
 * and now: scenarios run one at a time, so only their own events fall in that window.
 */
import type { HttpStep, Scenario } from '../model';
import { BUSYBOX, create, createNetwork, createVolume, start, wait } from './steps';

const eventsSince = (as: string, mark: string, filters?: Record<string, string[]>): HttpStep => ({
  as, method: 'GET', path: '/events', query: { since: `{{mark.${mark}}}`, until: '{{now}}', ...(filters ? { filters } : {}) },
  compare: { events: true },
});

export const eventScenarios: Scenario[] = [
  {
    name: 'events: docker run --rm',
    steps: [
      { mark: 't0' },
      { as: 'run', cli: ['run', '--rm', '--pull', 'never', BUSYBOX, 'echo', 'hi'], compare: { text: true } },
      eventsSince('events', 't0'),
    ],
  },
  {
    name: 'events: docker run on a user network with a named volume',
    steps: [
      createNetwork('net', { Name: 'diff-ev-net', IPAM: { Config: [{ Subnet: '10.232.40.0/24' }] } }),
      { mark: 't0' },
      { as: 'run', cli: ['run', '--rm', '--pull', 'never', '--network', 'diff-ev-net', '-v', 'diff-ev-vol:/v', BUSYBOX, 'sh', '-c', 'echo x > /v/f; cat /v/f'], compare: { text: true } },
      eventsSince('events', 't0'),
      eventsSince('network events only', 't0', { type: ['network'] }),
      eventsSince('volume events only', 't0', { type: ['volume'] }),
    ],
  },
  {
    name: 'events: docker run -d, exec, stop, rm',
    steps: [
      { mark: 't0' },
      { as: 'run -d', cli: ['run', '-d', '--pull', 'never', '--name', 'diff-ev-d', BUSYBOX, 'sleep', '30'] },
      { as: 'exec', cli: ['exec', 'diff-ev-d', 'echo', 'in exec'], compare: { text: true } },
      { as: 'kill', cli: ['kill', 'diff-ev-d'] },
      // kill returns once the signal is sent; the die event comes after. Waiting keeps the order fixed.
      { as: 'wait', cli: ['wait', 'diff-ev-d'], compare: { text: true } },
      { as: 'rename', cli: ['rename', 'diff-ev-d', 'diff-ev-renamed'] },
      { as: 'rm', cli: ['rm', 'diff-ev-renamed'] },
      eventsSince('events', 't0'),
      eventsSince('container events only', 't0', { type: ['container'] }),
      eventsSince('die and destroy only', 't0', { event: ['die', 'destroy'] }),
    ],
  },
  {
    name: 'events: networks and volumes through the API',
    steps: [
      { mark: 't0' },
      createNetwork('net', { Name: 'diff-ev-api-net' }),
      createVolume('vol', { Name: 'diff-ev-api-vol' }),
      create('c', { Cmd: ['true'] }, { name: 'diff-ev-api-c' }),
      { as: 'connect', method: 'POST', path: '/networks/diff-ev-api-net/connect', body: { Container: 'diff-ev-api-c' } },
      { as: 'disconnect', method: 'POST', path: '/networks/diff-ev-api-net/disconnect', body: { Container: 'diff-ev-api-c' } },
      { as: 'remove network', method: 'DELETE', path: '/networks/diff-ev-api-net' },
      { as: 'remove volume', method: 'DELETE', path: '/volumes/diff-ev-api-vol' },
      { as: 'remove container', method: 'DELETE', path: '/containers/diff-ev-api-c' },
      eventsSince('events', 't0'),
    ],
  },
  {
    name: 'events: fields of a die event',
    steps: [
      create('c', { Cmd: ['sh', '-c', 'exit 5'], Labels: { team: 'qa' } }, { name: 'diff-ev-die' }),
      { mark: 't0' },
      start('c'),
      wait('c'),
      {
        as: 'die event', method: 'GET', path: '/events', query: { since: '{{mark.t0}}', until: '{{now}}', filters: { event: ['die'] } },
        compare: {
          fields: [
            { path: '', how: 'keys' }, 'Type', 'Action', 'scope', 'status', 'from', { path: 'id', how: 'normalised' },
            { path: 'Actor.ID', how: 'normalised' }, 'Actor.Attributes', { path: 'time', how: 'type' }, { path: 'timeNano', how: 'type' },
          ],
        },
      },
    ],
  },
];
