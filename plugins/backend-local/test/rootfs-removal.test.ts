import { mkdtempSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OverlayRoots } from '../src/rootfs';
import { silentLogger } from './helpers';

// A `docker cp` cut short by a removal mounts the container's root on its way; the root must not be mounted
// again once its removal has begun, or the removal of the tree meets a mounted root (EBUSY).
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sockerless-rootfs-'));
  dirs.push(d);
  mkdirSync(join(d, 'image'));
  mkdirSync(join(d, 'a1b2c3'));
  return d;
}

test('a mount asked for while the root is being removed is refused, and the tree is gone after', async () => {
  const d = stateDir();
  const roots = new OverlayRoots(silentLogger());
  const container = join(d, 'a1b2c3');
  let finishRemoval!: () => void;
  const removalMayEnd = new Promise<void>((r) => { finishRemoval = r; });
  let treeRemoved = false;
  const removal = roots.remove(container, async () => {
    await removalMayEnd;
    rmSync(container, { recursive: true, force: true });
    treeRemoved = true;
  });
  const lateMount = roots.ensure(container, join(d, 'image'));
  finishRemoval();
  await removal;
  // Docker's 409, naming the container (its state dir is named after its id), not the host path.
  await expect(lateMount).rejects.toMatchObject({ code: 'Conflict', message: 'container a1b2c3 is being removed' });
  expect(treeRemoved).toBe(true);
  expect(existsSync(container)).toBe(false);
});

test('a removal waits for a mount in progress before it unmounts and removes the tree', async () => {
  const d = stateDir();
  const roots = new OverlayRoots(silentLogger(), 'false');
  const container = join(d, 'a1b2c3');
  const order: string[] = [];
  // 'false' as the mount tool fails: the root becomes a copy of the image, which the removal must wait for.
  const mount = roots.ensure(container, join(d, 'image')).then((root) => { order.push('mounted'); return root; });
  const removal = roots.remove(container, async () => { order.push('tree removed'); rmSync(container, { recursive: true, force: true }); });
  await Promise.all([mount, removal]);
  expect(order).toEqual(['mounted', 'tree removed']);
  expect(existsSync(container)).toBe(false);
});
