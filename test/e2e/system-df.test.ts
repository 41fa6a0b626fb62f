/** `GET /system/df` (`docker system df`, dockerode's df()): real sizes of images, containers, volumes. */
import Docker from 'dockerode';
import { validateAgainstSpec } from '../support/spec-schema';
import { api } from '../support/raw-http';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
let dockerode: Docker;
let containerId: string;
beforeAll(async () => {
  e = await startE2E();
  dockerode = new Docker({ socketPath: e.daemon.socket });
  await e.ok(['tag', BUSYBOX, 'df-other:1']);
  await e.ok(['volume', 'create', 'df-vol']);
  await e.ok(['volume', 'create', 'df-empty']);
  // Writes 4 bytes into its own layer and 3 into the volume, as in dockerd's output for the same commands.
  containerId = await e.ok(['create', '--name', 'df-writer', '-v', 'df-vol:/data', BUSYBOX, 'sh', '-c', 'echo hi > /data/x; echo abc > /f']);
  await e.ok(['start', '-a', 'df-writer']);
});
afterAll(async () => { await e?.dispose(); });

function expectValid(definition: string, body: unknown) {
  expect({ definition, errors: validateAgainstSpec(definition, body) }).toEqual({ definition, errors: [] });
}

test('the df body: images, containers and volumes with their sizes, valid against the spec', async () => {
  const r = await api(e.daemon.socket, 'GET', '/v1.50/system/df');
  expect(r.status).toBe(200);
  const df = r.json();
  const image = df.Images.find((i: { RepoTags: string[] }) => i.RepoTags.includes(BUSYBOX));
  expect(image.RepoTags.sort()).toEqual([BUSYBOX, 'df-other:1']);
  expect(image.Size).toBeGreaterThan(1_000_000);
  // Its one layer belongs to no other image: nothing shared; counted once in LayersSize.
  expect(image).toMatchObject({ SharedSize: 0, Containers: 1 });
  expect(df.LayersSize).toBe(image.Size);
  const container = df.Containers.find((c: { Id: string }) => c.Id === containerId);
  // The same writable-layer size as inspect with size=1: the 4 bytes of /f, as dockerd counts them (the /etc
  // files the daemon writes into the root are not the container's).
  const inspected = (await api(e.daemon.socket, 'GET', `/v1.50/containers/${containerId}/json?size=1`)).json();
  expect(container.SizeRw).toBe(4);
  expect(container).toMatchObject({ Names: ['/df-writer'], SizeRw: inspected.SizeRw, SizeRootFs: inspected.SizeRw + image.Size, State: 'exited' });
  // ps --size and inspect --size say the same, as with dockerd.
  expect(inspected.SizeRootFs).toBe(container.SizeRootFs);
  const listed = (await api(e.daemon.socket, 'GET', '/v1.50/containers/json?all=1&size=1')).json();
  expect(listed.find((c: { Id: string }) => c.Id === containerId)).toMatchObject({ SizeRw: container.SizeRw, SizeRootFs: container.SizeRootFs });
  const vol = df.Volumes.find((v: { Name: string }) => v.Name === 'df-vol');
  expect(vol.UsageData).toEqual({ Size: 3, RefCount: 1 });
  expect(df.Volumes.find((v: { Name: string }) => v.Name === 'df-empty').UsageData).toEqual({ Size: 0, RefCount: 0 });
  // No build ran on this daemon: an empty build cache (test/e2e/build.test.ts shows a filled one).
  expect(df).toMatchObject({ BuildCache: [], BuilderSize: 0 });
  for (const i of df.Images) expectValid('ImageSummary', i);
  for (const c of df.Containers) expectValid('ContainerSummary', c);
  for (const v of df.Volumes) expectValid('Volume', v);
});

test('two images sharing a layer: SharedSize on both, the layer counted once', async () => {
  const id = await e.ok(['commit', 'df-writer', 'df-committed:1']);
  try {
    const df = (await api(e.daemon.socket, 'GET', '/v1.50/system/df?type=image')).json();
    const base = df.Images.find((i: { RepoTags: string[] }) => i.RepoTags.includes(BUSYBOX));
    const committed = df.Images.find((i: { Id: string }) => i.Id === id);
    expect(committed.Size).toBeGreaterThan(base.Size);
    expect(base.SharedSize).toBe(base.Size);
    expect(committed.SharedSize).toBe(base.Size);
    expect(committed.Containers).toBe(0);
    expect(df.LayersSize).toBe(committed.Size);
  } finally {
    await e.ok(['rmi', 'df-committed:1']);
  }
});

test('type= narrows the answer (API 1.42+); an unknown type is a 400; older versions get everything', async () => {
  const volumesOnly = (await api(e.daemon.socket, 'GET', '/v1.50/system/df?type=volume')).json();
  expect(Object.keys(volumesOnly)).toEqual(['Volumes']);
  const two = (await api(e.daemon.socket, 'GET', '/v1.50/system/df?type=container&type=build-cache')).json();
  expect(Object.keys(two).sort()).toEqual(['BuildCache', 'BuilderSize', 'Containers']);
  const bad = await api(e.daemon.socket, 'GET', '/v1.50/system/df?type=bogus');
  expect(bad.status).toBe(400);
  expect(bad.json()).toEqual({ message: 'unknown object type: bogus' });
  const old = (await api(e.daemon.socket, 'GET', '/v1.41/system/df?type=volume')).json();
  expect(Object.keys(old).sort()).toEqual(['BuildCache', 'BuilderSize', 'Containers', 'Images', 'LayersSize', 'Volumes']);
});

test('docker system df and -v print the real numbers', async () => {
  const table = await e.ok(['system', 'df', '--format', '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}']);
  const rows = Object.fromEntries(table.split('\n').map((l) => { const [type, ...rest] = l.split('|'); return [type, rest]; }));
  expect(rows.Images.slice(0, 2)).toEqual(['1', '1']);
  const { SizeRw } = (await api(e.daemon.socket, 'GET', `/v1.50/containers/${containerId}/json?size=1`)).json();
  expect(rows.Containers).toEqual(['1', '0', `${SizeRw}B`, `${SizeRw}B (100%)`]);
  expect(rows['Local Volumes']).toEqual(['2', '1', '3B', '0B (0%)']);
  expect(rows['Build Cache']).toEqual(['0', '0', '0B', '0B']);
  const verbose = await e.ok(['system', 'df', '-v']);
  expect(verbose).toContain('Images space usage:');
  expect(verbose).toMatch(/df-vol\s+1\s+3B/);
  expect(verbose).toMatch(/df-writer/);
});

test('dockerode df()', async () => {
  const df = await dockerode.df();
  expect(df.Volumes.map((v: { Name: string }) => v.Name).sort()).toEqual(['df-empty', 'df-vol']);
  expect(df.Containers[0].SizeRw).toBeGreaterThanOrEqual(4);
  expect(df.Images[0].Containers).toBe(1);
});
