/**
 * `@sockerless/agent`: both ends of the workload agent. The workload side is `dist/main.js` (run as
 * AGENT_ENTRYPOINT in front of a cloud workload's command); this entry is the daemon side, which the core
 * provides to plugins as `coreServices.agents` (typed by the SDK's AgentServer), and the bind mounts that let
 * a simulator run the agent in any local sandbox.
 */
export { WorkloadAgentServer, type WorkloadAgentServerOptions } from './server';
export { agentSandboxMounts } from './sandbox-mounts';
