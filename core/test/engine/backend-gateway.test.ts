/**
 * The backend gateway: a driver's optional powers are detected once, when the instance is made; a missing
 * one is Docker's 501 from `need`; a power implemented in part counts as absent; a traced driver's powers
 * are still timed.
 */
import { isSockerlessError, type BackendDriver } from '@sockerless/sdk';
import { RecordingTracer } from '@sockerless/sdk/testing';
import { BackendGateway } from '../../src/engine/backend-gateway';
import { tracedDriver } from '../../../plugins/otel/src/core-spans';

function baseDriver(extra: Partial<BackendDriver> = {}): BackendDriver {
  return {
    kind: 'fake',
    create: async () => undefined,
    start: async () => { throw new Error('not here'); },
    signal: async () => undefined,
    remove: async () => undefined,
    list: async () => [],
    ...extra,
  };
}

test('a driver with only the base has no power, and each need is a 501 naming the backend and what asked', () => {
  const gateway = new BackendGateway('one', 'fake', baseDriver(), '/tmp/x');
  expect(gateway.powers).toEqual({});
  expect(gateway.available()).toBe(true);
  let caught: unknown;
  try {
    gateway.need('pause', 'pause');
  } catch (err) {
    caught = err;
  }
  expect(isSockerlessError(caught) && caught.code).toBe('NotImplemented');
  expect((caught as Error).message).toBe("pause is not supported by backend 'one' (fake)");
});

test('a power counts only when all its methods are there; optional ones (isPaused) are not required', async () => {
  const driver = baseDriver({
    statPath: async () => ({ name: 'f', size: 0, mode: 0, mtime: '', linkTarget: '' }),
    pause: async () => undefined,
    unpause: async () => undefined,
    top: async () => ({ Titles: ['PID'], Processes: [['1']] }),
  });
  const gateway = new BackendGateway('one', 'fake', driver, '/tmp/x');
  expect(Object.keys(gateway.powers).sort()).toEqual(['pause', 'top']);
  expect(() => gateway.need('archive', 'archive')).toThrow("archive is not supported by backend 'one' (fake)");
  expect(await gateway.need('top', 'top').top('c1', '-ef')).toEqual({ Titles: ['PID'], Processes: [['1']] });
});

test('through the tracing wrapper, base calls and powers are both spans', async () => {
  const tracer = new RecordingTracer();
  const driver = baseDriver({ exec: async () => { throw new Error('no'); }, available: () => false });
  const gateway = new BackendGateway('one', 'fake', tracedDriver(driver, tracer, 'one'), '/tmp/x');
  expect(gateway.available()).toBe(false);
  await gateway.remove('c1');
  await expect(gateway.need('exec', 'exec').exec('c1', { argv: ['true'], env: [], workingDir: '', user: '', tty: false, attachStdin: false, privileged: false })).rejects.toThrow('no');
  expect(tracer.names()).toEqual(['backend.remove', 'backend.exec']);
});
