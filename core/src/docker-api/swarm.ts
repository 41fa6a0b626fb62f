import type Router from '@koa/router';
import { NotImplementedError, UnavailableError } from '@sockerless/sdk';

/**
 * Swarm is not here, and the answer is dockerd's own on a node outside a swarm: 503 "not a swarm manager" for
 * every manager endpoint (services, nodes, tasks, secrets, configs, the swarm object), 503 "not part of a
 * swarm" for a leave. Clients read 503 (and 406) as "no swarm": compose, testcontainers and docker-py skip
 * their swarm clean-up on it, where a 501 made their network clean-up fail. Creating or joining a swarm
 * is a feature this daemon does not have, so init and join answer 501.
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
