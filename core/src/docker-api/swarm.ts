import type Router from '@koa/router';
import { NotImplementedError, UnavailableError } from '@sockerless/sdk';

/**
 * dockerd's answers outside a swarm: 503 for manager endpoints and leave, which clients (compose, testcontainers,
 * docker-py) read as "no swarm", where a 501 failed their clean-up. Init and join: 501, a feature not here.
 */
const NOT_A_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

export function registerSwarmRoutes(router: Router): void {
  const notAManager = () => { throw new UnavailableError(NOT_A_MANAGER); };
  router.post('/swarm/init', () => { throw new NotImplementedError('swarm mode is not supported by Sockerless'); });
  router.post('/swarm/join', () => { throw new NotImplementedError('swarm mode is not supported by Sockerless'); });
  router.post('/swarm/leave', () => { throw new UnavailableError('This node is not part of a swarm'); });
  router.get('/swarm', notAManager);
  router.all('/swarm/:action', notAManager);
  for (const area of ['services', 'nodes', 'tasks', 'secrets', 'configs']) {
    router.all(`/${area}`, notAManager);
    router.all(`/${area}/:id`, notAManager);
    router.all(`/${area}/:id/:action`, notAManager);
  }
}
