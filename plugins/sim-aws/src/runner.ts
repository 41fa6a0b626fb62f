import { agentSandboxMounts } from '@sockerless/agent';
import { SandboxRunner, type SandboxRunnerDeps, type SandboxRunnerMessages } from '@sockerless/sdk';

/** Why a run could not start, in ECS's stopped reasons (`CannotPullContainerError`, `CannotStartContainerError`), which Lambda's state reasons reuse. */
const MESSAGES: SandboxRunnerMessages = {
  imageNotFound: (ref, reason) => `CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref ${ref}: ${reason}`,
  noCommand: (ref) => `CannotStartContainerError: no command given and image ${ref} has no Entrypoint or Cmd`,
  cannotStart: (reason) => `CannotStartContainerError: ${reason}`,
};

/** The SDK's sandbox runner (the agent mounted in every workload) with this cloud's wording of its failures. */
export function sandboxRunner(deps: Pick<SandboxRunnerDeps, 'sandbox' | 'images' | 'stateDir' | 'logger'>): SandboxRunner {
  return new SandboxRunner({ ...deps, name: 'sim-aws', agentMounts: agentSandboxMounts, messages: MESSAGES });
}
