/**
 * The figures measured against our simulators rather than against Docker: each cloud backend's `docker run`
 * beside backend-local, and the CI coordinators' job-queued-to-container-running latency.
 */
import { CLOUD_FIGURES, measureCloudRun, type CloudName, type CloudRun } from './cloud-bench';
import { CI_JOBS, measureCiLatency, type CiLatency } from './ci-bench';
import { measureGitLabCiLatency } from './ci-gitlab-bench';
import { RUN_TRUE } from './docker-cli';
import { importBusybox, startSockerless, type Engine } from './engines';
import type { Stats } from './measure';
import type { Counts } from './options';
import { formatRows } from './report';
import { buildCloudRows, ciOnlyRows } from './rows';
import { log, step } from './step';
import type { Teardown } from './teardown';

/** A cloud figure: `docker run` through the cloud's preset on its simulator against `ours` (backend-local). */
export async function measureCloud(cloud: CloudName, workDir: string, tarball: string, ours: Engine, counts: Counts, teardown: Teardown): Promise<CloudRun> {
  const figure = CLOUD_FIGURES[cloud];
  const measured = await step(`the ${figure.service} figure: docker ${RUN_TRUE.join(' ')} through ${figure.service} on the simulator and on backend-local, ${counts.runs} runs each, interleaved`, [ours],
    () => measureCloudRun(figure, workDir, tarball, ours.target, counts.runs, counts.warmups, teardown, log));
  log(`${figure.service} figure: ${figure.service} median ${measured.cloud.median} ms / local median ${measured.local.median} ms = ${measured.ratio}`);
  return measured;
}

/** `--only aws|gcp|aca`: our default daemon and the cloud preset's, nothing else. */
export async function onlyCloud(cloud: CloudName, workDir: string, tarball: string, counts: Counts, teardown: Teardown): Promise<void> {
  const ours = await startSockerless(workDir);
  teardown.add(() => ours.stop());
  await importBusybox(ours, tarball);
  const measured = await measureCloud(cloud, workDir, tarball, ours, counts, teardown);
  console.log(`\n${formatRows(buildCloudRows(cloud, measured))}`);
  const brief = (s: Stats) => ({ ...s, samplesMs: undefined });
  console.log(JSON.stringify({ [cloud]: { ...measured, local: brief(measured.local), cloud: brief(measured.cloud) }, localSamplesMs: measured.local.samplesMs, cloudSamplesMs: measured.cloud.samplesMs }));
}

/** The CI figures, GitHub then GitLab, each on backend-local against its forge's simulator. */
export async function measureCi(workDir: string, tarball: string, teardown: Teardown): Promise<{ ci: CiLatency; ciGitlab: CiLatency }> {
  const ci = await step(`the CI figure: ${CI_JOBS} GitHub jobs queued on the simulator, each to its runner container running (ci-github, backend-local)`, [],
    () => measureCiLatency(workDir, tarball, CI_JOBS, teardown, log));
  const ciGitlab = await step(`the CI figure for GitLab: ${CI_JOBS} GitLab jobs submitted on the simulator, each to its build container running (ci-gitlab, backend-local)`, [],
    () => measureGitLabCiLatency(workDir, tarball, CI_JOBS, teardown, log));
  return { ci, ciGitlab };
}

/** `--only ci`: the CI figures alone, their rows and the raw figures as one JSON line. */
export async function onlyCi(workDir: string, tarball: string, teardown: Teardown): Promise<void> {
  const { ci, ciGitlab } = await measureCi(workDir, tarball, teardown);
  console.log(`\n${formatRows(ciOnlyRows(ci, ciGitlab))}`);
  console.log(JSON.stringify({ ...ci, gitlab: ciGitlab }));
}
