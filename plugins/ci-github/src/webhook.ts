import type { HttpRequest, HttpResponse, HttpRoute, Logger } from '@sockerless/sdk';
import type { Webhooks } from '@octokit/webhooks';
import type { GitHubCoordinator } from './coordinator';
import { importEsm } from './github-api';

function header(req: HttpRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

interface WorkflowJobPayload {
  action?: string;
  workflow_job?: { id?: number; labels?: string[]; runner_name?: string | null };
  repository?: { full_name?: string };
}

/**
 * `POST <path>`: GitHub's `workflow_job` deliveries. The signature (`X-Hub-Signature-256`, HMAC-SHA256 of the
 * exact body) is checked with @octokit/webhooks before anything is read; a bad one is refused with 401 and a
 * log line naming the delivery. The answer (202) goes out once the job is recorded and its runner launched.
 */
export function webhookRoute(path: string, secret: string, coordinator: GitHubCoordinator, logger: Logger): HttpRoute {
  let webhooks: Promise<Webhooks> | undefined;
  const verifier = () => (webhooks ??= importEsm<typeof import('@octokit/webhooks')>('@octokit/webhooks').then((m) => new m.Webhooks({ secret })));
  return {
    method: 'POST',
    path,
    async handler(req): Promise<HttpResponse> {
      const delivery = header(req, 'x-github-delivery');
      const event = header(req, 'x-github-event');
      const signature = header(req, 'x-hub-signature-256');
      const valid = !!signature && req.rawBody !== undefined && (await (await verifier()).verify(req.rawBody, signature).catch(() => false));
      if (!valid) {
        logger.warn('GitHub webhook refused: signature does not match the configured secret', { delivery, event, signature: signature ? 'wrong' : 'missing' });
        return { status: 401, body: { message: 'signature does not match' } };
      }
      if (event === 'ping') return { status: 200, body: { message: 'pong' } };
      if (event !== 'workflow_job') return { status: 202, body: { message: `event ${event} ignored` } };
      const p = req.body as WorkflowJobPayload;
      const job = p.workflow_job;
      if (typeof job?.id !== 'number' || !p.repository?.full_name || typeof p.action !== 'string') {
        return { status: 400, body: { message: 'workflow_job payload without workflow_job.id, action or repository.full_name' } };
      }
      await coordinator.onWorkflowJob({ action: p.action, id: job.id, repo: p.repository.full_name, labels: job.labels ?? [], runnerName: job.runner_name ?? null });
      return { status: 202, body: {} };
    },
  };
}
