import { randomUUID } from 'node:crypto';
import { ArmError } from '../errors';
import type { Reply } from '../routes';
import { armRoute, ok, SEGMENT } from '../routes';

type Status = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

interface Operation {
  id: string;
  status: Status;
  startTime: string;
  endTime?: string;
  error?: { code: string; message: string };
  /** What the Location poll answers once done (the final state of a POST LRO, e.g. a JobExecutionBase). */
  result?: unknown;
}

/**
 * ARM long-running operations, as the SDKs' core-lro polls them: a PUT answers 201 with `Azure-AsyncOperation`
 * (polled for `{"status"}` until terminal, then the resource is read), a POST or DELETE 202 with `Location`
 * (202 while running, then 200 with the final body). Poll URLs are absolute and point back at the simulator;
 * `Retry-After: 0` because simulated provisioning takes milliseconds, not the SDK's default 2 s.
 */
export class Operations {
  private readonly ops = new Map<string, Operation>();

  begin(): string {
    const id = randomUUID();
    this.ops.set(id, { id, status: 'InProgress', startTime: new Date().toISOString() });
    return id;
  }

  succeed(id: string, result?: unknown): void {
    this.end(id, { status: 'Succeeded', result });
  }

  fail(id: string, code: string, message: string): void {
    this.end(id, { status: 'Failed', error: { code, message } });
  }

  private end(id: string, outcome: Partial<Operation>): void {
    const op = this.ops.get(id);
    if (op) Object.assign(op, outcome, { endTime: new Date().toISOString() });
    // Polls come within seconds; an operation nobody polls is forgotten after ten minutes.
    setTimeout(() => this.ops.delete(id), 600_000).unref();
  }

  /** Headers of an initial LRO answer for `op` of `namespace` in `location` (`Microsoft.App`, `eastus`). */
  headers(base: string, subscription: string, namespace: string, location: string, op: string, apiVersion: string): Record<string, string> {
    const at = `${base}/subscriptions/${subscription}/providers/${namespace}/locations/${encodeURIComponent(location || 'global')}`;
    return {
      'azure-asyncoperation': `${at}/operationStatuses/${op}?api-version=${apiVersion}`,
      location: `${at}/operationResults/${op}?api-version=${apiVersion}`,
      'retry-after': '0',
    };
  }

  routes() {
    const prefix = `/subscriptions/${SEGMENT}/providers/${SEGMENT}/locations/${SEGMENT}`;
    return [
      armRoute('GET', `${prefix}/operationStatuses/${SEGMENT}`, (c) => {
        const op = this.require(c.params[3]);
        const body = { id: `/subscriptions/${c.params[0]}/providers/${c.params[1]}/locations/${c.params[2]}/operationStatuses/${op.id}`, name: op.id, status: op.status, startTime: op.startTime, ...(op.endTime ? { endTime: op.endTime } : {}), ...(op.error ? { error: op.error } : {}) };
        return ok(body, 200, op.status === 'InProgress' ? { 'retry-after': '0' } : {});
      }),
      armRoute('GET', `${prefix}/operationResults/${SEGMENT}`, (c): Reply => {
        const op = this.require(c.params[3]);
        if (op.status === 'InProgress') return { status: 202, headers: { location: `${c.base}${c.req.url}`, 'retry-after': '0' } };
        if (op.status === 'Failed') return ok({ error: op.error }, 400);
        return op.result === undefined ? { status: 204 } : ok(op.result);
      }),
    ];
  }

  private require(id: string): Operation {
    const op = this.ops.get(id);
    if (!op) throw new ArmError(404, 'OperationNotFound', `The operation '${id}' was not found.`);
    return op;
  }
}
