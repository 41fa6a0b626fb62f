import { ArmError } from './errors';

/**
 * The api-versions the simulator answers, per resource provider, as ARM checks them before any routing
 * (the real lists are longer; these are what the official clients and `az` of this era send).
 */
const SUPPORTED: Record<string, string[]> = {
  'microsoft.app': ['2022-03-01', '2022-10-01', '2023-05-01', '2023-08-01-preview', '2024-03-01', '2025-01-01', '2025-07-01'],
  'microsoft.web': ['2022-03-01', '2022-09-01', '2023-01-01', '2023-12-01', '2024-04-01', '2024-11-01', '2025-03-01', '2025-05-01'],
  'microsoft.insights': ['2017-05-01-preview', '2021-05-01-preview'],
  'microsoft.operationalinsights': ['2020-08-01', '2021-06-01', '2022-10-01', '2023-09-01', '2025-02-01'],
  resources: ['2019-10-01', '2020-06-01', '2021-04-01', '2022-09-01', '2024-03-01', '2025-04-01'],
};

/** 400 MissingApiVersionParameter / InvalidApiVersionParameter, with ARM's messages. */
export function checkApiVersion(path: string, version: string | null): void {
  if (!version) throw new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
  // The last provider names the resource type (`.../sites/x/providers/Microsoft.Insights/diagnosticSettings/y`).
  const provider = [...path.matchAll(/\/providers\/([^/]+)/gi)].pop()?.[1]?.toLowerCase();
  const supported = SUPPORTED[provider ?? 'resources'] ?? SUPPORTED.resources;
  if (!supported.includes(version)) {
    const type = provider ? `${provider}` : 'resourceGroups';
    throw new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${version}' is invalid. The supported versions are '${supported.join(',')}' for '${type}'.`);
  }
}
