/** The cloud-neutral identity tags, label chunks, connection options and the static-ELF probe every backend may use. */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cloudConnectionOptions, decodeLabelChunks, encodeLabelChunks, IDENTITY_TAG, identityFromTags, identityTags, isStaticElf,
  ONE_ENDPOINT_MESSAGE, POOL_LABEL, refineOneEndpoint, z, type IdentityTagLimits, type WorkloadSpec,
} from '../src';

const limits: IdentityTagLimits = { cloud: 'TestCloud', maxTags: 50, maxValueLength: 256, reservedTags: 10 };
const created = '2025-01-02T03:04:05.000Z';

function spec(over: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return {
    id: 'c'.repeat(64), name: 'box', hostname: 'box', image: { id: 'sha256:x', ref: 'busybox:latest' }, argv: ['true'], env: ['SECRET=x'],
    workingDir: '', user: '', tty: false, openStdin: false, mounts: [], labels: {}, stateDir: '/nonexistent', memoryBytes: 0, ...over,
  };
}

test('identity tags round-trip through a record and a map, labels in value-sized chunks, env never tagged', () => {
  const labels: Record<string, string> = { [POOL_LABEL]: 'fast', team: 'blue' };
  for (let i = 0; i < 20; i++) labels[`long.label.${i}`] = 'v'.repeat(30);
  const tags = identityTags(spec({ labels }), 'cloud-a', created, limits);
  expect(tags).toMatchObject({
    [IDENTITY_TAG.managed]: 'true', [IDENTITY_TAG.containerId]: 'c'.repeat(64), [IDENTITY_TAG.name]: 'box',
    [IDENTITY_TAG.image]: 'busybox:latest', [IDENTITY_TAG.createdAt]: created, [IDENTITY_TAG.instance]: 'cloud-a', [IDENTITY_TAG.pool]: 'fast',
  });
  expect(JSON.stringify(tags)).not.toContain('SECRET');
  const chunkKeys = Object.keys(tags).filter((k) => k.startsWith(IDENTITY_TAG.labelsPrefix));
  expect(chunkKeys.length).toBeGreaterThan(1);
  for (const k of chunkKeys) expect(tags[k].length).toBeLessThanOrEqual(256);
  const expected = { name: 'box', image: 'busybox:latest', created, labels, pool: 'fast' };
  expect(identityFromTags(tags)).toEqual(expected);
  expect(identityFromTags(new Map(Object.entries(tags)))).toEqual(expected);
});

test('a container without a pool label is in the default pool; tags that are not ours carry no identity', () => {
  expect(identityTags(spec(), 'x', created, limits)[IDENTITY_TAG.pool]).toBe('default');
  expect(Object.keys(identityTags(spec(), 'x', created, limits)).some((k) => k.startsWith(IDENTITY_TAG.labelsPrefix))).toBe(false);
  expect(identityFromTags({ other: 'x' })).toBeUndefined();
  expect(identityFromTags({ [IDENTITY_TAG.managed]: 'true' })).toBeUndefined();
  expect(identityFromTags(new Map([[IDENTITY_TAG.managed, 'false'], [IDENTITY_TAG.containerId, 'c']]))).toBeUndefined();
});

test('sanitize rewrites the free-text values; too many label chunks or too long a value is refused by name', () => {
  const tags = identityTags(spec({ name: 'a#b' }), 'in$t', created, { ...limits, sanitize: (v) => v.replace(/[#$]/g, '_') });
  expect(tags).toMatchObject({ [IDENTITY_TAG.name]: 'a_b', [IDENTITY_TAG.instance]: 'in_t' });
  const huge: Record<string, string> = {};
  for (let i = 0; i < 200; i++) huge[`l${i}`] = 'x'.repeat(50);
  expect(() => identityTags(spec({ labels: huge }), 'x', created, limits))
    .toThrow(expect.objectContaining({ code: 'InvalidArgument', message: expect.stringContaining('too large for TestCloud tags') }));
  expect(() => identityTags(spec({ image: { id: 'x', ref: 'r'.repeat(300) } }), 'x', created, limits)).toThrow(/sockerless-image would be longer than 256/);
});

test('label chunks: base64url JSON cut at the chunk length; hand-edited chunks decode to no labels', () => {
  const labels = { a: '1', 'b.c': 'ünïcode ✓' };
  const chunks = encodeLabelChunks(labels, 8);
  expect(chunks.every((c) => c.length <= 8 && /^[A-Za-z0-9_-]+$/.test(c))).toBe(true);
  expect(chunks.join('')).toBe(Buffer.from(JSON.stringify(labels)).toString('base64url'));
  const asTags = Object.fromEntries(chunks.map((c, i) => [`${IDENTITY_TAG.labelsPrefix}${i}`, c]));
  expect(decodeLabelChunks(asTags)).toEqual(labels);
  expect(encodeLabelChunks({}, 8)).toEqual([]);
  expect(decodeLabelChunks({})).toEqual({});
  expect(decodeLabelChunks({ [`${IDENTITY_TAG.labelsPrefix}0`]: 'not json!' })).toEqual({});
  const array = Buffer.from('["x"]').toString('base64url');
  expect(decodeLabelChunks(new Map([[`${IDENTITY_TAG.labelsPrefix}0`, array]]))).toEqual({});
});

test('the connection options: defaults, strict credentials, one of endpoint and simulator', () => {
  const schema = refineOneEndpoint(z.strictObject({ ...cloudConnectionOptions }));
  const other = refineOneEndpoint(z.strictObject({ ...cloudConnectionOptions, region: z.string().optional() }));
  expect(schema.parse({})).toEqual({ maxAttempts: 3, pollIntervalMs: { min: 10, max: 500 } });
  expect(schema.parse({ simulator: 'aws', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }).simulator).toBe('aws');
  expect(schema.safeParse({ credentials: { accessKeyId: 'a', secretAccessKey: 'b', extra: 1 } }).success).toBe(false);
  expect(schema.safeParse({ pollIntervalMs: { min: 50, max: 10 } }).success).toBe(false);
  expect(schema.safeParse({ endpoint: 'not a url' }).success).toBe(false);
  const both = schema.safeParse({ endpoint: 'http://127.0.0.1:1', simulator: 'aws' });
  expect(both.success).toBe(false);
  expect(both.error?.issues[0]).toMatchObject({ message: ONE_ENDPOINT_MESSAGE, path: ['simulator'] });
  // A second schema refined the same way reports the same message (zod must not share one params object).
  expect(other.safeParse({ endpoint: 'http://127.0.0.1:1', simulator: 'aws' }).error?.issues[0]).toMatchObject({ message: ONE_ENDPOINT_MESSAGE });
});

test('isStaticElf: a static busybox is, a dynamic binary and a non-ELF file are not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sockerless-elf-'));
  try {
    writeFileSync(join(dir, 'script'), '#!/bin/sh\necho hi\n');
    expect(isStaticElf(join(dir, 'script'))).toBe(false);
    expect(isStaticElf(join(dir, 'missing'))).toBe(false);
    expect(isStaticElf(process.execPath)).toBe(false);
    expect(isStaticElf(realpathSync('/bin/busybox'))).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
