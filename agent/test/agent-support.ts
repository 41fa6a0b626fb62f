import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '@sockerless/sdk';
import { WorkloadAgentServer } from '../src';

/** Helpers for the workload agent tests: a server with a captured log, the built agent as a host process. */

export const AGENT_MAIN = resolve(__dirname, '../dist/main.js');

export function requireBuiltAgent(): void {
  if (!existsSync(AGENT_MAIN)) throw new Error(`${AGENT_MAIN} is missing: run \`npx tsc -b agent\` first`);
}

export function tempHome(prefix = 'sl-agent-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function capturingLogger(lines: string[]): Logger {
  const log = (level: string) => (msg: string, fields?: Record<string, unknown>) => { lines.push(`${level}: ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}`); };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => logger };
  return logger;
}

export function makeServer(home: string, lines: string[] = [], listen?: string): WorkloadAgentServer {
  return new WorkloadAgentServer({ home, logger: capturingLogger(lines), listen });
}

export interface HostAgent {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The built agent wrapping `argv` on this host, dialling back with the container's grant. */
export async function startHostAgent(server: WorkloadAgentServer, containerId: string, argv: string[], extraEnv: Record<string, string> = {}): Promise<HostAgent> {
  const grant = await server.grant(containerId);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...extraEnv };
  for (const kv of grant.env) { const i = kv.indexOf('='); env[kv.slice(0, i)] = kv.slice(i + 1); }
  const child = spawn(process.execPath, [AGENT_MAIN, '--', ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c: Buffer) => { output.stdout += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { output.stderr += c.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('close', (code, signal) => r({ code, signal })));
  return { child, output, exited };
}

/** Stops a host agent (SIGTERM is forwarded to its workload) and waits for it. */
export async function stopHostAgent(agent: HostAgent): Promise<void> {
  if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGTERM');
  await agent.exited;
}

export { readAll as collect, finishProcess as finish, waitForText } from '@sockerless/sdk/testing';

/** Polls `cond` until it holds; fails with `what` after the deadline. */
export async function waitUntil(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
