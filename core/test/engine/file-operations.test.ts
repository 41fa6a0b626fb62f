import { PassThrough } from 'node:stream';
import { FileOperations } from '../../src/engine/file-operations';

test('a removal ends the copies in flight, including a tar still streaming, waits for them and refuses new ones meanwhile', async () => {
  const files = new FileOperations();
  let finishPut!: () => void;
  let aborted = false;
  const put = files.run('c1', 'one', () => new Promise<void>((r) => { finishPut = r; }), { abort: () => { aborted = true; } });
  const tar = new PassThrough();
  await files.run('c1', 'one', async () => ({ tar }), { streamOf: (r) => r.tar });
  let drained = false;
  const drain = files.drain('c1').then(() => { drained = true; });
  expect({ aborted, tarDestroyed: tar.destroyed }).toEqual({ aborted: true, tarDestroyed: true });
  await expect(files.run('c1', 'one', async () => 1)).rejects.toThrow('container one is being removed');
  // Other containers are not held up.
  await expect(files.run('c2', 'two', async () => 2)).resolves.toBe(2);
  await new Promise((r) => setImmediate(r));
  // The upload has not settled yet (its handler is still unwinding): the removal waits for it.
  expect(drained).toBe(false);
  finishPut();
  await put;
  await drain;
  files.forget('c1');
  await expect(files.run('c1', 'one', async () => 3)).resolves.toBe(3);
});

test('a copy that fails is no longer in flight', async () => {
  const files = new FileOperations();
  await expect(files.run('c1', 'one', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
  await files.drain('c1');
});
