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
