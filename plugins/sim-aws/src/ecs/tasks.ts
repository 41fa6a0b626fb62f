import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from '../errors';
import { includesTags, optBool, optNumber, optObject, optString, optStringList, pageByOffset, pageSize, reqString, type Json, type Json11Operations } from '../wire';
import type { TaskLifecycle } from './lifecycle';
import { taskView, type EcsState, type Task } from './model';
import { checkPlacement, resolveLaunchType } from './run-task-checks';
import { mergeTags, parseTags } from './tags';

export function taskOperations(state: EcsState, lifecycle: TaskLifecycle): Json11Operations {
  return {
    RunTask(body) {
      const cluster = state.cluster(optString(body, 'cluster'));
      const ref = reqString(body, 'taskDefinition');
      const def = state.findTaskDefinition(ref);
      if (!def) throw new AwsError('InvalidParameterException', 'TaskDefinition not found.');
      if (def.status !== 'ACTIVE') throw new AwsError('ClientException', 'TaskDefinition is inactive');
      const count = optNumber(body, 'count') ?? 1;
      if (!Number.isInteger(count) || count < 1 || count > 10) throw new AwsError('InvalidParameterException', 'count must be between 1 and 10');
      const launchType = resolveLaunchType(body);
      const network = checkPlacement(body, def, launchType);
      const overrides = optObject(body, 'overrides') ?? {};
      const containerOverrides = overrides.containerOverrides ?? [];
      const defs = def.input.containerDefinitions as Json[];
      if (!Array.isArray(containerOverrides)) throw new AwsError('InvalidParameterException', 'overrides.containerOverrides must be a list');
      for (const o of containerOverrides as Json[]) {
        if (!defs.some((d) => d.name === o?.name)) throw new AwsError('InvalidParameterException', `Override for container named ${String(o?.name)} is not a container in the TaskDefinition.`);
      }
      let tags = parseTags(body.tags);
      if (optString(body, 'propagateTags') === 'TASK_DEFINITION') tags = mergeTags(def.tags, tags);

      // The same client token answers the same tasks: RunTask is idempotent for retries.
      const token = optString(body, 'clientToken');
      const earlier = token ? state.clientTokens.get(token) : undefined;
      if (earlier) {
        const tasks = earlier.map((id) => state.tasks.get(id)).filter((t): t is Task => !!t);
        return { tasks: tasks.map((t) => taskView(t, false)), failures: [] };
      }

      const clusterName = cluster.clusterName;
      const created: Task[] = [];
      for (let i = 0; i < count; i++) {
        const id = randomBytes(16).toString('hex');
        const task: Task = {
          id, taskArn: state.arn(`task/${clusterName}/${id}`), clusterArn: cluster.clusterArn, taskDefinitionArn: def.taskDefinitionArn,
          lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING', launchType,
          cpu: (overrides.cpu as string | undefined) ?? (def.input.cpu as string | undefined),
          memory: (overrides.memory as string | undefined) ?? (def.input.memory as string | undefined),
          group: optString(body, 'group') ?? `family:${def.family}`, startedBy: optString(body, 'startedBy'),
          overrides: { containerOverrides: [], inferenceAcceleratorOverrides: [], ...overrides },
          networkConfiguration: network, enableExecuteCommand: optBool(body, 'enableExecuteCommand') ?? false,
          containers: defs.map((d) => ({
            containerArn: state.arn(`container/${clusterName}/${id}/${randomUUID()}`), name: d.name as string, image: d.image as string,
            essential: d.essential !== false, lastStatus: 'PENDING' as const,
          })),
          tags, version: 1, createdAt: Date.now(),
        };
        state.tasks.set(id, task);
        created.push(task);
      }
      if (token) state.clientTokens.set(token, created.map((t) => t.id));
      state.changed();
      for (const t of created) lifecycle.launch(t, def);
      return { tasks: created.map((t) => taskView(t, false)), failures: [] };
    },
    StopTask(body) {
      const cluster = state.cluster(optString(body, 'cluster'));
      const ref = reqString(body, 'task');
      const task = state.findTask(ref, cluster);
      if (!task) throw new AwsError('InvalidParameterException', 'The referenced task was not found.');
      lifecycle.stop(task, optString(body, 'reason') ?? 'Task stopped by user');
      return { task: taskView(task, false) };
    },
    DescribeTasks(body) {
      const cluster = state.cluster(optString(body, 'cluster'));
      const refs = optStringList(body, 'tasks');
      if (!refs || refs.length === 0) throw new AwsError('InvalidParameterException', 'Tasks cannot be empty.');
      if (refs.length > 100) throw new AwsError('InvalidParameterException', 'at most 100 tasks per DescribeTasks');
      const withTags = includesTags(body);
      const tasks: unknown[] = [];
      const failures: unknown[] = [];
      for (const ref of refs) {
        const t = state.findTask(ref, cluster);
        if (t) tasks.push(taskView(t, withTags));
        else failures.push({ arn: ref.startsWith('arn:') ? ref : state.arn(`task/${cluster.clusterName}/${ref}`), reason: 'MISSING' });
      }
      return { tasks, failures };
    },
    ListTasks(body) {
      const cluster = state.cluster(optString(body, 'cluster'));
      const family = optString(body, 'family');
      const startedBy = optString(body, 'startedBy');
      const launchType = optString(body, 'launchType');
      const desired = optString(body, 'desiredStatus') ?? 'RUNNING';
      if (desired !== 'RUNNING' && desired !== 'STOPPED' && desired !== 'PENDING') throw new AwsError('InvalidParameterException', `desiredStatus must be RUNNING, PENDING or STOPPED, not ${desired}`);
      const familyOf = (t: Task) => t.taskDefinitionArn.slice(t.taskDefinitionArn.lastIndexOf('/') + 1).replace(/:\d+$/, '');
      // ECS never sets a task's desired status to PENDING, so that filter always answers no tasks.
      const matches = desired === 'PENDING' ? [] : [...state.tasks.values()].filter((t) => t.clusterArn === cluster.clusterArn
        && t.desiredStatus === desired
        && (!family || familyOf(t) === family)
        && (!startedBy || t.startedBy === startedBy)
        && (!launchType || t.launchType === launchType));
      matches.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
      const { page, nextToken } = pageByOffset(matches.map((t) => t.taskArn), body, { size: pageSize(body, 'maxResults', 100, 100) });
      return { taskArns: page, nextToken };
    },
  };
}
