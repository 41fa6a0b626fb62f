/**
 * The registry round trip beside dockerd's (issue 14, item 6): push, rmi, pull, login, distribution and the
 * errors on the way. Each engine has its own pair of registries at the same addresses (`{{var.registry}}`,
 * open; `{{var.lockedRegistry}}`, htpasswd auth), started by suite.ts.
 */
import type { HttpStep, Scenario } from '../model';
import { create, start, wait } from './steps';

export const REGISTRY_USER = { username: 'alice', password: 'secret' };

const authHeader = (o: unknown) => ({ 'X-Registry-Auth': Buffer.from(JSON.stringify(o)).toString('base64') });
const ANONYMOUS = { 'X-Registry-Auth': 'e30=' };
const GOOD = authHeader(REGISTRY_USER);
const WRONG = authHeader({ ...REGISTRY_USER, password: 'wrong' });
const EXACT = { message: 'exact' } as const;

/** A container that writes a file, committed as `repo:1`: an image of its own, which rmi really deletes. */
function committedImage(repo: string): HttpStep[] {
  return [
    create('src', { Cmd: ['sh', '-c', 'echo pushed > /marker'] }),
    start('src'),
    wait('src'),
    { as: 'commit', method: 'POST', path: '/commit', query: { container: '{{src.Id}}', repo, tag: '1' } },
    { as: 'remove src', method: 'DELETE', path: '/containers/{{src.Id}}' },
  ] as HttpStep[];
}

const push = (as: string, repo: string, tag?: string, headers: Record<string, string> = ANONYMOUS): HttpStep =>
  ({ as, method: 'POST', path: `/images/${repo}/push`, query: tag ? { tag } : {}, headers, compare: { stream: true } });

export const registryScenarios: Scenario[] = [
  {
    name: 'registry: push, rmi, pull',
    steps: [
      ...committedImage('{{var.registry}}/diff/app'),
      push('push', '{{var.registry}}/diff/app', '1'),
      push('push again', '{{var.registry}}/diff/app', '1'),
      { as: 'inspect pushed', method: 'GET', path: '/images/{{var.registry}}/diff/app:1/json', compare: { fields: [{ path: 'RepoDigests', how: 'normalised' }, { path: 'RepoTags', how: 'sorted' }] } },
      { as: 'rmi', method: 'DELETE', path: '/images/{{var.registry}}/diff/app:1', compare: { fields: [{ path: '0', how: 'normalised' }, { path: '1', how: 'normalised' }] } },
      { as: 'pull', method: 'POST', path: '/images/create', query: { fromImage: '{{var.registry}}/diff/app', tag: '1' }, compare: { stream: true } },
      { as: 'inspect pulled', method: 'GET', path: '/images/{{var.registry}}/diff/app:1/json', compare: { fields: [{ path: 'RepoDigests', how: 'normalised' }, 'Config.Cmd'] } },
      { as: 'run pulled', cli: ['run', '--rm', '{{var.registry}}/diff/app:1', 'cat', '/marker'], compare: { text: true } },
      push('push unknown tag', '{{var.registry}}/diff/app', 'nope'),
      push('push missing image', '{{var.registry}}/diff/nothere'),
      { as: 'push without auth header', method: 'POST', path: '/images/{{var.registry}}/diff/app/push', query: { tag: '1' }, compare: EXACT },
      push('push unreachable', '127.0.0.1:1/diff/app', '1'),
    ],
  },
  {
    name: 'registry: pull errors',
    steps: [
      { as: 'missing repository', method: 'POST', path: '/images/create', query: { fromImage: '{{var.registry}}/nothere/x', tag: '1' }, compare: EXACT },
      { as: 'unreachable', method: 'POST', path: '/images/create', query: { fromImage: '127.0.0.1:1/x/y', tag: '1' }, compare: EXACT },
      { as: 'locked without credentials', method: 'POST', path: '/images/create', query: { fromImage: '{{var.lockedRegistry}}/x/y', tag: '1' }, compare: EXACT },
      { as: 'locked, wrong password', method: 'POST', path: '/images/create', query: { fromImage: '{{var.lockedRegistry}}/x/y', tag: '1' }, headers: WRONG, compare: EXACT },
      { as: 'locked, missing repository', method: 'POST', path: '/images/create', query: { fromImage: '{{var.lockedRegistry}}/x/y', tag: '1' }, headers: GOOD, compare: EXACT },
      { as: 'docker pull unreachable', cli: ['pull', '127.0.0.1:1/x/y:1'] },
    ],
  },
  {
    name: 'registry: login and the locked registry',
    steps: [
      { as: 'login', method: 'POST', path: '/auth', body: { ...REGISTRY_USER, serveraddress: '{{var.lockedRegistry}}' }, compare: { fields: ['Status', 'IdentityToken'] } },
      { as: 'login wrong password', method: 'POST', path: '/auth', body: { ...REGISTRY_USER, password: 'wrong', serveraddress: '{{var.lockedRegistry}}' }, compare: EXACT },
      { as: 'login unreachable', method: 'POST', path: '/auth', body: { ...REGISTRY_USER, serveraddress: '127.0.0.1:1' }, compare: EXACT },
      { as: 'login open registry', method: 'POST', path: '/auth', body: { ...REGISTRY_USER, serveraddress: 'http://{{var.registry}}/' }, compare: { fields: ['Status'] } },
      ...committedImage('{{var.lockedRegistry}}/team/app'),
      push('push anonymous', '{{var.lockedRegistry}}/team/app', '1'),
      push('push wrong password', '{{var.lockedRegistry}}/team/app', '1', WRONG),
      push('push with credentials', '{{var.lockedRegistry}}/team/app', '1', GOOD),
    ],
  },
  {
    name: 'registry: distribution',
    steps: [
      ...committedImage('{{var.registry}}/diff/dist'),
      push('push', '{{var.registry}}/diff/dist', '1'),
      {
        as: 'distribution',
        method: 'GET',
        path: '/distribution/{{var.registry}}/diff/dist:1/json',
        compare: { fields: [{ path: '', how: 'keys' }, 'Descriptor.mediaType', { path: 'Descriptor.digest', how: 'type' }, { path: 'Descriptor.size', how: 'type' }, 'Platforms'] },
      },
      { as: 'unknown tag', method: 'GET', path: '/distribution/{{var.registry}}/diff/dist:nope/json', compare: EXACT },
      { as: 'unreachable', method: 'GET', path: '/distribution/127.0.0.1:1/x/y:1/json', compare: EXACT },
      { as: 'locked without credentials', method: 'GET', path: '/distribution/{{var.lockedRegistry}}/x/y:1/json', compare: EXACT },
      { as: 'locked, wrong password', method: 'GET', path: '/distribution/{{var.lockedRegistry}}/x/y:1/json', headers: WRONG, compare: EXACT },
      { as: 'locked, missing repository', method: 'GET', path: '/distribution/{{var.lockedRegistry}}/x/y:1/json', headers: GOOD, compare: EXACT },
    ],
  },
];
