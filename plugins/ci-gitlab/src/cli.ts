import { defineCliContribution } from '@sockerless/sdk';

interface RunnerStatus { name: string; tags: string[]; pool: string | null; concurrency: number; running: number[] }

/** The GitLab CI section of `sockerless status`, from `GET /internal/ci/gitlab`. */
export const cli = defineCliContribution({
  statusSections: [{
    key: 'ciGitlab',
    title: 'GitLab runners',
    path: '/internal/ci/gitlab',
    format(data) {
      const runners = data as RunnerStatus[];
      if (runners.length === 0) return 'no runners\n';
      return runners.map((r) => `${r.name}  tags ${r.tags.join(',') || '(untagged)'}  pool ${r.pool ?? '(default)'}  ${r.running.length}/${r.concurrency} jobs${r.running.length ? ` (${r.running.join(', ')})` : ''}\n`).join('');
    },
    absent: 'none: the ci-gitlab plugin is not configured\n',
  }],
});
