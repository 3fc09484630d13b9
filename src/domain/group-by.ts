/** Rows grouped by a key, in their order: the index that keeps a loop over a large tree linear. */
export function groupBy<T>(rows: Iterable<T>, key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}
