import { cloudConnectionOptions, refineOneEndpoint, z } from '@sockerless/sdk';

// Azure takes no AWS-style key pair: a service principal (below) or @azure/identity's default chain.
const { credentials: _awsStyleCredentials, ...connection } = cloudConnectionOptions;

/** ARM's rule for resource group names; Container Apps environments and jobs are stricter (below). */
const GROUP_NAME = /^[-\w._()]{1,89}[-\w_()]$/;

/** `backends.<name>.options` of an `aca` instance. Strict, so a misspelt option stops the boot. */
export const acaOptionsSchema = refineOneEndpoint(z.strictObject({
  /** The subscription; `AZURE_SUBSCRIPTION_ID` when absent (required on Azure itself). */
  subscription: z.string().regex(/^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$/, 'an Azure subscription id (a GUID)').optional(),
  resourceGroup: z.string().regex(GROUP_NAME, 'an Azure resource group name').default('sockerless'),
  /** The Container Apps managed environment the jobs run in (in the resource group). */
  environment: z.string().regex(/^[a-z][a-z0-9-]{0,58}[a-z0-9]$/, 'a Container Apps environment name: lowercase letters, digits and hyphens').default('sockerless'),
  location: z.string().regex(/^[a-z][a-z0-9]+$/, 'an Azure location, e.g. eastus').default(() => process.env.AZURE_LOCATION || 'eastus'),
  /**
   * Make the resource group, a Log Analytics workspace and the environment when they are missing. Only at an
   * endpoint of our own (a simulator), where it is the default: on Azure the environment is the operator's
   * (its network, its workspace's shared key), made with az or Terraform.
   */
  provision: z.boolean().optional(),
  /** A private registry the jobs pull from; the password goes in a job secret, never in a tag. */
  registry: z.strictObject({ server: z.string().min(1), username: z.string().min(1), password: z.string().min(1) }).optional(),
  /** A PEM file of the CA to trust besides the system's: the simulator's generated one (found by itself with `simulator`). */
  caFile: z.string().min(1).optional(),
  /** A service principal (client-credential flow); at an endpoint of our own, a fixed one the simulator accepts. */
  credentials: z.strictObject({ tenantId: z.string().min(1), clientId: z.string().min(1), clientSecret: z.string().min(1) }).optional(),
  /** endpoint (https), simulator, maxAttempts (per Azure call) and pollIntervalMs (the execution and log polls). */
  ...connection,
  /** vCPUs of a replica (ACA pairs each 0.25 vCPU with 0.5 GiB unless the container asks for memory). */
  cpu: z.number().min(0.25).max(4).default(0.5),
  /** A replica's time limit: ACA ends it after that (its default is 30 minutes, too short for a long-running container). */
  replicaTimeoutSeconds: z.number().int().min(1).max(7 * 24 * 3600).default(24 * 3600),
  /** Wrap the entrypoint with the workload agent (signals, stdin, exec, cp); without it only logs and exit codes. */
  agent: z.boolean().default(true),
}));

export type AcaOptions = z.output<typeof acaOptionsSchema>;
