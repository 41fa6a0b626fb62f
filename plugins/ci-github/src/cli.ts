import { defineCliContribution } from '@sockerless/sdk';

interface CiStatus {
  jobs: { queued: number; inProgress: number; completed: number };
  runners: Array<{ name: string; group: string; state: string; forJob: number }>;
}

/** The GitHub Actions section of `sockerless status`, from `GET /internal/ci/github`. */
export const cli = defineCliContribution({
  statusSections: [{
    key: 'ciGithub',
    title: 'GitHub Actions runners',
    path: '/internal/ci/github',
    format(data) {
      const s = data as CiStatus;
      const lines = [`jobs: ${s.jobs.queued} queued, ${s.jobs.inProgress} in progress, ${s.jobs.completed} completed (kept an hour)\n`];
      for (const r of s.runners) lines.push(`${r.name}  group ${r.group}  ${r.state}  (launched for job ${r.forJob})\n`);
      if (s.runners.length === 0) lines.push('no runners\n');
      return lines.join('');
    },
    absent: 'none: the ci-github plugin is not configured\n',
  }],
});
