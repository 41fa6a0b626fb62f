import type { BackendDriver } from '../../contracts/backend';
import type { ConformanceSession } from './session';
import type { ConformanceSkips } from './types';

/** One thing every backend must do, named as the report shows it. */
export interface ConformanceScenario {
  name: string;
  /** The power whose declared absence (`skip.<power>`) skips it, with the declared reason. */
  power?: keyof ConformanceSkips;
  /** Optional driver methods it calls: absent while the power is not declared missing, the scenario fails saying so. */
  needs?: (keyof BackendDriver)[];
  run(s: ConformanceSession<unknown>): Promise<void>;
}

/** A running workload that prints `ready` once its traps are set, then idles until a signal ends it. */
export const IDLE_AFTER_READY = 'echo ready; while :; do sleep 0.1; done';

/** What a start failure's message must say for the core to give Docker's 127 (runc's wording; core/src/engine/container-runs.ts). */
export const NOT_FOUND_MESSAGE = /executable file not found|no such file or directory/;
/** ... and for Docker's 126. */
export const NOT_EXECUTABLE_MESSAGE = /permission denied/;
