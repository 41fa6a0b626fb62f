import { ClientSecretCredential } from '@azure/identity';
import { BUSYBOX, https, LOCATION, RG, startSimulator, SUB, type TestSimulator } from './helpers';

/** Function Apps through @azure/arm-appservice, the invoke path, and a ClientSecretCredential against the token endpoint. */
describe('sim-azure: Function Apps and the token endpoint', () => {
  let sim: TestSimulator;

  beforeAll(async () => {
    sim = await startSimulator();
    await https(sim, 'PUT', `/subscriptions/${SUB}/resourceGroups/${RG}?api-version=2021-04-01`, { location: LOCATION });
  });
  afterAll(async () => { await sim?.close(); });

  it('gets a token with ClientSecretCredential (authorityHost pointed at the simulator) and uses it', async () => {
    const credential = new ClientSecretCredential('tenant1', 'client1', 'secret1', {
      authorityHost: sim.endpoint, disableInstanceDiscovery: true, ...sim.clientOptions,
    });
    const token = await credential.getToken('https://management.azure.com/.default');
    expect(token.token.split('.')).toHaveLength(3);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now());
    const claims = JSON.parse(Buffer.from(token.token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ appid: 'client1', tid: 'tenant1', aud: 'https://management.azure.com' });
  });

  it('creates a Linux container Function App (Location LRO), reads its keys, invokes it, deletes it', async () => {
    const site = await sim.web.webApps.beginCreateOrUpdateAndWait(RG, 'fn1', {
      location: LOCATION, kind: 'functionapp,linux,container', reserved: true,
      siteConfig: { linuxFxVersion: `DOCKER|${BUSYBOX}`, appSettings: [{ name: 'GREETING', value: 'hi' }] },
    });
    expect(site.name).toBe('fn1');
    expect(site.defaultHostName).toBe(`127.0.0.1:${sim.port}/sites/fn1`);
    expect((await sim.web.webApps.get(RG, 'fn1')).siteConfig?.linuxFxVersion).toBe(`DOCKER|${BUSYBOX}`);
    const keys = await sim.web.webApps.listHostKeys(RG, 'fn1');
    expect(keys.masterKey).toBeTruthy();

    // The image's CMD is /bin/sh: the body is the script it reads on stdin.
    const ok = await https(sim, 'POST', '/sites/fn1/api/hello', 'echo "$GREETING from $FUNCTION_NAME"; cat /dev/null');
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('hi from hello\n');
    expect(ok.headers['x-sockerless-exit-code']).toBe('0');
    const failed = await https(sim, 'POST', '/sites/fn1/api/hello', 'exit 4');
    expect(failed.status).toBe(500);
    expect(failed.headers['x-sockerless-exit-code']).toBe('4');

    await sim.web.webApps.delete(RG, 'fn1');
    await expect(sim.web.webApps.get(RG, 'fn1')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    expect((await https(sim, 'POST', '/sites/fn1/api/hello', 'true')).status).toBe(404);
  });

  it('sends an invocation\'s lines to the workspace a diagnostic setting names (FunctionAppLogs)', async () => {
    const ws = await https(sim, 'PUT', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.OperationalInsights/workspaces/fnlogs?api-version=2022-10-01`, { location: LOCATION });
    const site = await sim.web.webApps.beginCreateOrUpdateAndWait(RG, 'fnlog', { location: LOCATION, kind: 'functionapp,linux,container', siteConfig: { linuxFxVersion: `DOCKER|${BUSYBOX}` } });
    const diag = await https(sim, 'PUT', `${site.id}/providers/Microsoft.Insights/diagnosticSettings/tows?api-version=2021-05-01-preview`, { properties: { workspaceId: ws.json().id, logs: [{ category: 'FunctionAppLogs', enabled: true }] } });
    expect(diag.status).toBe(200);
    const call = await https(sim, 'POST', '/sites/fnlog/api/work', 'echo out-line; echo err-line >&2');
    expect(call.status).toBe(200);
    const result = await sim.logs.queryWorkspace(ws.json().properties.customerId, "FunctionAppLogs | where AppName == 'fnlog' | order by TimeGenerated asc | project Level, Message", { duration: 'PT1H' });
    const rows = (result as { tables: Array<{ rows: unknown[][] }> }).tables[0].rows;
    expect(rows.map((r) => r.join(' ')).sort()).toEqual(['Error err-line', 'Information out-line']);
  });

  it('refuses a Function App whose linuxFxVersion is not a container image', async () => {
    await expect(sim.web.webApps.beginCreateOrUpdateAndWait(RG, 'fn2', { location: LOCATION, siteConfig: { linuxFxVersion: 'Node|20' } }))
      .rejects.toMatchObject({ statusCode: 400, code: 'InvalidRequestContent' });
  });
});
