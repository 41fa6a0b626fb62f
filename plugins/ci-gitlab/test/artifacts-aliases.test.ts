/** The zip ci-gitlab uploads is one unzip reads (checked with Python's zipfile), and GitLab's service aliases. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceAliases, zipStore } from '../src';
import { unzip } from '../src/artifacts';

test('zipStore writes a zip whose names, modes and contents read back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ci-gitlab-zip-'));
  try {
    const zip = zipStore([
      { name: 'out', data: Buffer.alloc(0), dir: true, mode: 0o755 },
      { name: 'out/result.txt', data: Buffer.from('result\n'), dir: false, mode: 0o644 },
      { name: 'out/run.sh', data: Buffer.from('#!/bin/sh\necho hi\n'), dir: false, mode: 0o755 },
    ]);
    writeFileSync(join(dir, 'a.zip'), zip);
    const read = execFileSync('python3', ['-c', [
      'import json, sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      'assert z.testzip() is None',
      'print(json.dumps([[i.filename, oct(i.external_attr >> 16), z.read(i).decode()] for i in z.infolist()]))',
    ].join('\n'), join(dir, 'a.zip')]).toString();
    expect(JSON.parse(read)).toEqual([['out/', '0o40755', ''], ['out/result.txt', '0o100644', 'result\n'], ['out/run.sh', '0o100755', '#!/bin/sh\necho hi\n']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unzip reads a deflated zip (as GitLab Runner makes them, here Python\'s zipfile) and our stored ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ci-gitlab-unzip-'));
  try {
    execFileSync('python3', ['-c', [
      'import sys, zipfile',
      'with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:',
      '  z.writestr("out/", "")',
      '  z.writestr("out/big.txt", "x" * 10000)',
    ].join('\n'), join(dir, 'd.zip')]);
    const entries = unzip(readFileSync(join(dir, 'd.zip')));
    expect(entries.map((e) => [e.name, e.dir, e.data.length])).toEqual([['out', true, 0], ['out/big.txt', false, 10000]]);
    expect(entries[1].data.toString()).toBe('x'.repeat(10000));
    const again = unzip(zipStore([{ name: 'a.txt', data: Buffer.from('a'), dir: false, mode: 0o600 }]));
    expect(again).toEqual([{ name: 'a.txt', data: Buffer.from('a'), dir: false, mode: 0o600 }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('service aliases: the given ones, then the two GitLab derives from the image name', () => {
  expect(serviceAliases('postgres:15', 'db')).toEqual(['db', 'postgres']);
  expect(serviceAliases('tutum/wordpress:latest')).toEqual(['tutum__wordpress', 'tutum-wordpress']);
  expect(serviceAliases('registry.example.com:5000/group/redis@sha256:abc', 'cache,kv')).toEqual(['cache', 'kv', 'registry.example.com__group__redis', 'registry.example.com-group-redis']);
});
