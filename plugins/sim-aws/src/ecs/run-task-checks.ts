import { AwsError } from '../errors';
import { optObject, optString, type Json } from '../wire';
import type { TaskDefinition } from './model';
import { compatibilitiesOf } from './task-definitions';

/**
 * RunTask's placement checks, refused with the exceptions and messages ECS answers, so that a request the
 * simulator takes is one AWS takes too. The simulator's clusters are Fargate-only: no container instances
 * ever register, and their capacity providers are FARGATE and FARGATE_SPOT.
 */

const LAUNCH_TYPES = new Set(['FARGATE', 'EC2', 'EXTERNAL']);
const CLUSTER_CAPACITY_PROVIDERS = new Set(['FARGATE', 'FARGATE_SPOT']);

/** The task's launch type, from `launchType` or the capacity provider strategy (never both). */
export function resolveLaunchType(body: Json): string {
  const launchType = optString(body, 'launchType');
  const strategy = body.capacityProviderStrategy;
  if (strategy !== undefined && strategy !== null && !Array.isArray(strategy)) {
    throw new AwsError('InvalidParameterException', 'capacityProviderStrategy must be a list');
  }
  const providers = ((strategy as Json[] | undefined) ?? []).map((s) => s?.capacityProvider);
  if (launchType !== undefined && providers.length > 0) {
    throw new AwsError('InvalidParameterException', 'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.');
  }
  if (launchType !== undefined) {
    if (!LAUNCH_TYPES.has(launchType)) throw new AwsError('InvalidParameterException', `launchType must be FARGATE, EC2 or EXTERNAL, not ${launchType}`);
    return launchType;
  }
  if (providers.length > 0) {
    const unknown = providers.find((p) => typeof p !== 'string' || !CLUSTER_CAPACITY_PROVIDERS.has(p));
    if (unknown !== undefined) {
      throw new AwsError('InvalidParameterException', 'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.');
    }
    return 'FARGATE';
  }
  // Neither given and no default strategy on the cluster: ECS falls back to EC2, as its RunTask reference says.
  return 'EC2';
}

/** Refuses what ECS refuses for this launch type and task definition; answers the network configuration. */
export function checkPlacement(body: Json, def: TaskDefinition, launchType: string): Json | undefined {
  if (launchType === 'EC2' || launchType === 'EXTERNAL') {
    throw new AwsError('InvalidParameterException', 'No Container Instances were found in your cluster.');
  }
  if (!compatibilitiesOf(def.input).includes('FARGATE')) {
    throw new AwsError('InvalidParameterException', 'Task definition does not support launch_type FARGATE.');
  }
  const network = optObject(body, 'networkConfiguration');
  const awsvpc = network?.awsvpcConfiguration as Json | undefined;
  if (!awsvpc) {
    throw new AwsError('InvalidParameterException', 'Network Configuration must be provided when networkMode \'awsvpc\' is specified.');
  }
  const subnets = awsvpc.subnets;
  if (!Array.isArray(subnets) || subnets.length === 0) throw new AwsError('InvalidParameterException', 'subnets can not be empty.');
  if (subnets.some((s) => typeof s !== 'string' || s === '')) throw new AwsError('InvalidParameterException', 'subnet cannot be blank.');
  if (subnets.length > 16) throw new AwsError('InvalidParameterException', 'subnets can have at most 16 items.');
  return network;
}
