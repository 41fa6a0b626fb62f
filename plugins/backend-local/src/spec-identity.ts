import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, type WorkloadIdentity, type WorkloadSpec } from '@sockerless/sdk';

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

/**
 * Each container's spec, cached and kept in its state dir's spec.json, which lets a restarted daemon find the
 * container; the file is written again only when the spec changed.
 */
export class WorkloadSpecs {
  private readonly specs = new Map<string, WorkloadSpec>();
  private readonly saved = new Map<string, string>();

  constructor(private readonly defaultStateDirOf: (id: string) => string) {}

  stateDirOf(id: string): string {
    return this.specs.get(id)?.stateDir ?? this.defaultStateDirOf(id);
  }

  async get(id: string): Promise<WorkloadSpec> {
    const known = this.specs.get(id);
    if (known) return known;
    try {
      const spec = JSON.parse(await fs.readFile(join(this.stateDirOf(id), SPEC_FILE), 'utf8')) as WorkloadSpec;
      this.specs.set(id, spec);
      return spec;
    } catch {
      throw new NotFoundError(`No such container: ${id}`);
    }
  }

  async save(spec: WorkloadSpec): Promise<void> {
    const json = JSON.stringify(spec);
    if (this.saved.get(spec.id) !== json) {
      await fs.mkdir(spec.stateDir, { recursive: true });
      // 0600, as dockerd's config.v2.json: it holds the container's env.
      await fs.writeFile(join(spec.stateDir, SPEC_FILE), json, { mode: 0o600 });
      this.saved.set(spec.id, json);
    }
    this.specs.set(spec.id, spec);
  }

  forget(id: string): void {
    this.specs.delete(id);
    this.saved.delete(id);
  }
}
