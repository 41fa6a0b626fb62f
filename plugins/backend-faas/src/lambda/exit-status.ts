import { constants } from 'node:os';
import type { ExitStatus } from '@sockerless/sdk';

interface InvokeResult {
  FunctionError?: string;
  Payload?: Uint8Array;
}

function parsePayload(payload: Uint8Array | undefined): unknown {
  if (!payload || payload.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(payload).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The container's exit from an invocation's answer: the workload agent posts `{"exitCode":N}` as the
 * response; a process that ended without posting gives Lambda's `Runtime.ExitError` (`exit status N` or
 * `signal: <name>`); a run past the function timeout gives `Sandbox.Timedout`.
 */
export function exitStatusOf(result: InvokeResult, timeoutSeconds: number): ExitStatus {
  const payload = parsePayload(result.Payload) as Record<string, unknown> | undefined;
  if (!result.FunctionError) {
    const code = payload?.exitCode;
    // A function that answered something else (not run by the agent) ended normally.
    return { exitCode: typeof code === 'number' && Number.isInteger(code) && code >= 0 && code <= 255 ? code : 0 };
  }
  const errorType = typeof payload?.errorType === 'string' ? payload.errorType : '';
  const errorMessage = typeof payload?.errorMessage === 'string' ? payload.errorMessage : '';
  if (errorType === 'Sandbox.Timedout') {
    return { exitCode: 137, signal: 'SIGKILL', error: `Lambda timeout (${timeoutSeconds} s)` };
  }
  if (errorType === 'Runtime.ExitError') {
    const status = /exit status (\d+)/.exec(errorMessage);
    if (status) return { exitCode: Number(status[1]) };
    const signal = /signal: (\w+)/.exec(errorMessage);
    if (signal) {
      // Go's os.ProcessState wording, which Lambda uses: `killed`, `terminated`, ...
      const byWord: Record<string, NodeJS.Signals> = { killed: 'SIGKILL', terminated: 'SIGTERM', interrupt: 'SIGINT', aborted: 'SIGABRT', hangup: 'SIGHUP' };
      const name = byWord[signal[1]] ?? (signal[1].toUpperCase().startsWith('SIG') ? signal[1].toUpperCase() : `SIG${signal[1].toUpperCase()}`);
      const number = (constants.signals as Record<string, number>)[name] ?? 9;
      return { exitCode: 128 + number, signal: name };
    }
  }
  // A handler error of a function that is not run by the agent: the workload failed.
  return { exitCode: 1, error: `lambda: ${errorType || result.FunctionError}: ${errorMessage}`.trimEnd() };
}
