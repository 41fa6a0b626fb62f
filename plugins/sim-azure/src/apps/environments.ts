import { randomUUID } from 'node:crypto';
import type { ArmResource, ArmState } from '../arm/state';
import { systemData } from '../arm/state';
import type { Operations } from '../arm/operations';
import { ArmError, invalidContent } from '../errors';
import { armRoute, GROUP, ok, SEGMENT, type Route } from '../routes';

export const ENVIRONMENT_TYPE = 'Microsoft.App/managedEnvironments';
export const WORKSPACE_TYPE = 'Microsoft.OperationalInsights/workspaces';

/**
 * Container Apps managed environments (PUT as an Azure-AsyncOperation LRO, GET, list, DELETE refused while jobs
 * use it) and Log Analytics workspaces (PUT, GET, list, DELETE), whose `customerId` is the id the query
 * endpoint takes and an environment's `appLogsConfiguration.logAnalyticsConfiguration.customerId` names.
 */
export function environmentRoutes(state: ArmState, ops: Operations): Route[] {
  const env = `${GROUP}/providers/Microsoft.App/managedEnvironments`;
  const ws = `${GROUP}/providers/Microsoft.OperationalInsights/workspaces`;
  return [
    armRoute('PUT', `${env}/${SEGMENT}`, (c) => {
      const [subscription, group, name] = c.params;
      const body = c.json();
      const location = requireLocation(body);
      const existing = state.find({ subscription, group, type: ENVIRONMENT_TYPE, name });
      const props = (body.properties ?? {}) as Record<string, unknown>;
      const resource: ArmResource = {
        id: existing?.id ?? state.idFor({ subscription, group, type: ENVIRONMENT_TYPE, name }), name: existing?.name ?? name, type: ENVIRONMENT_TYPE, location,
        tags: (body.tags as Record<string, string>) ?? {}, systemData: systemData(),
        properties: { ...props, provisioningState: 'Succeeded', defaultDomain: `${name.toLowerCase()}.${location}.azurecontainerapps.io`, staticIp: '127.0.0.1', zoneRedundant: false },
      };
      state.put(resource);
      const op = ops.begin();
      ops.succeed(op);
      return ok(resource, existing ? 200 : 201, ops.headers(c.base, subscription, 'Microsoft.App', location, op, c.query.get('api-version')!));
    }),
    armRoute('GET', `${env}/${SEGMENT}`, (c) => ok(state.require({ subscription: c.params[0], group: c.params[1], type: ENVIRONMENT_TYPE, name: c.params[2] }))),
    armRoute('GET', env, (c) => ok({ value: state.listOf(ENVIRONMENT_TYPE, c.params[0], state.requireGroup(c.params[0], c.params[1]).name) })),
    armRoute('DELETE', `${env}/${SEGMENT}`, (c) => {
      const found = state.find({ subscription: c.params[0], group: c.params[1], type: ENVIRONMENT_TYPE, name: c.params[2] });
      if (!found) return { status: 204 };
      const users = state.list((r) => String(r.properties.environmentId ?? '').toLowerCase() === found.id.toLowerCase());
      if (users.length) throw new ArmError(409, 'Conflict', `Cannot delete managed environment '${found.name}': it is used by ${users.map((u) => u.name).join(', ')}.`);
      state.delete(found);
      return { status: 200 };
    }),
    armRoute('PUT', `${ws}/${SEGMENT}`, (c) => {
      const [subscription, group, name] = c.params;
      const body = c.json();
      const existing = state.find({ subscription, group, type: WORKSPACE_TYPE, name });
      const resource: ArmResource = {
        id: existing?.id ?? state.idFor({ subscription, group, type: WORKSPACE_TYPE, name }), name: existing?.name ?? name, type: WORKSPACE_TYPE, location: requireLocation(body),
        tags: (body.tags as Record<string, string>) ?? {},
        properties: { ...((body.properties ?? {}) as object), customerId: existing?.properties.customerId ?? randomUUID(), provisioningState: 'Succeeded' },
      };
      state.put(resource);
      return ok(resource, existing ? 200 : 201);
    }),
    armRoute('GET', `${ws}/${SEGMENT}`, (c) => ok(state.require({ subscription: c.params[0], group: c.params[1], type: WORKSPACE_TYPE, name: c.params[2] }))),
    armRoute('GET', ws, (c) => ok({ value: state.listOf(WORKSPACE_TYPE, c.params[0], state.requireGroup(c.params[0], c.params[1]).name) })),
    armRoute('DELETE', `${ws}/${SEGMENT}`, (c) => {
      const found = state.find({ subscription: c.params[0], group: c.params[1], type: WORKSPACE_TYPE, name: c.params[2] });
      if (found) state.delete(found);
      return { status: found ? 200 : 204 };
    }),
  ];
}

export function requireLocation(body: Record<string, unknown>): string {
  if (typeof body.location !== 'string' || !body.location) throw invalidContent("The request content was invalid: the required property 'location' is missing.");
  return body.location;
}

/** The workspace an environment sends its console logs to, when it has one. */
export function workspaceOf(environment: ArmResource | undefined): string | undefined {
  const config = environment?.properties.appLogsConfiguration as { logAnalyticsConfiguration?: { customerId?: string } } | undefined;
  return config?.logAnalyticsConfiguration?.customerId;
}
