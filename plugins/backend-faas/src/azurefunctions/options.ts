import { cloudConnectionOptions, refineOneEndpoint, z } from '@sockerless/sdk';

// Azure's clients take a token credential, not a key pair: `clientSecret` below instead.
const { credentials: _awsStyleCredentials, ...connection } = cloudConnectionOptions;

export const AZURE_FUNCTIONS_LIMITS = {
  /** A site's name is a DNS label of `<name>.azurewebsites.net`: 2 to 60 letters, digits and hyphens. */
  maxSiteNameLength: 60,
  maxTags: 50,
  maxTagValueLength: 256,
} as const;

/** `backends.<name>.options` of an `azurefunctions` instance. Strict, so a misspelt option stops the boot. */
export const azureFunctionsOptionsSchema = refineOneEndpoint(z.strictObject({
  /** The subscription; `AZURE_SUBSCRIPTION_ID` when absent (required on Azure itself). */
  subscription: z.string().min(1).optional(),
  /** The resource group the Function Apps are made in; it must exist. */
  resourceGroup: z.string().regex(/^[-\w.()]{1,90}$/, 'a resource group name: letters, digits, -, _, ., ( and ), up to 90'),
  location: z.string().min(1).default('eastus'),
  /**
   * The ARM id of the Log Analytics workspace each app's `FunctionAppLogs` are sent to (a diagnostic setting
   * on the app), where output is followed while a container runs. Without it the output is the stdout in
   * the invocation's answer, delivered when the container has ended.
   */
  logWorkspace: z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i,
    'the ARM id of a Log Analytics workspace (/subscriptions/…/resourceGroups/…/providers/Microsoft.OperationalInsights/workspaces/…)').optional(),
  /** endpoint (ARM, Entra ID's token endpoint and the Log Analytics query API of a simulator), simulator, maxAttempts, pollIntervalMs. */
  ...connection,
  /** A PEM file of the CA that signs the endpoint's certificate (the simulator's); with `simulator`, the simulator's own. */
  caFile: z.string().min(1).optional(),
  /** A service principal (client-credential flow); at an endpoint without it, the simulator's; on Azure, DefaultAzureCredential. */
  clientSecret: z.strictObject({ tenantId: z.string().min(1), clientId: z.string().min(1), clientSecret: z.string().min(1) }).optional(),
  /**
   * The longest a container may run: the Functions host ends an invocation at its `functionTimeout` (five
   * minutes on the Consumption plan, and in the simulator); used to name the reason of a 137.
   */
  timeoutSeconds: z.number().int().min(1).max(24 * 3600).default(300),
  /** The function of the app that is invoked (`https://<app>/api/<function>`). */
  functionName: z.string().regex(/^[A-Za-z][\w-]{0,127}$/).default('run'),
  /** Site names are `<prefix><container id>`, cut to 60 characters. */
  sitePrefix: z.string().regex(/^[a-z][-a-z0-9]{0,30}$/, 'a lowercase letter, then lowercase letters, digits and - (1 to 31)').default('sockerless-'),
  /** How long exec, cp, attach and signals wait for the workload agent of a running invocation to dial in. */
  agentWaitMs: z.number().int().min(0).default(15000),
}));

export type AzureFunctionsOptions = z.output<typeof azureFunctionsOptionsSchema>;
