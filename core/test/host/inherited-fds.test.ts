/**
 * closeInheritedFds in a real child process that inherited a file on fd 200 without close-on-exec (as
 * from a shell's `exec 200>file`) and an IPC channel: fd 200 is closed, the channel and stdio kept.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const MODULE = resolve(__dirname, '..', '..', 'dist', 'host', 'inherited-fds.js');

test('an inherited descriptor is closed; stdio and the IPC channel stay', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'inherited-fds-'));
  const fd = openSync(join(dir, 'inherited'), 'w');
  const stdio: Array<'inherit' | 'ipc' | 'ignore' | number> = ['ignore', 'inherit', 'inherit', 'ipc'];
  while (stdio.length < 200) stdio.push('ignore');
  stdio[200] = fd;
  const script = `
    const { readdirSync } = require('node:fs');
    const { closeInheritedFds } = require(${JSON.stringify(MODULE)});
    const before = readdirSync('/proc/self/fd').includes('200');
    const closed = closeInheritedFds();
    const after = readdirSync('/proc/self/fd').includes('200');
    process.send({ before, closed, after, channel: Number(process.env.NODE_CHANNEL_FD) }, () => process.exit(0));
  `;
  try {
    const child = spawn(process.execPath, ['-e', script], { stdio });
    const got = await new Promise<{ before: boolean; closed: number[]; after: boolean; channel: number }>((res, rej) => {
      child.once('message', (m) => res(m as never));
      child.once('exit', (code) => rej(new Error(`child exited ${code}`)));
    });
    expect(got.before).toBe(true);
    expect(got.closed).toContain(200);
    expect(got.closed).not.toContain(got.channel);
    expect(got.after).toBe(false);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});
