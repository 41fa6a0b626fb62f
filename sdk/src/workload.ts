/**
 * `@sockerless/sdk/workload`: the light part of the SDK a program inside a workload loads (the workload
 * agent): constants and pure helpers, no zod and no contracts with runtime code, because the agent starts in
 * front of the workload's command and every millisecond of its start-up is the container's.
 */
export { AGENT_ENTRYPOINT, AGENT_ENV } from './contracts/agent';
export { DEFAULT_PATH } from './contracts/backend';
export { normalizeSignal } from './signals';
