/** Pulling from a local registry (Debian's docker-registry, loaded with skopeo), then running the image. */
import { join } from 'node:path';
import { buildBusyboxRootfsTar } from '../support/images';
import { pushRootfsWithSkopeo, startRegistry } from '../support/registry';
import { startTestDaemon, type TestDaemon } from '../support/daemon';
import { docker } from '../support/docker-cli';

let daemon: TestDaemon;
let registry: Awaited<ReturnType<typeof startRegistry>>;
beforeAll(async () => {
  daemon = await startTestDaemon();
  registry = await startRegistry(join(daemon.dir, 'registry'));
  const tar = await buildBusyboxRootfsTar(join(daemon.dir, 'rootfs-build'));
  await pushRootfsWithSkopeo(tar, registry.host, 'tools/bb:1.0', { cmd: ['echo', 'from-registry'], env: ['FROM_REGISTRY=yes'], format: 'v2s2' });
  await pushRootfsWithSkopeo(tar, registry.host, 'tools/bb-oci:1.0', { cmd: ['sh', '-c', 'echo oci $FROM_REGISTRY'], env: ['FROM_REGISTRY=oci'], format: 'oci' });
});
afterAll(async () => {
  await registry?.stop();
  await daemon?.dispose();
});

const cli = (args: string[]) => docker(daemon.dockerHost, daemon.dir, args);

test('docker pull from the local registry, then run it with the image config', async () => {
  const ref = `${registry.host}/tools/bb:1.0`;
  const pull = await cli(['pull', ref]);
  expect(pull.code).toBe(0);
  expect(pull.stdout).toContain(`Status: Downloaded newer image for ${ref}`);
  const run = await cli(['run', '--rm', ref]);
  expect(run).toMatchObject({ code: 0, stdout: 'from-registry\n' });
  const again = await cli(['pull', ref]);
  expect(again.stdout).toContain(`Status: Image is up to date for ${ref}`);
  expect((await cli(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout).toContain(`${registry.host}/tools/bb:1.0`);
});

test('docker run pulls a missing OCI-format image by itself', async () => {
  const ref = `${registry.host}/tools/bb-oci:1.0`;
  const run = await cli(['run', '--rm', ref]);
  expect(run.code).toBe(0);
  expect(run.stdout).toBe('oci oci\n');
  expect(run.stderr).toContain(`Unable to find image '${ref}' locally`);
});

test('a missing tag and an unreachable registry give clear errors', async () => {
  const missing = await cli(['pull', `${registry.host}/tools/bb:nope`]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('manifest for');
  expect(missing.stderr).toContain('not found');
  const unreachable = await cli(['pull', '127.0.0.1:1/x/y:1']);
  expect(unreachable.code).toBe(1);
  expect(unreachable.stderr).toContain('127.0.0.1:1');
});
