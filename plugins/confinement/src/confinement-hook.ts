import { availableParallelism } from 'node:os';
import type { LifecycleContainer, LifecycleContext, LifecycleHook, WorkloadSpec } from '@sockerless/sdk';
import { adaptResources, mergeResourceUpdate, resourcesOf, validateResources, validateUlimits } from './resources';
import { workloadSecurityOf } from './security-config';

/**
 * How a container is confined, as the parts of dockerd that own HostConfig's resource and security fields do
 * it: the 400s at create and update (verifyPlatformContainerResources, parseSecurityOpt), the defaults at
 * create (adaptContainerSettings), the 409s of an update (container.UpdateContainer), and what the backend
 * enforces (`WorkloadSpec.resources` and `.security`).
 */
export class ConfinementHook implements LifecycleHook {
  constructor(private readonly ctx: LifecycleContext) {}

  validateCreate(body: { HostConfig?: Record<string, unknown> | null }): void {
    const hostConfig = body.HostConfig ?? {};
    validateResources(hostConfig);
    validateUlimits(hostConfig.Ulimits);
    // dockerd answers an unknown container of a namespace mode (`--pid container:x`) with a 400 here.
    workloadSecurityOf(hostConfig, (ref) => this.ctx.find(ref).id);
  }

  createHostConfig(hostConfig: Record<string, unknown>): void {
    adaptResources(hostConfig);
  }

  /**
   * A namespace owner removed since create stays a name (the backend's start then fails on it); a record an
   * older version accepted with values now refused gets Docker's defaults, the most confined choice, rather
   * than a container that can no longer be started or removed.
   */
  workloadSettings(c: LifecycleContainer): Partial<Pick<WorkloadSpec, 'resources' | 'security'>> {
    let security: WorkloadSpec['security'];
    try {
      security = workloadSecurityOf(c.hostConfig, (ref) => { try { return this.ctx.find(ref).id; } catch { return ref; } });
    } catch {
      security = undefined;
    }
    return { resources: resourcesOf(c.hostConfig), security };
  }

  validateUpdate(update: Record<string, unknown>): void {
    validateResources(update, availableParallelism(), true);
  }

  mergeUpdate(c: LifecycleContainer, update: Record<string, unknown>, merged: Record<string, unknown>): void {
    mergeResourceUpdate(c.id, merged, update);
  }
}
