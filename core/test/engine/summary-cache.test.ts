import { summarizeContainer } from '../../src/engine/docker-shapes';
import { ContainerSummaries } from '../../src/engine/summary-cache';
import { makeContainer } from '../networks-volumes/fakes';

/** The cached `docker ps` entry must always equal a freshly built one: only the cost may differ. */
const fresh = (c: ReturnType<typeof makeContainer>) => JSON.parse(JSON.stringify({ ...summarizeContainer(c), Status: undefined }));
const cached = (s: ContainerSummaries, c: ReturnType<typeof makeContainer>, rev: number, now: number) => JSON.parse(s.list([{ record: c, revision: rev }], now).toString())[0];

test('equals the summary built from scratch, with Status following the clock', () => {
  const s = new ContainerSummaries();
  const started = Date.parse('2026-01-01T00:00:00Z');
  const c = makeContainer('web', { running: true, args: ['-c', 'sleep 1000'], config: { Labels: { a: 'b' } } as never });
  c.state = { ...c.state, StartedAt: new Date(started).toISOString() };
  const at5s = cached(s, c, 1, started + 5_000);
  expect({ ...at5s, Status: undefined }).toEqual(fresh(c));
  expect(at5s.Status).toBe('Up 5 seconds');
  expect(cached(s, c, 1, started + 120_000).Status).toBe('Up 2 minutes');
});

test('a list is a JSON array in the order given', () => {
  const s = new ContainerSummaries();
  const [a, b] = [makeContainer('a'), makeContainer('b')];
  expect(JSON.parse(s.list([], Date.now()).toString())).toEqual([]);
  expect(JSON.parse(s.list([{ record: b, revision: 1 }, { record: a, revision: 1 }], Date.now()).toString()).map((x: { Names: string[] }) => x.Names[0])).toEqual(['/b', '/a']);
});

test('a write, a replaced state and a rename each rebuild the entry', () => {
  const s = new ContainerSummaries();
  const c = makeContainer('one');
  expect(cached(s, c, 1, Date.now()).State).toBe('created');
  // A state replaced without a write (a removal in progress) still shows.
  c.state = { ...c.state, Status: 'removing' };
  expect(cached(s, c, 1, Date.now())).toMatchObject({ State: 'removing', Status: 'Removal In Progress' });
  c.name = '/two';
  expect(cached(s, c, 1, Date.now()).Names).toEqual(['/two']);
  // A write with the same objects mutated in place (a network connected) is seen through the revision.
  c.config.Labels = { changed: 'yes' };
  expect(cached(s, c, 1, Date.now()).Labels).toBeUndefined();
  expect(cached(s, c, 2, Date.now()).Labels).toEqual({ changed: 'yes' });
  s.forget(c.id);
  c.config.Labels = { after: 'forget' };
  expect(cached(s, c, 2, Date.now()).Labels).toEqual({ after: 'forget' });
});
