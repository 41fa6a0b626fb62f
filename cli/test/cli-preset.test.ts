import { parseCliArgs, runCli } from '../src/commands';
import { presetConfig, simulatorConfig } from '../src/presets';

test('--preset aws-sim: ECS as the default pool, Lambda as the lambda pool, on the in-daemon simulator', () => {
  const config = presetConfig('aws-sim');
  expect(config.plugins).toEqual(['store-sqlite', 'backend-local', 'sim-aws', 'backend-ecs', 'backend-faas', 'pools']);
  expect(config.backends).toEqual({ ecs: { driver: 'ecs', options: { simulator: 'aws' } }, lambda: { driver: 'lambda', options: { simulator: 'aws' } } });
  expect(config.defaultBackend).toBe('ecs');
  expect(config.pools).toEqual({ default: { backends: ['ecs'] }, lambda: { backends: ['lambda'] } });
});

test('--simulator-endpoint drops the in-daemon simulator and points both backends at the endpoint', () => {
  const config = presetConfig('aws-sim', { simulatorEndpoint: 'http://127.0.0.1:4566' });
  expect(config.plugins).not.toContain('sim-aws');
  const external = { endpoint: 'http://127.0.0.1:4566', credentials: { accessKeyId: 'sockerless', secretAccessKey: 'sockerless' } };
  expect(config.backends!.ecs.options).toEqual(external);
  expect(config.backends!.lambda.options).toEqual(external);
  expect(() => presetConfig('aws-sim', { simulatorEndpoint: 'localhost:4566' })).toThrow(/expected http:\/\/HOST:PORT/);
  expect(() => presetConfig('oci-sim')).toThrow(/unknown preset 'oci-sim' \(known: aws-sim, gcp-sim, azure-sim\)/);
});

test('--preset azure-sim: Container Apps on the in-daemon Azure simulator, or on an https endpoint with its CA file', () => {
  const config = presetConfig('azure-sim');
  expect(config.plugins).toEqual(['store-sqlite', 'backend-local', 'sim-azure', 'backend-aca']);
  expect(config.backends).toEqual({ aca: { driver: 'aca', options: { simulator: 'azure' } } });
  expect(config.defaultBackend).toBe('aca');
  process.env.SOCKERLESS_AZURE_CA_FILE = '/x/ca.pem';
  try {
    const external = presetConfig('azure-sim', { simulatorEndpoint: 'https://127.0.0.1:8087' });
    expect(external.plugins).not.toContain('sim-azure');
    expect(external.backends!.aca.options).toEqual({ endpoint: 'https://127.0.0.1:8087', caFile: '/x/ca.pem' });
  } finally {
    delete process.env.SOCKERLESS_AZURE_CA_FILE;
  }
});

test('the CLI parses the preset and simulator flags', () => {
  expect(parseCliArgs(['daemon', '--preset', 'aws-sim', '--simulator-endpoint', 'http://127.0.0.1:1'])).toMatchObject({ command: ['daemon'], preset: 'aws-sim', simulatorEndpoint: 'http://127.0.0.1:1' });
  expect(parseCliArgs(['simulator', 'aws', '--listen', 'tcp://127.0.0.1:0', '--load', 'a.tar', '--load', 'b.tar', '--start-delay', '300', '--home', '/h']))
    .toMatchObject({ command: ['simulator', 'aws'], listen: ['tcp://127.0.0.1:0'], load: ['a.tar', 'b.tar'], startDelayMs: 300, home: '/h' });
  expect(() => parseCliArgs(['simulator', 'aws', '--start-delay', 'soon'])).toThrow(/--start-delay soon: expected milliseconds/);
});

test('--config and --preset are exclusive; --simulator-endpoint needs a preset', async () => {
  await expect(runCli(parseCliArgs(['daemon', '--config', 'x.ts', '--preset', 'aws-sim']))).rejects.toThrow(/--config and --preset are exclusive/);
  await expect(runCli(parseCliArgs(['daemon', '--simulator-endpoint', 'http://127.0.0.1:1']))).rejects.toThrow(/--simulator-endpoint goes with --preset/);
  await expect(runCli(parseCliArgs(['simulator', 'oci']))).rejects.toThrow(/unknown simulator 'oci' \(known: aws, gcp, azure(, [a-z]+)*\)/);
  await expect(runCli(parseCliArgs(['simulator', 'aws', '4566']))).rejects.toThrow(/unexpected argument '4566'/);
  await expect(runCli(parseCliArgs(['simulator', 'aws', '--load', '/nonexistent/x.tar']))).rejects.toThrow(/--load \/nonexistent\/x.tar: no such file/);
});

test('the simulator command runs sim-aws with the sandbox runtime and no backends of its own to configure', () => {
  expect(simulatorConfig('aws', 'tcp://127.0.0.1:0', undefined)).toEqual({ plugins: ['store-sqlite', 'backend-local', 'sim-aws'], simulators: { aws: { listen: 'tcp://127.0.0.1:0' } } });
  expect(simulatorConfig('aws', 'tcp://127.0.0.1:0', 250).plugins[2]).toEqual({ plugin: 'sim-aws', options: { startDelayMs: 250 } });
});
