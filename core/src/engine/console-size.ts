import type { ConsoleSize } from '@sockerless/sdk';

/**
 * Docker's `ConsoleSize` (`[height, width]`, on HostConfig and on exec create/start) as a size for the
 * backend, or undefined when absent or zero: the terminal then starts at the backend's default until the
 * client's first resize.
 */
export function consoleSizeOf(value: unknown): ConsoleSize | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [rows, cols] = value.map(Number);
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows <= 0 || cols <= 0) return undefined;
  return { rows, cols };
}
