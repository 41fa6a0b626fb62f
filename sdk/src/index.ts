export * from './errors';
export * from './refs';
export * from './plugin';
export * from './services';
export * from './extension-points';
export * from './tracing';
export * from './contracts/backend';
export * from './contracts/driver-powers';
export * from './contracts/resources';
export * from './contracts/records';
export * from './contracts/store';
export * from './contracts/scheduler';
export * from './contracts/admission';
export * from './contracts/simulator';
export * from './contracts/sandbox';
export * from './contracts/agent';
export { pipeStdinThroughAgent } from './agent-stdin';
export { AGENT_WAIT_MS, AgentBackedDriver, AgentChannel, type AgentChannelOptions } from './agent-channel';
export { polledExecution, type PolledExecution, type PolledExecutionParts, type PolledLine } from './polled-execution';
export { ExecutionBook, type FollowedExecution, type TrackedExecution } from './execution-book';
export { defineBackendPlugin, type BackendPluginServices } from './backend-plugin';
export { JobExecutionDriver, type ExecutionPoll, type FollowReason, type JobExecutionDriverOptions } from './job-execution-driver';
export * from './contracts/ci';
export * from './contracts/http-routes';
export * from './contracts/pools';
export * from './contracts/volumes';
export * from './contracts/images';
export * from './contracts/build';
export * from './contracts/networks';
// The contracts' router type; the helpers a route uses are in `@sockerless/sdk/api`.
export type { DockerApiContext, DockerApiHandler, DockerApiRouter, DockerApiRoutes } from './api/router';
export * from './request-shapes';
export * from './contracts/lifecycle';
export * from './contracts/logs';
export * from './contracts/interceptors';
export * from './clock';
export * from './directory-size';
export * from './archive';
export * from './layer-tar';
export * from './signals';
export * from './guard';
export * from './capabilities';
/** Plugins validate their options with zod through the SDK, so they depend on one package only. */
export { z } from 'zod';
export { SDK_VERSION } from './version';
export { RecentSamples } from './samples';
export { isStaticElf } from './elf';
export {
  IDENTITY_TAG, identityTags, identityFromTags, encodeLabelChunks, decodeLabelChunks, type IdentityTagLimits, type TagLookup,
} from './cloud-identity';
export { cloudConnectionOptions, refineOneEndpoint, ONE_ENDPOINT_MESSAGE, SIMULATOR_CREDENTIALS, resolveCloudConnection, type CloudConnection } from './cloud-options';
export * from './cli';
export { Collection } from './collection';
export { matchesLabels } from './filters';
export { FilePersistence, type Persistence } from './simulator/persist';
export { TokenBucket } from './simulator/throttle';
export { isLoopbackHost } from './loopback';
export { newObjectId } from './object-id';
export {
  forEachLine, mergeArgv, mergeEnv, PLAIN_RUNNER_MESSAGES, SandboxRunner,
  type SandboxRunnerMessages, type RunningWorkload, type SandboxRunSpec, type SandboxRunnerDeps, type WorkloadRunner,
} from './simulator/sandbox-runner';
export {
  closeListener, decodedPath, findRoute, listenEndpoint, parseJsonObject, readRequestBody, serveHttp, ServiceThrottle, SimulatorHttpServer,
  type HttpListener, type RouteLike, type SimulatorCall,
} from './simulator/http';
export { persistentSimulator, type ListeningSimulator, type PersistentSimulator } from './simulator/lifecycle';
export { defineSimulatorPlugin, type SimulatorServices } from './simulator/plugin';
export { FaultInjector, faultRulesSchema, type FaultRule, type FaultRuleStatus } from './simulator/faults';
