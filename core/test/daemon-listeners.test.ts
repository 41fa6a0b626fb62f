import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from '../src/daemon';
import { silentLogger } from '@sockerless/sdk/testing';

test('every listener serves the same daemon, with one ID', async () => {
  const home = mkdtempSync(join(tmpdir(), 'sockerless-listeners-'));
  const daemon = await startDaemon({ config: { plugins: ['store-sqlite'] }, listen: ['tcp://127.0.0.1:0', `unix://${join(home, 'api.sock')}`, 'tcp://127.0.0.1:0'], home, logger: silentLogger });
  try {
    expect(daemon.addresses).toHaveLength(3);
    expect(daemon.addresses[1]).toBe(`unix://${join(home, 'api.sock')}`);
    const tcp = daemon.addresses.filter((a) => a.startsWith('tcp://'));
    const ids = await Promise.all(tcp.map(async (a) => ((await (await fetch(`${a.replace('tcp://', 'http://')}/info`)).json()) as { ID: string }).ID));
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toBe(ids[0]);
  } finally {
    await daemon.close();
    rmSync(home, { recursive: true, force: true });
  }
});
