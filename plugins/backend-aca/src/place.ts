import type { SimulatorDirectory } from '@sockerless/sdk';
import type { AcaPlace } from './aca-api';
import type { AcaOptions } from './options';

/** The subscription a simulator gets when the options and the environment name none. */
export const OFF_AZURE_SUBSCRIPTION = '00000000-0000-0000-0000-00000000aca0';

/**
 * Where an instance's jobs live and whether it may make the environment: `simulator` names one running in this
 * daemon (its endpoint and its CA file come from the simulator directory), `endpoint` one elsewhere; neither
 * is Azure. Off Azure the subscription may be left out and the environment is made when missing.
 */
export function resolveAcaPlace(instance: string, o: AcaOptions, simulators: SimulatorDirectory): { place: AcaPlace; provision: boolean } {
  const endpoint = o.simulator ? simulators.endpoint(o.simulator) : o.endpoint;
  const caFile = o.caFile ?? (o.simulator ? simulators.caFile?.(o.simulator) : undefined);
  const subscription = o.subscription ?? process.env.AZURE_SUBSCRIPTION_ID ?? (endpoint ? OFF_AZURE_SUBSCRIPTION : undefined);
  if (!subscription) throw new Error(`backend '${instance}': options.subscription: name the Azure subscription the jobs run in (or set AZURE_SUBSCRIPTION_ID)`);
  const provision = o.provision ?? !!endpoint;
  if (provision && !endpoint) {
    throw new Error(`backend '${instance}': options.provision: on Azure the Container Apps environment is the operator's to make (az containerapp env create, with its Log Analytics workspace); provision works at a simulator's endpoint only`);
  }
  return {
    place: {
      subscription, endpoint, caFile, resourceGroup: o.resourceGroup, environment: o.environment, location: o.location,
      ...(o.credentials ? { clientSecret: o.credentials } : {}),
    },
    provision,
  };
}
