import { applyChanges, canonicalTagKey, decodeRegistryAuth, familiarString, parseReference, referenceWithTag } from '@sockerless/sdk/images';
import { parseChallengeParams } from '../../../plugins/image-store/src/registry-client';

describe('references normalise as Docker does', () => {
  test.each([
    ['busybox', 'docker.io/library/busybox:latest', 'busybox'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['docker.io/library/busybox:latest', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['index.docker.io/me/app', 'docker.io/me/app:latest', 'me/app'],
    ['me/app:v2', 'docker.io/me/app:v2', 'me/app:v2'],
    ['127.0.0.1:5000/bb:latest', '127.0.0.1:5000/bb:latest', '127.0.0.1:5000/bb:latest'],
    ['localhost/x', 'localhost/x:latest', 'localhost/x'],
    ['ghcr.io/org/team/tool:1', 'ghcr.io/org/team/tool:1', 'ghcr.io/org/team/tool:1'],
    ['[::1]:5000/bb', '[::1]:5000/bb:latest', '[::1]:5000/bb'],
  ])('%s', (raw, canonical, familiar) => {
    const ref = parseReference(raw);
    expect(canonicalTagKey(ref)).toBe(canonical);
    expect(familiarString(ref)).toBe(familiar);
  });

  test('digests, and the tag query parameter (which may carry a digest)', () => {
    const d = `sha256:${'a'.repeat(64)}`;
    expect(parseReference(`busybox@${d}`)).toEqual({ domain: 'docker.io', path: 'library/busybox', tag: undefined, digest: d });
    expect(referenceWithTag('docker.io/library/alpine', 'latest')).toMatchObject({ path: 'library/alpine', tag: 'latest' });
    expect(referenceWithTag('alpine', d)).toMatchObject({ digest: d, tag: undefined });
  });

  test('bad references are 400 invalid reference format', () => {
    for (const bad of ['', 'UPPER', 'a b', 'x:', ':tag', 'a//b', `x:${'t'.repeat(200)}`]) {
      expect(() => parseReference(bad)).toThrow(/invalid reference format/);
    }
  });
});

describe('import --change', () => {
  test('exec and shell forms, env, labels, ports, volumes, workdir, user, healthcheck', () => {
    expect(applyChanges({ Env: ['A=1'] }, [
      'CMD ["/bin/sh", "-c", "echo hi"]',
      'ENTRYPOINT /entry.sh --flag',
      'ENV A=2 B="two words"',
      'ENV LEGACY value with spaces',
      'LABEL a=b "c"=d',
      'EXPOSE 80 53/UDP',
      'VOLUME ["/data"]',
      'WORKDIR /app',
      'WORKDIR sub',
      'USER app',
      'STOPSIGNAL SIGINT',
      'HEALTHCHECK CMD wget -q localhost',
    ])).toEqual({
      Cmd: ['/bin/sh', '-c', 'echo hi'],
      Entrypoint: ['/bin/sh', '-c', '/entry.sh --flag'],
      Env: ['A=2', 'B=two words', 'LEGACY=value with spaces'],
      Labels: { a: 'b', c: 'd' },
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Volumes: { '/data': {} },
      WorkingDir: '/app/sub',
      User: 'app',
      StopSignal: 'SIGINT',
      Healthcheck: { Test: ['CMD-SHELL', 'wget -q localhost'] },
    });
    expect(() => applyChanges({}, ['RUN echo'])).toThrow('run is not a valid change command');
  });
});

describe('registry auth helpers', () => {
  test('X-Registry-Auth: {} is anonymous; credentials decode from base64 and base64url', () => {
    expect(decodeRegistryAuth('e30=')).toBeUndefined();
    expect(decodeRegistryAuth(undefined)).toBeUndefined();
    const b64 = Buffer.from(JSON.stringify({ username: 'u', password: 'p?>' })).toString('base64url');
    expect(decodeRegistryAuth(b64)).toMatchObject({ username: 'u', password: 'p?>' });
  });

  test('WWW-Authenticate parameters', () => {
    expect(parseChallengeParams('realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'))
      .toEqual({ realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' });
  });
});
