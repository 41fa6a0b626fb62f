/**
 * The CLI's commands, presets and simulators come from the plugins of the list file, read without starting
 * them: here a list with only `pools` (and one plugin that is not installed), given by $SOCKERLESS_CLI_PLUGINS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'sockerless-cli-contributions-'));
const list = join(dir, 'cli.json');
writeFileSync(list, JSON.stringify({ plugins: ['pools', 'not-installed-anywhere'] }));
process.env.SOCKERLESS_CLI_PLUGINS = list;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseCliArgs, runCli, usage } = require('../src/commands') as typeof import('../src/commands');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { presetConfig } = require('../src/presets') as typeof import('../src/presets');

afterAll(() => {
  delete process.env.SOCKERLESS_CLI_PLUGINS;
  rmSync(dir, { recursive: true, force: true });
});

test('--help lists the core commands and what the listed plugins contribute, nothing else', () => {
  const text = usage();
  expect(text).toMatch(/^Usage:\n  sockerless daemon /);
  expect(text).toContain('sockerless status [--host URL] [--json]');
  expect(text).toContain('sockerless pools ls [--json]');
  expect(text).not.toContain('sockerless simulator aws');
  expect(text).not.toContain('--preset aws-sim');
});

test('a contributed command gets the words after its name; an unknown one is an error with the usage', async () => {
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    expect(await runCli(parseCliArgs(['pools', '--help']))).toBe(0);
    expect(write.mock.calls.map((c) => String(c[0])).join('')).toMatch(/^Usage:\n  sockerless pools ls/);
  } finally {
    write.mockRestore();
  }
  await expect(runCli(parseCliArgs(['frobnicate', '--now']))).rejects.toThrow(/^unknown command 'frobnicate --now'\nUsage:/);
});

test('presets and simulators come only from the listed plugins', async () => {
  expect(() => presetConfig('aws-sim')).toThrow("unknown preset 'aws-sim' (known: none)");
  await expect(runCli(parseCliArgs(['simulator', 'aws']))).rejects.toThrow("unknown simulator 'aws' (known: none)");
});
