import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { socketOf } from './api';
import type { DockerTarget } from './docker-cli';
import { measureInterleaved, summarize, type Stats } from './measure';

/** The build figure: `docker build` (classic builder) of a three-step Dockerfile, cold and cached. */
export interface BuildFigure {
  cold: { ours: Stats; docker: Stats | null };
  cached: { ours: Stats; docker: Stats | null };
  /**
   * The same builds asked for over the API (`POST /build` with the context tar, as dockerode, docker-py and
   * compose send it), without the CLI: its own start-up (~18 ms here, the time of a `docker version`) bounds
   * the CLI's cached ratio from below whatever the daemon does.
   */
  api: { cold: { ours: Stats; docker: Stats | null }; cached: { ours: Stats; docker: Stats | null } };
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
  const contextTar = join(workDir, 'build-context.tar');
  execFileSync('tar', ['-C', ctx, '-cf', contextTar, '.']);
  const body = readFileSync(contextTar);
  const apiCold = await timeApiBuilds(targets, body, 'nocache=1&', { runs, warmups });
  const apiCached = await timeApiBuilds(targets, body, '', { runs, warmups: 1 });
  const [ours, docker] = targets.map((t) => t.label);
  const pair = (m: Map<string, Stats>) => ({ ours: m.get(ours!)!, docker: docker ? m.get(docker)! : null });
  return { cold: pair(cold), cached: pair(cached), api: { cold: pair(apiCold), cached: pair(apiCached) } };
}

/** `POST /build` over each engine's socket, interleaved as the CLI figure is; a build that fails aborts. */
async function timeApiBuilds(targets: DockerTarget[], body: Buffer, query: string, counts: { runs: number; warmups: number }): Promise<Map<string, Stats>> {
  const samples = new Map<string, number[]>(targets.map((t) => [t.label, []]));
  for (let i = 0; i < counts.warmups + counts.runs; i++) {
    for (const t of targets) {
      const ms = await apiBuild(t, body, query);
      if (i >= counts.warmups) samples.get(t.label)!.push(ms);
    }
  }
  return new Map([...samples].map(([label, xs]) => [label, summarize(xs)]));
}

function apiBuild(t: DockerTarget, body: Buffer, query: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    // A new connection per build, as a client process makes; API 1.41 is what both engines speak.
    const req = request({ socketPath: socketOf(t), method: 'POST', path: `/v1.41/build?${query}t=bench-build&q=1`, headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const ms = performance.now() - start;
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200 || text.includes('"errorDetail"')) reject(new Error(`[${t.label}] POST /build answered ${res.statusCode}: ${text.slice(-300)}`));
        else resolve(ms);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
