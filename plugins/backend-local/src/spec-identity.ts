import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { WorkloadIdentity, WorkloadSpec } from '@sockerless/sdk';

export const SPEC_FILE = 'spec.json';
/** Present while a workload runs (running.ts removes it at exit): its presence after a restart means "was running". */
const RUN_FILE = 'run.json';

/**
 * What a container's state dir still says about it, for a daemon whose store lost its record (a torn or
 * deleted state.db): the spec.json written at create is the container's config, as dockerd's
 * config.v2.json is. Undefined when the dir holds no readable spec (a half-made or half-removed container).
 */
export async function identityFromStateDir(stateDir: string): Promise<WorkloadIdentity | undefined> {
  let spec: WorkloadSpec;
  try {
    spec = JSON.parse(await fs.readFile(join(stateDir, SPEC_FILE), 'utf8')) as WorkloadSpec;
  } catch {
    return undefined;
  }
  if (!spec || typeof spec.name !== 'string' || !spec.image?.ref) return undefined;
  const dir = await fs.stat(stateDir);
  // The dir is made at create; birthtime is 0 on filesystems that do not keep it.
  const created = (dir.birthtimeMs > 0 ? dir.birthtime : dir.mtime).toISOString();
  const run = await fs.stat(join(stateDir, RUN_FILE)).catch(() => undefined);
  return {
    name: spec.name, image: spec.image.ref, created, labels: spec.labels ?? {}, argv: spec.argv,
    env: spec.env, workingDir: spec.workingDir, user: spec.user, tty: spec.tty, openStdin: spec.openStdin, hostname: spec.hostname,
    // Its run file outlived the workload: it was running when the daemon went, and died with it (SIGKILL).
    ...(run ? { exitCode: 137, startedAt: run.mtime.toISOString() } : {}),
  };
}
