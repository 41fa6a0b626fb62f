import { BUSYBOX, https, prepareEnvironment, RG, shellJob, startSimulator, SUB, until, type TestSimulator } from './helpers';

/** Container Apps jobs through @azure/arm-appcontainers, LROs polled by the SDK, logs through @azure/monitor-query-logs. */
describe('sim-azure: Container Apps jobs', () => {
  let sim: TestSimulator;
  let environmentId: string;
  let workspaceId: string;

  beforeAll(async () => {
    sim = await startSimulator();
    ({ environmentId, workspaceId } = await prepareEnvironment(sim));
  });
  afterAll(async () => { await sim?.close(); });

  const finished = (job: string, execution: string) => until(async () => {
    const e = await sim.apps.jobExecution(RG, job, execution);
    return ['Succeeded', 'Failed', 'Stopped'].includes(e.status ?? '') ? e : undefined;
  }, `execution ${execution} to end`);

  it('creates a job through the Azure-AsyncOperation LRO, then gets, lists, updates and deletes it', async () => {
    const polled: string[] = [];
    const job = await sim.apps.jobs.beginCreateOrUpdateAndWait(RG, 'crud', shellJob(environmentId, 'true'), {
      onResponse: (raw) => { polled.push(`${raw.request.method} ${new URL(raw.request.url).pathname}`); },
    });
    expect(job.provisioningState).toBe('Succeeded');
    expect(job.configuration?.triggerType).toBe('Manual');
    expect(job.template?.containers?.[0].image).toBe(BUSYBOX);
    expect(polled.some((p) => p.includes('/operationStatuses/'))).toBe(true);
    // Resource ids are case-insensitive: another spelling of the group finds the same job, with its own spelling.
    const again = await sim.apps.jobs.get('RG1', 'CRUD');
    expect(again.id).toBe(job.id);
    const names = [];
    for await (const j of sim.apps.jobs.listByResourceGroup(RG)) names.push(j.name);
    expect(names).toContain('crud');
    const bySub = [];
    for await (const j of sim.apps.jobs.listBySubscription()) bySub.push(j.name);
    expect(bySub).toContain('crud');
    const updated = await sim.apps.jobs.beginUpdateAndWait(RG, 'crud', { tags: { owner: 'changed' } });
    expect(updated.tags).toEqual({ owner: 'changed' });
    await sim.apps.jobs.beginDeleteAndWait(RG, 'crud');
    await expect(sim.apps.jobs.get(RG, 'crud')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  it('answers ARM errors: unknown group, bad body, an image the registry lacks fails the LRO', async () => {
    await expect(sim.apps.jobs.get('nogroup', 'x')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' });
    await expect(sim.apps.jobs.beginCreateOrUpdateAndWait(RG, 'bad', { location: 'eastus', environmentId } as never)).rejects.toMatchObject({ statusCode: 400, code: 'InvalidRequestContent' });
    const noImage = shellJob(environmentId, 'true');
    noImage.template.containers[0].image = 'nosuch/image:1';
    await expect(sim.apps.jobs.beginCreateOrUpdateAndWait(RG, 'noimage', noImage)).rejects.toThrow(/InvalidParameterValueInContainerTemplate|nosuch\/image/);
    expect((await sim.apps.jobs.get(RG, 'noimage')).provisioningState).toBe('Failed');
    await expect(sim.apps.managedEnvironments.beginDeleteAndWait(RG, 'env1')).rejects.toMatchObject({ statusCode: 409, code: 'Conflict' });
  });

  it('starts an execution with a template override (Location LRO), which succeeds; its lines are in the workspace', async () => {
    const echoJob = shellJob(environmentId, 'echo from-job');
    await sim.apps.jobs.beginCreateOrUpdateAndWait(RG, 'echo', { ...echoJob, configuration: { ...echoJob.configuration, secrets: [{ name: 'token', value: 'stderr' }] } });
    const started = await sim.apps.jobs.beginStartAndWait(RG, 'echo', {
      template: { containers: [{ name: 'main', image: BUSYBOX, command: ['/bin/sh', '-c'], args: ['echo line-one; echo "$GREETING-$TOKEN" >&2; echo line-three'], env: [{ name: 'GREETING', value: 'hello' }, { name: 'TOKEN', secretRef: 'token' }] }] },
    });
    expect(started.name).toMatch(/^echo-/);
    const e = await finished('echo', started.name!);
    expect(e.status).toBe('Succeeded');
    const listed = [];
    for await (const x of sim.apps.jobsExecutions.list(RG, 'echo')) listed.push(x.name);
    expect(listed).toEqual([started.name]);

    const query = `ContainerAppConsoleLogs_CL | where ContainerJobName_s == 'echo' and ContainerGroupName_s startswith '${started.name}' | order by TimeGenerated asc | project TimeGenerated, Stream_s, Log_s`;
    const result = await sim.logs.queryWorkspace(workspaceId, query, { duration: 'PT1H' });
    expect(result.status).toBe('Success');
    const rows = (result as { tables: Array<{ rows: unknown[][] }> }).tables[0].rows;
    // Ordered by time; stdout and stderr are separate pipes, so only each stream's own order is certain.
    expect(rows.filter((r) => r[1] === 'stdout').map((r) => r[2])).toEqual(['line-one', 'line-three']);
    expect(rows.filter((r) => r[1] === 'stderr').map((r) => r[2])).toEqual(['hello-stderr']);
    expect(rows.map((r) => r[2]).sort()).toEqual(['hello-stderr', 'line-one', 'line-three']);
    expect(rows[0][0]).toBeInstanceOf(Date);
  });

  it('shows a workload that exits 3 as Failed with exit code 3', async () => {
    await sim.apps.jobs.beginCreateOrUpdateAndWait(RG, 'three', shellJob(environmentId, 'exit 3'));
    const started = await sim.apps.jobs.beginStartAndWait(RG, 'three');
    await finished('three', started.name!);
    let raw: any;
    const e = await sim.apps.jobExecution(RG, 'three', started.name!, { onResponse: (r) => { raw = JSON.parse(r.bodyAsText!); } });
    expect(e.status).toBe('Failed');
    expect(raw.properties.detailedStatus.replicas[0].containers[0].code).toBe(3);
  });

  it('stops a running execution: Stopped', async () => {
    await sim.apps.jobs.beginCreateOrUpdateAndWait(RG, 'long', shellJob(environmentId, 'echo started; sleep 60'));
    const started = await sim.apps.jobs.beginStartAndWait(RG, 'long');
    await until(async () => (await sim.logs.queryWorkspace(workspaceId, `ContainerAppConsoleLogs_CL | where ContainerGroupName_s startswith '${started.name}'`, { duration: 'PT1H' }) as { tables: Array<{ rows: unknown[] }> }).tables[0].rows.length || undefined, 'the first line');
    expect((await sim.apps.jobExecution(RG, 'long', started.name!)).status).toBe('Running');
    await sim.apps.jobs.beginStopExecutionAndWait(RG, 'long', started.name!);
    expect((await sim.apps.jobExecution(RG, 'long', started.name!)).status).toBe('Stopped');
  });

  it('answers a query outside the KQL subset with a clear 400, and an unknown workspace with 404', async () => {
    await expect(sim.logs.queryWorkspace(workspaceId, 'ContainerAppConsoleLogs_CL | summarize count() by Stream_s', { duration: 'PT1H' }))
      .rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(/summarize.*not supported/) });
    await expect(sim.logs.queryWorkspace('00000000-0000-0000-0000-00000000dead', 'ContainerAppConsoleLogs_CL', { duration: 'PT1H' })).rejects.toMatchObject({ statusCode: 404 });
  });

  it('deleting the resource group stops its running executions and forgets its jobs', async () => {
    await https(sim, 'PUT', `/subscriptions/${SUB}/resourceGroups/doomed?api-version=2021-04-01`, { location: 'eastus' });
    const env = await sim.apps.managedEnvironments.beginCreateOrUpdateAndWait('doomed', 'env', { location: 'eastus' });
    await sim.apps.jobs.beginCreateOrUpdateAndWait('doomed', 'sleeper', shellJob(env.id!, 'sleep 60'));
    const started = await sim.apps.jobs.beginStartAndWait('doomed', 'sleeper');
    await until(async () => ((await sim.apps.jobExecution('doomed', 'sleeper', started.name!)).status === 'Running' ? true : undefined), 'the execution to run');
    const t0 = Date.now();
    expect((await https(sim, 'DELETE', `/subscriptions/${SUB}/resourceGroups/doomed?api-version=2021-04-01`)).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(30_000);
    await expect(sim.apps.jobs.get('doomed', 'sleeper')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' });
  });

  it('keeps jobs and executions across a restart', async () => {
    await sim.apps.jobs.beginCreateOrUpdateAndWait(RG, 'kept', shellJob(environmentId, 'true'));
    const started = await sim.apps.jobs.beginStartAndWait(RG, 'kept');
    await finished('kept', started.name!);
    await sim.restart();
    expect((await sim.apps.jobExecution(RG, 'kept', started.name!)).status).toBe('Succeeded');
    const raw = await https(sim, 'GET', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.App/jobs/kept/executions?api-version=2025-07-01`);
    expect(raw.json().value).toHaveLength(1);
  });
});
