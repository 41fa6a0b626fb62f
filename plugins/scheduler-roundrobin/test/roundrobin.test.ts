import { createRoundRobin } from '../src/index';

const pickMany = (n: number, pool: string, candidates: string[], down: Set<string> = new Set(), rr = createRoundRobin()) =>
  Array.from({ length: n }, () => rr.pick({ pool, candidates, isAvailable: (c) => !down.has(c), labels: {} }));

test('takes the instances in turn, in config order', () => {
  expect(pickMany(7, 'p', ['a', 'b', 'c'])).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
});

test('skips an instance that reports itself unavailable, and takes it again once it is back', () => {
  const rr = createRoundRobin();
  const down = new Set(['b']);
  expect(pickMany(4, 'p', ['a', 'b', 'c'], down, rr)).toEqual(['a', 'c', 'a', 'c']);
  down.clear();
  expect(pickMany(3, 'p', ['a', 'b', 'c'], down, rr)).toEqual(['a', 'b', 'c']);
});

test('each pool keeps its own turn', () => {
  const rr = createRoundRobin();
  expect(pickMany(1, 'one', ['a', 'b'], undefined, rr)).toEqual(['a']);
  expect(pickMany(1, 'two', ['a', 'b'], undefined, rr)).toEqual(['a']);
  expect(pickMany(1, 'one', ['a', 'b'], undefined, rr)).toEqual(['b']);
});

test('with every instance down it still answers one, so the core can refuse naming the pool', () => {
  expect(pickMany(1, 'p', ['a', 'b'], new Set(['a', 'b']))).toEqual(['a']);
});
