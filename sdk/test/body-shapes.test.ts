import { InvalidArgumentError, objectList, stringList, stringMap } from '../src';
import { parseDockerTimestamp, signedGoDuration } from '../src/images';

describe('request body fields', () => {
  test('absent or null is empty; the right shape is returned as given', () => {
    expect(stringList(undefined, 'Env')).toEqual([]);
    expect(stringList(null, 'Env')).toEqual([]);
    expect(stringList(['A=1'], 'Env')).toEqual(['A=1']);
    expect(stringMap(null, 'Labels')).toEqual({});
    expect(stringMap({ a: 'b' }, 'Labels')).toEqual({ a: 'b' });
    expect(objectList(undefined, 'HostConfig.Mounts')).toEqual([]);
    expect(objectList([{ Type: 'bind' }], 'HostConfig.Mounts')).toEqual([{ Type: 'bind' }]);
  });

  test('a wrong type is the client\'s 400, naming the field', () => {
    expect(() => stringList('A=1', 'Env')).toThrow(new InvalidArgumentError('invalid Env: expected a list of strings'));
    expect(() => stringList([1], 'HostConfig.SecurityOpt')).toThrow('invalid HostConfig.SecurityOpt: expected a list of strings');
    expect(() => stringMap({ a: 1 }, 'Labels')).toThrow('invalid Labels: expected an object of strings');
    expect(() => objectList([1], 'HostConfig.Mounts')).toThrow('invalid HostConfig.Mounts: expected a list of objects');
  });
});

describe('Docker timestamps', () => {
  test('Go durations with their sign, and what is none', () => {
    expect(signedGoDuration('1m30s')).toBe(90e9);
    expect(signedGoDuration('-5m')).toBe(-300e9);
    expect(signedGoDuration(' 1s')).toBeUndefined();
    expect(signedGoDuration('1700000000')).toBeUndefined();
  });

  test('a duration counts back from now, in whole seconds; a negative one forward', () => {
    const now = 1_700_000_000_500;
    expect(parseDockerTimestamp('10m', now)).toBe((1700000000 - 600) * 1e9);
    expect(parseDockerTimestamp('-10m', now)).toBe((1700000000 + 600) * 1e9);
    expect(parseDockerTimestamp('0', now)).toBe(0);
  });
});
