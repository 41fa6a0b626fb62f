import { PassThrough } from 'node:stream';
import { FileOperations } from '../../src/engine/file-operations';

test('a removal waits for the copies in flight, including a tar still streaming, and refuses new ones meanwhile', async () => {
  const files = new FileOperations();
  let finishPut!: () => void;
  const put = files.run('c1', 'one', () => new Promise<void>((r) => { finishPut = r; }));
  const tar = new PassThrough();
  await files.run('c1', 'one', async () => ({ tar }), (r) => r.tar);
  let drained = false;
  const drain = files.drain('c1').then(() => { drained = true; });
  await expect(files.run('c1', 'one', async () => 1)).rejects.toThrow('container one is being removed');
  // Other containers are not held up.
  await expect(files.run('c2', 'two', async () => 2)).resolves.toBe(2);
  finishPut();
  await put;
  await new Promise((r) => setImmediate(r));
  expect(drained).toBe(false);
  tar.resume();
  tar.end();
  await drain;
  files.forget('c1');
  await expect(files.run('c1', 'one', async () => 3)).resolves.toBe(3);
});

test('a copy that fails is no longer in flight', async () => {
  const files = new FileOperations();
  await expect(files.run('c1', 'one', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
  await files.drain('c1');
});
