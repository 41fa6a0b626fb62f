/**
 * The simulator checks AWS Signature Version 4 on every call, as the real services do: the official SDK's
 * signed calls pass with a key pair the simulator knows; unsigned, badly signed, tampered, expired and
 * unknown-key calls are refused with 403 and the exception each protocol names.
 */
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { SIMULATOR_CREDENTIALS } from '@sockerless/sdk';
import { startTestHost } from '@sockerless/sdk/testing';
import plugin from '../src/index';
import { freePort } from '../../../test/support/registry';
import { signedFetch, signHeaders, startSimulator, type TestSimulator } from './helpers';

const LIST_CLUSTERS = { method: 'POST', body: '{}', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters' } };
const CONFIGURED = { accessKeyId: 'AKIDCONFIGURED', secretAccessKey: 'configured-secret' };

let sim: TestSimulator;
beforeAll(async () => { sim = await startSimulator({ credentials: [CONFIGURED] }); });
afterAll(async () => { await sim?.close(); });

async function refusal(res: Response): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  return { status: res.status, type: res.headers.get('x-amzn-errortype'), body: await res.json() as Record<string, unknown> };
}

test('the official SDK signs with SIMULATOR_CREDENTIALS or a configured pair, and is served', async () => {
  expect((await sim.ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([]);
  const configured = new ECSClient({ ...sim.aws, credentials: CONFIGURED });
  try {
    expect((await configured.send(new ListClustersCommand({}))).clusterArns).toEqual([]);
  } finally {
    configured.destroy();
  }
  expect((await signedFetch(sim.endpoint, LIST_CLUSTERS)).status).toBe(200);
});

test('paths and queries are canonicalised as the signer does: an encoded ARN in the path, reserved characters in the query', async () => {
  const arn = encodeURIComponent('arn:aws:lambda:us-east-1:000000000000:function:nope');
  const byArn = await signedFetch(`${sim.endpoint}/2015-03-31/functions/${arn}?Qualifier=%24LATEST`, {}, { service: 'lambda' });
  expect((await refusal(byArn)).type).toBe('ResourceNotFoundException');
  const listed = await signedFetch(`${sim.endpoint}/2015-03-31/functions/?MaxItems=5&Marker=a%2Bb%20c*(d)`, {}, { service: 'lambda' });
  expect(listed.status).not.toBe(403);
});

test('an unsigned call is MissingAuthenticationTokenException, in JSON 1.1 for ECS and Logs, REST-JSON for Lambda', async () => {
  expect(await refusal(await fetch(sim.endpoint, LIST_CLUSTERS))).toEqual({
    status: 403, type: 'MissingAuthenticationTokenException', body: { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
  });
  const logs = await fetch(sim.endpoint, { ...LIST_CLUSTERS, headers: { ...LIST_CLUSTERS.headers, 'x-amz-target': 'Logs_20140328.DescribeLogGroups' } });
  expect((await refusal(logs)).body).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
  expect(await refusal(await fetch(`${sim.endpoint}/2015-03-31/functions/`))).toEqual({
    status: 403, type: 'MissingAuthenticationTokenException', body: expect.objectContaining({ Type: 'User', Message: 'Missing Authentication Token' }),
  });
  // Even an unknown operation says nothing to an unsigned caller.
  expect((await fetch(`${sim.endpoint}/nowhere`, { method: 'POST' })).status).toBe(403);
});

test('a wrong secret, a tampered body, a foreign service scope or an old date is InvalidSignatureException', async () => {
  const wrongSecret = await signedFetch(sim.endpoint, LIST_CLUSTERS, { service: 'ecs', credentials: { accessKeyId: SIMULATOR_CREDENTIALS.accessKeyId, secretAccessKey: 'guessed' } });
  expect(await refusal(wrongSecret)).toEqual({ status: 403, type: 'InvalidSignatureException', body: { __type: 'InvalidSignatureException', message: expect.stringMatching(/^The request signature we calculated does not match/) } });

  // Signed for one body, sent with another.
  const tampered = await fetch(sim.endpoint, { method: 'POST', headers: await signHeaders(sim.endpoint, LIST_CLUSTERS, { service: 'ecs' }), body: '{"maxResults":1}' });
  expect((await refusal(tampered)).type).toBe('InvalidSignatureException');

  const asLambda = await signedFetch(sim.endpoint, LIST_CLUSTERS, { service: 'lambda' });
  expect((await refusal(asLambda)).body).toEqual({ __type: 'InvalidSignatureException', message: "Credential should be scoped to correct service: 'ecs'." });

  const old = await fetch(sim.endpoint, { method: 'POST', headers: await signHeaders(sim.endpoint, LIST_CLUSTERS, { service: 'ecs', signingDate: new Date(Date.now() - 20 * 60_000) }), body: '{}' });
  expect((await refusal(old)).body.message).toMatch(/^Signature expired/);
});

test('an unknown access key is UnrecognizedClientException; a malformed header IncompleteSignatureException', async () => {
  const stranger = new LambdaClient({ ...sim.aws, credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' } });
  try {
    await expect(stranger.send(new ListFunctionsCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.', $metadata: { httpStatusCode: 403 } });
  } finally {
    stranger.destroy();
  }
  const malformed = await fetch(sim.endpoint, { ...LIST_CLUSTERS, headers: { ...LIST_CLUSTERS.headers, authorization: 'AWS4-HMAC-SHA256 Credential=sockerless/20260101/us-east-1/ecs/aws4_request' } });
  expect(await refusal(malformed)).toEqual({ status: 403, type: 'IncompleteSignatureException', body: { __type: 'IncompleteSignatureException', message: expect.stringContaining("requires 'SignedHeaders' parameter") } });
  const basic = await fetch(sim.endpoint, { ...LIST_CLUSTERS, headers: { ...LIST_CLUSTERS.headers, authorization: 'Basic c29ja2VybGVzczpzb2NrZXJsZXNz' } });
  expect((await refusal(basic)).type).toBe('IncompleteSignatureException');
});

test('the simulator the core runs in the daemon refuses an unsigned call and serves the SDK', async () => {
  const port = await freePort();
  const host = await startTestHost({ plugins: ['store-sqlite', 'backend-local', plugin], config: { simulators: { aws: { listen: `tcp://127.0.0.1:${port}` } } } });
  const ecs = new ECSClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { ...SIMULATOR_CREDENTIALS }, maxAttempts: 1 });
  try {
    const unsigned = await fetch(`http://127.0.0.1:${port}/`, LIST_CLUSTERS);
    expect(await refusal(unsigned)).toMatchObject({ status: 403, type: 'MissingAuthenticationTokenException' });
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([]);
  } finally {
    ecs.destroy();
    await host.close();
  }
});
