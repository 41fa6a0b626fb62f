/**
 * The AWS figure: `docker run --rm busybox true` as an ECS task on the in-process AWS simulator
 * (`--preset aws-sim`, task start delay 0), divided by the same run on backend-local, interleaved in the
 * same run. What the ECS path adds: RunTask and the simulator's runner, the workload agent's start-up in
 * the sandbox, the DescribeTasks poll that sees the exit, and the CloudWatch log fetch that ends the output.
 */
import { RUN_TRUE, type DockerTarget } from './docker-cli';
import { importBusybox, startSockerless, type Engine } from './engines';
import { measureInterleaved, type Stats } from './measure';
import type { Teardown } from './teardown';

export const AWS_GOAL_RATIO = 1.5;

export interface AwsRun {
  local: Stats;
  ecs: Stats;
  /** ecs.median / local.median. */
  ratio: number;
  goalRatio: number;
  goalMet: boolean;
}

/** Starts the aws-sim daemon in its own subdir, imports the bench's busybox, times both interleaved. */
export async function measureAwsRun(workDir: string, tarball: string, local: DockerTarget, runs: number, warmups: number, teardown: Teardown, log: (msg: string) => void): Promise<AwsRun> {
  const aws: Engine = await startSockerless(workDir, { label: 'ours-ecs', subdir: 'aws', extraArgs: ['--preset', 'aws-sim'] });
  teardown.add(() => aws.stop());
  try {
    await importBusybox(aws, tarball);
    const round: string[] = [];
    const stats = await measureInterleaved([local, aws.target], RUN_TRUE, {
      runs, warmups,
      onSample: (label, i, ms) => {
        round.push(`${label} ${ms.toFixed(1)} ms`);
        if (label === aws.target.label) {
          log(`aws run ${i + 1}/${runs}: ${round.join(', ')}`);
          round.length = 0;
        }
      },
    });
    const ecs = stats.get(aws.target.label)!;
    const localStats = stats.get(local.label)!;
    const ratio = Math.round((ecs.median / localStats.median) * 100) / 100;
    return { local: localStats, ecs, ratio, goalRatio: AWS_GOAL_RATIO, goalMet: ratio <= AWS_GOAL_RATIO };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- aws-sim daemon log (tail) ---\n${aws.logTail(30)}`);
  } finally {
    await aws.stop();
  }
}
