import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBackendConformance } from '@sockerless/sdk/testing';
import { LocalDriver, type LocalDriverOptions } from '../src/driver';
import { buildBusyboxRootfs } from './helpers';

// The embedded default against the SDK's conformance kit: bubblewrap sandboxes on a busybox root, live-restore on.
const dir = mkdtempSync(join(tmpdir(), 'sl-local-conformance-'));
let rootfs = '';
beforeAll(async () => { rootfs = await buildBusyboxRootfs(dir); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runBackendConformance<LocalDriverOptions>({
  name: 'backend-local',
  driver: (ctx) => new LocalDriver(ctx),
  options: { sandbox: 'auto' },
  image: () => ({ id: 'sha256:busybox', ref: 'busybox', rootfs }),
});
