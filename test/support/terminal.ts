import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const TMUX = process.env.TMUX_BIN ?? '/usr/bin/tmux';

/**
 * A real terminal for interactive clients: a tmux server of its own (its own socket, so tests never meet a
 * user's tmux or each other) running one shell in a window of a given size. Keys go in with `send-keys`,
 * the screen comes back with `capture-pane`, exactly what a user would see.
 */
export interface Terminal {
  /** Types text as it is (no key names), without Enter. */
  type(text: string): Promise<void>;
  /** Types a line and presses Enter. */
  line(text: string): Promise<void>;
  /** Presses keys by tmux name, one write each: `Enter`, `C-c`, `C-p`. */
  press(...keys: string[]): Promise<void>;
  /** The visible screen, one string per row joined with newlines, trailing blanks trimmed. */
  screen(): Promise<string>;
  /** Polls the screen (every ~50 ms) until `pattern` matches it; fails with the screen after the deadline. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Clears the screen and tmux's history, so what is waited for next can only be new output. */
  clear(): Promise<void>;
  /** Resizes the window (the terminal the client sees), as a user dragging the window would. */
  resize(cols: number, rows: number): Promise<void>;
  /** Kills the tmux server through its socket and removes its directory. */
  dispose(): Promise<void>;
}

export interface TerminalOptions {
  cols: number;
  rows: number;
  /** The shell's whole environment (nothing else leaks in from the test process). */
  env: Record<string, string>;
}

const SESSION = 'main';

function tmux(socket: string, args: string[], env?: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(TMUX, ['-S', socket, ...args], { env: env ?? { PATH: '/usr/bin:/bin' }, timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`tmux ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Starts a tmux server with one detached session running `sh` in a `cols` x `rows` window. */
export async function startTerminal(opts: TerminalOptions): Promise<Terminal> {
  const dir = mkdtempSync(join('/tmp', 'sockerless-tty-'));
  const socket = join(dir, 'tmux.sock');
  // The server inherits the environment of the command that starts it, and the shell inherits the server's.
  const env = { TERM: 'xterm-256color', PS1: '$ ', ...opts.env };
  await tmux(socket, ['-f', '/dev/null', 'new-session', '-d', '-s', SESSION, '-x', String(opts.cols), '-y', String(opts.rows), '/bin/sh'], env);
  // The window keeps the size it is given, whatever client might attach.
  await tmux(socket, ['set-option', '-g', 'window-size', 'manual']);
  const target = ['-t', SESSION];

  const screen = async () => (await tmux(socket, ['capture-pane', '-p', ...target])).split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();
  const term: Terminal = {
    type: async (text) => { await tmux(socket, ['send-keys', ...target, '-l', text]); },
    line: async (text) => {
      await tmux(socket, ['send-keys', ...target, '-l', text]);
      await tmux(socket, ['send-keys', ...target, 'Enter']);
    },
    press: async (...keys) => {
      // One send-keys per key: a program reading the terminal sees each key press as its own read.
      for (const k of keys) await tmux(socket, ['send-keys', ...target, k]);
    },
    screen,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      for (;;) {
        last = await screen();
        const m = last.match(pattern);
        if (m) return m;
        if (Date.now() > deadline) throw new Error(`the terminal did not show ${pattern} within ${timeoutMs} ms; it shows:\n${last}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async clear() {
      await tmux(socket, ['send-keys', ...target, '-R']);
      await tmux(socket, ['clear-history', ...target]);
    },
    async resize(cols, rows) {
      await tmux(socket, ['resize-window', ...target, '-x', String(cols), '-y', String(rows)]);
    },
    async dispose() {
      await tmux(socket, ['kill-server']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return term;
}
