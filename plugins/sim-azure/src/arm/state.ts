import type { Persistence } from '../context';
import { groupNotFound, resourceNotFound } from '../errors';

/** An ARM resource as GET answers it: `properties` nested, as on the wire (the SDKs flatten it). */
export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags?: Record<string, string>;
  kind?: string;
  properties: Record<string, unknown>;
  systemData?: Record<string, string>;
}

/** Where a resource sits: subscription, resource group (as first spelled), provider namespace, type, name. */
export interface ResourceAddress {
  subscription: string;
  group: string;
  /** `Microsoft.App/jobs`. */
  type: string;
  name: string;
}

interface Snapshot { groups: ArmResource[]; resources: ArmResource[] }

/**
 * Resource groups and the resources in them, keyed by their lower-cased id: ARM ids are case-insensitive
 * (`/resourcegroups/RG1` and `/resourceGroups/rg1` are one group), and a resource keeps the spelling it was
 * created with, as ARM does.
 */
export class ArmState {
  private readonly groups = new Map<string, ArmResource>();
  private readonly resources = new Map<string, ArmResource>();

  constructor(private readonly persist: Persistence) {
    const saved = persist.load<Snapshot>('arm');
    for (const g of saved?.groups ?? []) this.groups.set(g.id.toLowerCase(), g);
    for (const r of saved?.resources ?? []) this.resources.set(r.id.toLowerCase(), r);
  }

  changed(): void {
    this.persist.changed('arm', (): Snapshot => ({ groups: [...this.groups.values()], resources: [...this.resources.values()] }));
  }

  static groupId(subscription: string, group: string): string {
    return `/subscriptions/${subscription}/resourceGroups/${group}`;
  }

  group(subscription: string, name: string): ArmResource | undefined {
    return this.groups.get(ArmState.groupId(subscription, name).toLowerCase());
  }

  /** The group, or 404 ResourceGroupNotFound. */
  requireGroup(subscription: string, name: string): ArmResource {
    const g = this.group(subscription, name);
    if (!g) throw groupNotFound(name);
    return g;
  }

  putGroup(g: ArmResource): void {
    this.groups.set(g.id.toLowerCase(), g);
    this.changed();
  }

  deleteGroup(g: ArmResource): ArmResource[] {
    this.groups.delete(g.id.toLowerCase());
    const inside = this.list((r) => r.id.toLowerCase().startsWith(`${g.id.toLowerCase()}/`));
    for (const r of inside) this.resources.delete(r.id.toLowerCase());
    this.changed();
    return inside;
  }

  listGroups(subscription: string): ArmResource[] {
    const prefix = `/subscriptions/${subscription}/`.toLowerCase();
    return [...this.groups.values()].filter((g) => g.id.toLowerCase().startsWith(prefix));
  }

  /** The id a new resource gets: the group as it was created, the rest as the client spelled it. */
  idFor(a: ResourceAddress): string {
    const g = this.requireGroup(a.subscription, a.group);
    return `${g.id}/providers/${a.type}/${a.name}`;
  }

  find(a: ResourceAddress): ArmResource | undefined {
    return this.resources.get(`/subscriptions/${a.subscription}/resourceGroups/${a.group}/providers/${a.type}/${a.name}`.toLowerCase());
  }

  /** The resource, or 404 ResourceGroupNotFound / ResourceNotFound as ARM tells them apart. */
  require(a: ResourceAddress): ArmResource {
    this.requireGroup(a.subscription, a.group);
    const r = this.find(a);
    if (!r) throw resourceNotFound(a.type, a.name, a.group);
    return r;
  }

  byId(id: string): ArmResource | undefined {
    return this.resources.get(id.toLowerCase());
  }

  put(r: ArmResource): void {
    this.resources.set(r.id.toLowerCase(), r);
    this.changed();
  }

  delete(r: ArmResource): void {
    this.resources.delete(r.id.toLowerCase());
    this.changed();
  }

  list(match: (r: ArmResource) => boolean): ArmResource[] {
    return [...this.resources.values()].filter(match);
  }

  /** Resources of `type` in a group, or in the whole subscription when `group` is undefined. */
  listOf(type: string, subscription: string, group?: string): ArmResource[] {
    const prefix = (group === undefined ? `/subscriptions/${subscription}/` : `${ArmState.groupId(subscription, group)}/`).toLowerCase();
    return this.list((r) => r.type.toLowerCase() === type.toLowerCase() && r.id.toLowerCase().startsWith(prefix));
  }
}

export const systemData = (): Record<string, string> => {
  const at = new Date().toISOString();
  return { createdBy: 'sockerless', createdByType: 'Application', createdAt: at, lastModifiedBy: 'sockerless', lastModifiedByType: 'Application', lastModifiedAt: at };
};
