/**
 * The cloud figures: `docker run --rm busybox true` through a cloud backend on its in-process simulator
 * (start delay 0), divided by the same run on backend-local, interleaved in the same run. Each is one preset
 * of `sockerless daemon`; what the cloud path adds is the backend's API calls on the simulator's wire, the
 * simulator's runner, the workload agent's start-up in the sandbox, the poll that sees the exit, and the log
 * read that ends the output. AWS (`aws-sim`): ECS RunTask, DescribeTasks, CloudWatch Logs. Google Cloud
 * (`gcp-sim`): a Cloud Run job, RunJob, the execution's GET, Cloud Logging. Azure (`azure-sim`): a Container
 * Apps job PUT and its LRO, start, the execution GET, the Log Analytics query, the job DELETE, over HTTPS.
 */
import { RUN_TRUE, type DockerTarget } from './docker-cli';
import { importBusybox, startSockerless, type Engine } from './engines';
import { measureInterleaved, type Stats } from './measure';
import type { Teardown } from './teardown';

/** The goal of every cloud figure: at most this many times backend-local's median. */
export const CLOUD_GOAL_RATIO = 1.5;

export interface CloudFigure {
  /** Which one: `aws` (ECS), `gcp` (Cloud Run) or `aca` (Azure Container Apps); its `--only`/`--no-` flag. */
  cloud: CloudName;
  /** The service the containers ran on, for the row's text: `ECS`, `Cloud Run`, `Container Apps`. */
  service: string;
  preset: string;
  /** The row's id in the table and the JSON. */
  rowId: string;
}

export type CloudName = 'aws' | 'gcp' | 'aca';

export const CLOUD_FIGURES: Record<CloudName, CloudFigure> = {
  aws: { cloud: 'aws', service: 'ECS', preset: 'aws-sim', rowId: 'aws-ecs-run' },
  gcp: { cloud: 'gcp', service: 'Cloud Run', preset: 'gcp-sim', rowId: 'gcp-cloudrun-run' },
  aca: { cloud: 'aca', service: 'Container Apps', preset: 'azure-sim', rowId: 'azure-aca-run' },
};

export interface CloudRun {
  local: Stats;
  cloud: Stats;
  /** cloud.median / local.median. */
  ratio: number;
  goalRatio: number;
  goalMet: boolean;
}

/** Every cloud figure, in the order the full run measures them. */
export const CLOUD_NAMES = Object.keys(CLOUD_FIGURES) as CloudName[];

/** Starts the preset's daemon in its own subdir, imports the bench's busybox, times both interleaved. */
export async function measureCloudRun(figure: CloudFigure, workDir: string, tarball: string, local: DockerTarget, runs: number, warmups: number, teardown: Teardown, log: (msg: string) => void): Promise<CloudRun> {
  const daemon: Engine = await startSockerless(workDir, { label: `ours-${figure.cloud}`, subdir: figure.cloud, extraArgs: ['--preset', figure.preset] });
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
    return { local: localStats, cloud, ratio, goalRatio: CLOUD_GOAL_RATIO, goalMet: ratio <= CLOUD_GOAL_RATIO };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- ${figure.preset} daemon log (tail) ---\n${daemon.logTail(30)}`);
  } finally {
    await daemon.stop();
  }
}
