/** Docker's MatchKVList (`label` filters): every `key` or `key=value` must hold; no filters match all. */
export function matchesLabels(labels: Record<string, string>, filters: string[] | undefined): boolean {
  if (!filters) return true;
  return filters.every((f) => {
    const eq = f.indexOf('=');
    return eq < 0 ? f in labels : labels[f.slice(0, eq)] === f.slice(eq + 1);
  });
}
