import { join } from 'node:path';
import { FilePersistence, persistentSimulator, type PersistentSimulator, type SimulatorServices } from '@sockerless/sdk';
import type { SimContext, SimOptions } from './context';
import { clusterOperations } from './ecs/clusters';
import { TaskLifecycle } from './ecs/lifecycle';
import { EcsState } from './ecs/model';
import { tagOperations } from './ecs/tags';
import { taskDefinitionOperations } from './ecs/task-definitions';
import { taskOperations } from './ecs/tasks';
import { createLambdaService } from './lambda/api';
import { logsOperations } from './logs/api';
import { LogsStore } from './logs/store';
import { sandboxRunner } from './runner';
import { AwsServer } from './server';

export type AwsSimulatorDeps = SimulatorServices;

export interface AwsSimulator extends PersistentSimulator {
  /** The shared context (options, logs, runner, persistence), for tests and Lambda. */
  readonly context: SimContext;
}

/**
 * The AWS simulator: ECS, CloudWatch Logs and Lambda on one port, workloads in the local sandbox, state in
 * JSON files under `options.stateDir`. State is loaded at `start`, so a restarted simulator continues.
 */
export function createAwsSimulator(deps: AwsSimulatorDeps, options: SimOptions): AwsSimulator {
  const persist = new FilePersistence(join(options.stateDir, 'state'), deps.logger);
  const runner = sandboxRunner({ sandbox: deps.sandbox, images: deps.images, stateDir: options.stateDir, logger: deps.logger });
  let logs: LogsStore | undefined;
  const context: SimContext = {
    options,
    logger: deps.logger,
    images: deps.images,
    get logs() {
      if (!logs) throw new Error('the AWS simulator is not started');
      return logs;
    },
    runner,
    persist,
    arn: (service, resource) => `arn:aws:${service}:${options.region}:${options.accountId}:${resource}`,
  };
  const simulator = persistentSimulator({
    name: 'aws',
    label: 'AWS',
    persist,
    runner,
    async listen({ host, port }) {
      logs = new LogsStore(persist, (group) => context.arn('logs', `log-group:${group}`));
      const ecs = new EcsState(context);
      const lifecycle = new TaskLifecycle(context, ecs);
      const lambda = createLambdaService(context);
      const server = new AwsServer({
        ecs: { ...clusterOperations(ecs), ...taskDefinitionOperations(ecs), ...taskOperations(ecs, lifecycle), ...tagOperations(ecs) },
        logs: logsOperations(logs),
        lambda,
      }, options, deps.logger);
      const endpoint = await server.listen(host, port);
      return {
        endpoint,
        closeListener: () => server.close(),
        endWorkloads: async () => { await Promise.all([lifecycle.close(), lambda.stop()]); },
      };
    },
  });
  return { ...simulator, context };
}
