import type { ConsoleSize } from '@sockerless/sdk';

/** Docker's `ConsoleSize` (`[height, width]`); undefined when absent or zero: the backend's default until a resize. */
export function consoleSizeOf(value: unknown): ConsoleSize | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [rows, cols] = value.map(Number);
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows <= 0 || cols <= 0) return undefined;
  return { rows, cols };
}
