import { ArmError, invalidContent } from '../errors';
import { armRoute, ok, SEGMENT, type Route } from '../routes';
import { ArmState } from './state';

/**
 * Resource groups (`Microsoft.Resources`): PUT/GET/HEAD/DELETE/list. Deleting a group deletes what is in it;
 * `onDelete` lets the services stop what those resources run.
 */
export function groupRoutes(state: ArmState, onDelete: (removedIds: string[]) => Promise<void>): Route[] {
  const path = `/subscriptions/${SEGMENT}/resourcegroups/${SEGMENT}`;
  return [
    armRoute('PUT', path, (c) => {
      const [sub, name] = c.params;
      const body = c.json();
      const existing = state.group(sub, name);
      if (typeof body.location !== 'string' || !body.location) {
        if (!existing) throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
      }
      if (existing && body.location && String(body.location).toLowerCase() !== String(existing.location).toLowerCase()) {
        throw invalidContent(`Invalid resource group location '${String(body.location)}'. The Resource group already exists in location '${existing.location}'.`);
      }
      const group = {
        id: existing?.id ?? ArmState.groupId(sub, name), name: existing?.name ?? name, type: 'Microsoft.Resources/resourceGroups',
        location: existing?.location ?? String(body.location), tags: (body.tags as Record<string, string>) ?? existing?.tags ?? {},
        properties: { provisioningState: 'Succeeded' },
      };
      state.putGroup(group);
      return ok(group, existing ? 200 : 201);
    }),
    armRoute('GET', path, (c) => ok(state.requireGroup(c.params[0], c.params[1]))),
    armRoute('HEAD', path, (c) => ({ status: state.group(c.params[0], c.params[1]) ? 204 : 404 })),
    armRoute('DELETE', path, async (c) => {
      const g = state.group(c.params[0], c.params[1]);
      if (!g) return { status: 204 };
      await onDelete(state.deleteGroup(g).map((r) => r.id));
      return { status: 200 };
    }),
    armRoute('GET', `/subscriptions/${SEGMENT}/resourcegroups`, (c) => ok({ value: state.listGroups(c.params[0]) })),
  ];
}
