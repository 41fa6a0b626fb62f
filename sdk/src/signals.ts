import { constants } from 'node:os';
import { InvalidArgumentError } from './errors';

/** Normalises `TERM`, `SIGTERM`, `15` to `SIGTERM`, as Docker accepts all three. */
export function normalizeSignal(signal: string): NodeJS.Signals {
  const s = signal.trim().toUpperCase();
  const table = constants.signals as Record<string, number>;
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    const name = Object.keys(table).find((k) => table[k] === n);
    if (name) return name as NodeJS.Signals;
  } else {
    const name = s.startsWith('SIG') ? s : `SIG${s}`;
    if (name in table) return name as NodeJS.Signals;
  }
  throw new InvalidArgumentError(`Invalid signal: ${signal}`);
}

export function signalNumber(signal: string): number {
  return (constants.signals as Record<string, number>)[normalizeSignal(signal)];
}
