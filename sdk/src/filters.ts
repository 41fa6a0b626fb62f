/**
 * Docker matches `name` filters as (Go) regular expressions. One that does not compile, such as `(`, matches
 * nothing: dockerd answers an empty list, never an error, and a JavaScript SyntaxError must not become a 500.
 */
export function matchesPattern(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern).test(value);
  } catch {
    return false;
  }
}

/** Docker's MatchKVList (`label` filters): every `key` or `key=value` must hold; no filters match all. */
export function matchesLabels(labels: Record<string, string>, filters: string[] | undefined): boolean {
  if (!filters) return true;
  return filters.every((f) => {
    const eq = f.indexOf('=');
    return eq < 0 ? f in labels : labels[f.slice(0, eq)] === f.slice(eq + 1);
  });
}
