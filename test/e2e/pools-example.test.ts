/** The example config in examples/ boots as documented, with the operator token it shows. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, startTestDaemon, type TestDaemon } from '../support/daemon';
import { api } from '../support/raw-http';

let d: TestDaemon;
beforeAll(async () => { d = await startTestDaemon({ config: readFileSync(join(REPO_ROOT, 'examples/pools.config.ts'), 'utf8') }); });
afterAll(async () => { await d?.dispose(); });

test('examples/pools.config.ts boots with its pools, and only the operator sees them', async () => {
  const asOperator = await api(d.socket, 'GET', '/internal/pools', undefined, { Authorization: 'Bearer change-me-operator' });
  expect(asOperator.status).toBe(200);
  expect(asOperator.json().map((p: { name: string; default: boolean }) => [p.name, p.default])).toEqual([['default', true], ['ci', false], ['team-web', false]]);
  const asTenant = await api(d.socket, 'GET', '/internal/pools', undefined, { Authorization: 'Bearer change-me-ci' });
  expect(asTenant.status).toBe(403);
});
