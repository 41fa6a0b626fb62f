/**
 * Parses dockerd's `--default-address-pool base=10.10.0.0/16,size=24` for the command line; the addressing
 * itself (the default bridge, the pools, their checks) is the networks plugin's.
 */
export function parseAddressPoolFlag(value: string): { base: string; size: number } {
  const fields = Object.fromEntries(value.split(',').map((kv) => kv.split('=').map((s) => s.trim())));
  const size = Number(fields.size);
  if (!fields.base || !Number.isInteger(size)) throw new Error(`invalid --default-address-pool ${JSON.stringify(value)}: expected base=CIDR,size=N`);
  return { base: fields.base, size };
}
