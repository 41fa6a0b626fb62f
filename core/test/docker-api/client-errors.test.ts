import { ConflictError } from '@sockerless/sdk';
import { errorStatus, withoutHostPaths } from '@sockerless/sdk/api';
import { validateCreateSettings } from '../../src/engine/create-validation';
import { validatePortBindings } from '../../../plugins/networks/src/port-bindings';
import { validateUlimits } from '../../../plugins/confinement/src/resources';
import { matchesPattern } from '@sockerless/sdk';

test('ENAMETOOLONG is the client\'s 400, other errno errors stay 500s, typed errors keep their status', () => {
  const tooLong = Object.assign(new Error("ENAMETOOLONG: name too long, mkdir '/srv/home/volumes/aaa'"), { code: 'ENAMETOOLONG' });
  expect(errorStatus(tooLong, '/srv/home')).toEqual({ status: 400, message: "ENAMETOOLONG: name too long, mkdir '$SOCKERLESS_HOME/volumes/aaa'" });
  expect(errorStatus(Object.assign(new Error('EIO'), { code: 'EIO' })).status).toBe(500);
  expect(errorStatus(new ConflictError('busy')).status).toBe(409);
  expect(errorStatus(new URIError('URI malformed'))).toEqual({ status: 400, message: 'invalid URL escape: URI malformed' });
});

test('no message carries the home directory, however often it appears', () => {
  expect(withoutHostPaths('a /h/x and /h/y', '/h/')).toBe('a $SOCKERLESS_HOME/x and $SOCKERLESS_HOME/y');
  expect(withoutHostPaths('nothing to hide', undefined)).toBe('nothing to hide');
});

test('an invalid regular expression in a name filter matches nothing', () => {
  expect(matchesPattern('(', 'anything')).toBe(false);
  expect(matchesPattern('^web', 'web-1')).toBe(true);
});

test('create settings dockerd refuses', () => {
  // The core's checks, and those of the plugins that own port bindings (networks) and ulimits (confinement).
  const checks = (body: { HostConfig?: Record<string, unknown> }) => {
    validateCreateSettings(body as never);
    validatePortBindings(body.HostConfig ?? {});
    validateUlimits(body.HostConfig?.Ulimits);
  };
  const refused = (body: object) => { try { checks(body); return ''; } catch (err) { return (err as Error).message; } };
  expect(refused({ WorkingDir: 'rel' })).toBe("the working directory 'rel' is invalid, it needs to be an absolute path");
  expect(refused({ ExposedPorts: { '65536/tcp': {} } })).toBe('invalid port specification: "65536"');
  expect(refused({ HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '::1', HostPort: '1' }, { HostIp: '[::1]', HostPort: '2' }] } } })).toBe('');
  expect(refused({ HostConfig: { PortBindings: { '80/tcp': [{ HostIp: 'localhost', HostPort: '1' }] } } })).toBe('invalid IP address: localhost');
  expect(refused({ HostConfig: { Ulimits: [{ Name: 'nproc', Soft: -1, Hard: -1 }, { Name: 'nofile', Soft: 10, Hard: -1 }] } })).toBe('');
  expect(refused({ HostConfig: { Ulimits: [{ Name: 'nofile', Soft: -1, Hard: 10 }] } })).toBe('ulimit soft limit must be less than or equal to hard limit: -1 > 10');
  expect(refused({ HostConfig: { Ulimits: [{ Name: 'nofile', Soft: -2, Hard: 10 }] } })).toMatch(/^invalid ulimit nofile: /);
  expect(refused({ WorkingDir: '/abs', ExposedPorts: { '80/tcp': {}, '53/udp': {} } })).toBe('');
});
