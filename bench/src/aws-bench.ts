/**
 * The cloud figures: `docker run --rm busybox true` through a cloud backend on its simulator inside a daemon
 * of ours started with the cloud's preset (start delay 0), divided by the same run on backend-local,
 * interleaved in the same run. What the cloud path adds: the official SDK's calls to the simulator and its
 * runner, the workload agent's start-up in the sandbox, the status poll that sees the exit, and the log read
 * that ends the output. AWS: `--preset aws-sim` (ECS: RunTask, DescribeTasks, CloudWatch Logs). Azure:
 * `--preset azure-sim` (Container Apps: a job PUT and its LRO, start, the execution GET, the Log Analytics
 * query, the job DELETE, over HTTPS).
 */
import { RUN_TRUE, type DockerTarget } from './docker-cli';
import { importBusybox, startSockerless, type Engine } from './engines';
import { measureInterleaved, type Stats } from './measure';
import type { Teardown } from './teardown';

export const AWS_GOAL_RATIO = 1.5;
export const ACA_GOAL_RATIO = 1.5;

/** One cloud figure: which preset, and what its daemon and log lines are called. */
export interface CloudFigure {
  /** `aws`, `azure`: the log prefix and the daemon's subdir. */
  cloud: string;
  preset: string;
  /** The engine label (`ours-ecs`). */
  label: string;
  goalRatio: number;
}

export const AWS_FIGURE: CloudFigure = { cloud: 'aws', preset: 'aws-sim', label: 'ours-ecs', goalRatio: AWS_GOAL_RATIO };
export const ACA_FIGURE: CloudFigure = { cloud: 'azure', preset: 'azure-sim', label: 'ours-aca', goalRatio: ACA_GOAL_RATIO };

export interface CloudRun {
  local: Stats;
  cloud: Stats;
  /** cloud.median / local.median. */
  ratio: number;
  goalRatio: number;
  goalMet: boolean;
}

/** The AWS figure as the report has always named it (`ecs`). */
export interface AwsRun extends Omit<CloudRun, 'cloud'> {
  ecs: Stats;
}

/** Starts the preset's daemon in its own subdir, imports the bench's busybox, times both interleaved. */
export async function measureCloudRun(figure: CloudFigure, workDir: string, tarball: string, local: DockerTarget, runs: number, warmups: number, teardown: Teardown, log: (msg: string) => void): Promise<CloudRun> {
  const daemon: Engine = await startSockerless(workDir, { label: figure.label, subdir: figure.cloud, extraArgs: ['--preset', figure.preset] });
  teardown.add(() => daemon.stop());
  try {
    await importBusybox(daemon, tarball);
    const round: string[] = [];
    const stats = await measureInterleaved([local, daemon.target], RUN_TRUE, {
      runs, warmups,
      onSample: (label, i, ms) => {
        round.push(`${label} ${ms.toFixed(1)} ms`);
        if (label === daemon.target.label) {
          log(`${figure.cloud} run ${i + 1}/${runs}: ${round.join(', ')}`);
          round.length = 0;
        }
      },
    });
    const cloud = stats.get(daemon.target.label)!;
    const localStats = stats.get(local.label)!;
    const ratio = Math.round((cloud.median / localStats.median) * 100) / 100;
    return { local: localStats, cloud, ratio, goalRatio: figure.goalRatio, goalMet: ratio <= figure.goalRatio };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- ${figure.preset} daemon log (tail) ---\n${daemon.logTail(30)}`);
  } finally {
    await daemon.stop();
  }
}

export async function measureAwsRun(workDir: string, tarball: string, local: DockerTarget, runs: number, warmups: number, teardown: Teardown, log: (msg: string) => void): Promise<AwsRun> {
  const { cloud, ...rest } = await measureCloudRun(AWS_FIGURE, workDir, tarball, local, runs, warmups, teardown, log);
  return { ...rest, ecs: cloud };
}
