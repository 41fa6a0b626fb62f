/** Cloud Run Admin API v2 on the simulator through the official client (@google-cloud/run, REST fallback). */
import { BUSYBOX, expectGoogleError, PARENT, shellJob, startSimulator, type TestSimulator } from './helpers';

let sim: TestSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim?.close(); });

async function createJob(jobId: string, body: Record<string, unknown>) {
  const [op] = await sim.jobs.createJob({ parent: PARENT, jobId, job: body as never });
  const [job] = await op.promise();
  return job;
}

async function runToEnd(name: string, overrides?: Record<string, unknown>) {
  const [op] = await sim.jobs.runJob({ name, overrides: overrides as never });
  // As on Cloud Run, the operation's metadata names the execution at once; the operation ends with it.
  const started = (op.metadata as { name?: string } | null)?.name;
  expect(started).toMatch(new RegExp(`^${name}/executions/[a-z0-9-]+-[a-z0-9]{5}$`));
  const [execution] = await op.promise();
  expect(execution.name).toBe(started);
  return execution;
}

describe('jobs', () => {
  test('create (LRO), get, update (LRO), delete (LRO), with labels', async () => {
    const job = await createJob('crud', shellJob('true', { labels: { team: 'a', 'sockerless-id': 'abc123' } }));
    expect(String(job.generation)).toBe('1');
    expect(job).toMatchObject({ name: `${PARENT}/jobs/crud`, labels: { team: 'a', 'sockerless-id': 'abc123' } });
    expect(job.template?.template?.containers?.[0]).toMatchObject({ image: BUSYBOX, command: ['/bin/sh', '-c'], args: ['true'] });
    const [got] = await sim.jobs.getJob({ name: job.name });
    expect(got).toMatchObject({ name: job.name, uid: job.uid, terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED' }, executionCount: 0 });

    const [updateOp] = await sim.jobs.updateJob({ job: { ...got, labels: { team: 'b' } } });
    const [updated] = await updateOp.promise();
    expect(String(updated.generation)).toBe('2');
    expect(updated.labels).toEqual({ team: 'b' });
    expect((await sim.jobs.getJob({ name: job.name }))[0].labels).toEqual({ team: 'b' });

    const [deleteOp] = await sim.jobs.deleteJob({ name: job.name });
    const [deleted] = await deleteOp.promise();
    expect(deleted.name).toBe(job.name);
    await expectGoogleError(sim.jobs.getJob({ name: job.name }), 404, 'NOT_FOUND');
  });

  test('errors: ALREADY_EXISTS, NOT_FOUND, INVALID_ARGUMENT as Google shapes them', async () => {
    await createJob('dup', shellJob('true'));
    await expectGoogleError(sim.jobs.createJob({ parent: PARENT, jobId: 'dup', job: shellJob('true') as never }), 409, 'ALREADY_EXISTS');
    await expectGoogleError(sim.jobs.getJob({ name: `${PARENT}/jobs/nope` }), 404, 'NOT_FOUND');
    await expectGoogleError(sim.jobs.runJob({ name: `${PARENT}/jobs/nope` }), 404, 'NOT_FOUND');
    await expectGoogleError(sim.jobs.deleteJob({ name: `${PARENT}/jobs/nope` }), 404, 'NOT_FOUND');
    await expectGoogleError(sim.jobs.createJob({ parent: PARENT, jobId: 'Bad_Id', job: shellJob('true') as never }), 400, 'INVALID_ARGUMENT');
    await expectGoogleError(sim.jobs.createJob({ parent: PARENT, jobId: 'noimage', job: { template: { template: { containers: [{}] } } } }), 400, 'INVALID_ARGUMENT');
    await expectGoogleError(sim.jobs.createJob({ parent: PARENT, jobId: 'badlabel', job: shellJob('true', { labels: { Upper: 'x' } }) as never }), 400, 'INVALID_ARGUMENT');
    // The raw wire: Google's JSON error shape.
    const res = await fetch(`${sim.endpoint}/v2/${PARENT}/jobs/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 404, message: expect.stringContaining('nope'), status: 'NOT_FOUND' } });
  });

  test('an image the registry does not have fails the create operation (GoogleError NOT_FOUND) and leaves no job', async () => {
    const [op] = await sim.jobs.createJob({ parent: PARENT, jobId: 'noimg', job: { template: { template: { containers: [{ image: 'nowhere/none:1' }] } } } });
    await expect(op.promise()).rejects.toMatchObject({ code: 5, message: expect.stringContaining("Image 'nowhere/none:1' not found") });
    await expectGoogleError(sim.jobs.getJob({ name: `${PARENT}/jobs/noimg` }), 404, 'NOT_FOUND');
  });

  test('list pages with page tokens', async () => {
    for (const id of ['page-a', 'page-b', 'page-c']) await createJob(id, shellJob('true', { labels: { list: 'pages' } }));
    const [first, next, response] = await sim.jobs.listJobs({ parent: PARENT, pageSize: 2 }, { autoPaginate: false });
    expect(first).toHaveLength(2);
    expect(response?.nextPageToken).toBeTruthy();
    expect(next?.pageToken).toBe(response?.nextPageToken);
    const all: string[] = [];
    for await (const job of sim.jobs.listJobsAsync({ parent: PARENT, pageSize: 2 })) all.push(job.name!);
    expect(all).toEqual(expect.arrayContaining([`${PARENT}/jobs/page-a`, `${PARENT}/jobs/page-b`, `${PARENT}/jobs/page-c`]));
    expect(new Set(all).size).toBe(all.length);
    await expectGoogleError(sim.jobs.listJobs({ parent: PARENT, pageToken: 'garbage' }, { autoPaginate: false }), 400, 'INVALID_ARGUMENT');
  });
});

describe('executions and tasks', () => {
  test('a task counts running (runningCount, its startTime) once its container started, not at the execution\'s start', async () => {
    const job = await createJob('running-count', shellJob('sleep 1'));
    const [op] = await sim.jobs.runJob({ name: job.name });
    const name = (op.metadata as { name: string }).name;
    const seen: number[] = [];
    for (;;) {
      const [e] = await sim.executions.getExecution({ name });
      seen.push(Number(e.runningCount ?? 0));
      if (e.runningCount) {
        const [tasks] = await sim.tasks.listTasks({ parent: name });
        expect(Number(tasks[0].startTime?.seconds ?? 0)).toBeGreaterThan(0);
        break;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    // The sandbox takes tens of milliseconds to start the container: the first reads see none running.
    expect(seen[0]).toBe(0);
    const [ended] = await op.promise();
    expect(ended).toMatchObject({ succeededCount: 1, runningCount: 0 });
  });

  test('a workload that exits 3: failedCount 1, the failed Completed condition and the exit code on the task', async () => {
    const job = await createJob('exit3', shellJob('echo out; echo err >&2; exit 3'));
    const execution = await runToEnd(job.name!);
    expect(execution).toMatchObject({ taskCount: 1, succeededCount: 0, failedCount: 1, cancelledCount: 0, runningCount: 0 });
    const [got] = await sim.executions.getExecution({ name: execution.name });
    expect(got.completionTime).toBeTruthy();
    expect(got.conditions?.find((c) => c.type === 'Completed')).toMatchObject({
      state: 'CONDITION_FAILED', executionReason: 'NON_ZERO_EXIT_CODE', message: expect.stringContaining('exit code of 3'),
    });
    const [tasks] = await sim.tasks.listTasks({ parent: execution.name });
    expect(tasks).toHaveLength(1);
    expect(tasks[0].lastAttemptResult).toMatchObject({ exitCode: 3, status: { code: 2 } });
    const [task] = await sim.tasks.getTask({ name: tasks[0].name });
    expect(task).toMatchObject({ index: 0, retried: 0, lastAttemptResult: { exitCode: 3 } });
    const [updatedJob] = await sim.jobs.getJob({ name: job.name });
    expect(updatedJob).toMatchObject({ executionCount: 1, latestCreatedExecution: { name: execution.name, completionStatus: 'EXECUTION_FAILED' } });
  });

  test('a successful run: succeededCount, CONDITION_SUCCEEDED, exit code 0', async () => {
    const job = await createJob('ok', shellJob('exit 0'));
    const execution = await runToEnd(job.name!);
    expect(execution).toMatchObject({ succeededCount: 1, failedCount: 0 });
    // The LRO result is a protobuf message: enums are numbers there (4 = CONDITION_SUCCEEDED).
    expect(execution.conditions?.find((c) => c.type === 'Completed')?.state).toBe(4);
    const [tasks] = await sim.tasks.listTasks({ parent: execution.name });
    expect(tasks[0].lastAttemptResult).toMatchObject({ exitCode: 0 });
  });

  test(':run overrides: args, env, task count and timeout', async () => {
    const job = await createJob('over', {
      template: { template: { containers: [{ image: BUSYBOX, command: ['/bin/sh', '-c'], args: ['exit 9'], env: [{ name: 'WANT', value: 'job' }] }], maxRetries: 0 } },
    });
    const execution = await runToEnd(job.name!, {
      containerOverrides: [{ args: ['[ "$WANT" = over ] && [ "$CLOUD_RUN_TASK_COUNT" = 3 ] && echo "task $CLOUD_RUN_TASK_INDEX"'], env: [{ name: 'WANT', value: 'over' }] }],
      taskCount: 3,
    });
    expect(execution).toMatchObject({ taskCount: 3, succeededCount: 3, failedCount: 0 });
    const [tasks] = await sim.tasks.listTasks({ parent: execution.name, pageSize: 2 }, { autoPaginate: false });
    expect(tasks.map((t) => t.index)).toEqual([0, 1]);
    const all: number[] = [];
    for await (const t of sim.tasks.listTasksAsync({ parent: execution.name, pageSize: 2 })) all.push(t.index!);
    expect(all).toEqual([0, 1, 2]);

    const timedOut = await runToEnd(job.name!, { containerOverrides: [{ args: ['sleep 30'] }], timeout: { seconds: 1 } });
    expect(timedOut).toMatchObject({ failedCount: 1 });
    const [[task]] = await sim.tasks.listTasks({ parent: timedOut.name });
    expect(task.lastAttemptResult).toMatchObject({ status: { code: 4 } });
    expect(task.conditions?.[0]?.message).toContain('timeout');
  });

  test('retries up to maxRetries; retriedCount counts them', async () => {
    const job = await createJob('retry', { template: { template: { containers: [{ image: BUSYBOX, command: ['/bin/sh', '-c'], args: ['echo attempt $CLOUD_RUN_TASK_ATTEMPT; exit 1'] }], maxRetries: 2 } } });
    const execution = await runToEnd(job.name!);
    expect(execution).toMatchObject({ failedCount: 1, retriedCount: 2 });
    const [[task]] = await sim.tasks.listTasks({ parent: execution.name });
    expect(task.retried).toBe(2);
  });

  test('cancel (LRO) ends a running execution: cancelledCount, CANCELLED; then delete (LRO)', async () => {
    const job = await createJob('cancel', shellJob('sleep 60'));
    const [runOp] = await sim.jobs.runJob({ name: job.name });
    const name = (runOp.metadata as { name: string }).name;
    const [[running]] = await sim.executions.listExecutions({ parent: job.name });
    expect(running.name).toBe(name);
    const [cancelOp] = await sim.executions.cancelExecution({ name });
    const [cancelled] = await cancelOp.promise();
    expect(cancelled).toMatchObject({ cancelledCount: 1, failedCount: 0, succeededCount: 0 });
    const [got] = await sim.executions.getExecution({ name });
    expect(got.conditions?.find((c) => c.type === 'Completed')).toMatchObject({ state: 'CONDITION_FAILED', executionReason: 'CANCELLED' });
    // The run operation ends with its execution.
    const [ended] = await runOp.promise();
    expect(ended.cancelledCount).toBe(1);
    await expectGoogleError(sim.executions.cancelExecution({ name }), 400, 'FAILED_PRECONDITION');

    const [deleteOp] = await sim.executions.deleteExecution({ name });
    await deleteOp.promise();
    await expectGoogleError(sim.executions.getExecution({ name }), 404, 'NOT_FOUND');
    await expectGoogleError(sim.tasks.listTasks({ parent: name }), 404, 'NOT_FOUND');
  });

  test('executions list newest first, with page tokens', async () => {
    const job = await createJob('many', shellJob('true'));
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await runToEnd(job.name!)).name);
    const [page1, , resp] = await sim.executions.listExecutions({ parent: job.name, pageSize: 2 }, { autoPaginate: false });
    expect(page1).toHaveLength(2);
    const [page2] = await sim.executions.listExecutions({ parent: job.name, pageSize: 2, pageToken: resp!.nextPageToken! }, { autoPaginate: false });
    expect([...page1, ...page2].map((e) => e.name).sort()).toEqual([...made].sort());
    await expectGoogleError(sim.executions.listExecutions({ parent: `${PARENT}/jobs/nope` }), 404, 'NOT_FOUND');
  });
});

describe('operations', () => {
  test('get returns done with a typed response; :wait holds until the operation is done', async () => {
    const job = await createJob('ops', shellJob('sleep 0.5'));
    const [runOp] = await sim.jobs.runJob({ name: job.name });
    const opName = runOp.name;
    expect(opName).toMatch(/^projects\/p1\/locations\/us-central1\/operations\/[0-9a-f-]+$/);
    const polled = await (await fetch(`${sim.endpoint}/v2/${opName}`)).json() as Record<string, unknown>;
    expect(polled).toMatchObject({ name: opName, done: false, metadata: { '@type': 'type.googleapis.com/google.cloud.run.v2.Execution' } });
    const waited = await (await fetch(`${sim.endpoint}/v2/${opName}:wait`, { method: 'POST', body: JSON.stringify({ timeout: '30s' }) })).json() as Record<string, unknown>;
    expect(waited).toMatchObject({ done: true, response: { '@type': 'type.googleapis.com/google.cloud.run.v2.Execution', succeededCount: 1 } });
    const [viaClient] = await sim.jobs.getOperation({ name: opName } as never);
    expect(viaClient).toMatchObject({ name: opName, done: true });
    await expectGoogleError(fetch(`${sim.endpoint}/v2/${PARENT}/operations/nope`).then(async (r) => { if (!r.ok) throw Object.assign(new Error(await r.text()), { status: r.status }); }), 404, 'NOT_FOUND');
  });

  test('a malformed body is INVALID_ARGUMENT; an unknown path is NOT_FOUND', async () => {
    const bad = await fetch(`${sim.endpoint}/v2/${PARENT}/jobs?jobId=x`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
    expect((await bad.json() as { error: { status: string } }).error.status).toBe('INVALID_ARGUMENT');
    const unknown = await fetch(`${sim.endpoint}/v1/whatever`);
    expect(unknown.status).toBe(404);
    expect((await unknown.json() as { error: { status: string } }).error.status).toBe('NOT_FOUND');
  });
});
