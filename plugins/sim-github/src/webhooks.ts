import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from '@sockerless/sdk';
import { repoShape, toRestJob, type SimDelivery, type SimJob } from './model';
import type { SimState } from './state';
import { GitHubError } from './errors';

/** `X-Hub-Signature-256`: HMAC-SHA256 of the exact body with the hook's secret, as GitHub signs deliveries. */
export function signature256(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Delivers `workflow_job` events to the configured hook URL as GitHub does: one POST per event, JSON body,
 * `X-GitHub-Event`, `X-GitHub-Delivery` (a GUID, the same on a redelivery), `X-Hub-Signature-256`. GitHub does
 * not retry a failed delivery by itself; a redelivery is asked for (`POST /app/hook/deliveries/{id}/attempts`).
 */
export class WebhookSender {
  constructor(
    private readonly state: SimState,
    private readonly installationId: number,
    private readonly base: () => string,
    private readonly logger: Logger,
  ) {}

  send(action: string, job: SimJob): void {
    const payload = JSON.stringify({
      action,
      workflow_job: toRestJob(job, this.base()),
      repository: (({ installationId: _i, ...r }) => r)(repoShape(job.repo, this.installationId)),
      installation: { id: this.installationId },
      sender: { login: 'sockerless-sim', id: 1, type: 'User' },
    });
    void this.post({ id: this.state.id(), guid: randomUUID(), event: 'workflow_job', action, jobId: job.id, deliveredAt: '', statusCode: 0, payload, redelivery: false });
  }

  redeliver(id: number): SimDelivery {
    const prior = this.state.deliveries.find((d) => d.id === id);
    if (!prior) throw new GitHubError(404, 'Not Found');
    const again: SimDelivery = { ...prior, id: this.state.id(), redelivery: true, statusCode: 0 };
    void this.post(again);
    return again;
  }

  private async post(d: SimDelivery): Promise<void> {
    const hook = this.state.hook;
    if (!hook) return;
    d.deliveredAt = new Date().toISOString();
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/sockerless-sim',
          'x-github-event': d.event,
          'x-github-delivery': d.guid,
          'x-github-hook-id': '1',
          'x-github-hook-installation-target-type': 'integration',
          'x-hub-signature-256': signature256(hook.secret, d.payload),
        },
        body: d.payload,
        signal: AbortSignal.timeout(10_000),
      });
      d.statusCode = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      this.logger.warn('webhook delivery failed', { url: hook.url, action: d.action, job: d.jobId, err: (err as Error).message });
    }
    this.state.recordDelivery(d);
  }
}
