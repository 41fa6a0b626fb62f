import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DockerTarget } from './docker-cli';
import { measureInterleaved, type Stats } from './measure';

/** The build figure: `docker build` (classic builder) of a three-step Dockerfile, cold and cached. */
export interface BuildFigure {
  cold: { ours: Stats; docker: Stats | null };
  cached: { ours: Stats; docker: Stats | null };
}

export const BUILD_GOALS = { cold: 0.7, cached: 0.3 };

const DOCKERFILE = 'FROM busybox\nRUN echo hi > /x\nCOPY f /f\nCMD ["cat", "/f"]\n';

/**
 * Times `DOCKER_BUILDKIT=0 docker build -q` of the same context on each engine, interleaved: `--no-cache`
 * (every step runs: a RUN container, a COPY layer, a metadata commit) and then the same build with its cache
 * (every step a hit). Both engines build from the busybox image each imported.
 */
export async function measureBuild(targets: DockerTarget[], workDir: string, counts: { warmups: number; runs: number }): Promise<BuildFigure> {
  const ctx = join(workDir, 'build-context');
  mkdirSync(ctx, { recursive: true });
  writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE);
  writeFileSync(join(ctx, 'f'), 'bench\n');
  const env = { DOCKER_BUILDKIT: '0' };
  const runs = Math.max(3, Math.min(counts.runs, 10));
  const warmups = Math.min(counts.warmups, 2);
  const cold = await measureInterleaved(targets, ['build', '-q', '--no-cache', '-t', 'bench-build', ctx], { runs, warmups, env });
  const cached = await measureInterleaved(targets, ['build', '-q', '-t', 'bench-build', ctx], { runs, warmups: 1, env });
  const [ours, docker] = targets.map((t) => t.label);
  return {
    cold: { ours: cold.get(ours!)!, docker: docker ? cold.get(docker)! : null },
    cached: { ours: cached.get(ours!)!, docker: docker ? cached.get(docker)! : null },
  };
}
