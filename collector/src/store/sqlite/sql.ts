/** `col IN (?, ?, …)` for a scope list; an empty list matches nothing. */
export function inList(column: string, values: readonly string[]): [string, string[]] {
  if (values.length === 0) return ['0', []];
  return [`${column} IN (${values.map(() => '?').join(', ')})`, [...values]];
}
