/**
 * Appends every item of `items` to `target`. Unlike `target.push(...items)`, which passes each item as an
 * argument, it works for any length: a 200,000-row show stat overflows the call stack with a spread.
 */
export function appendAll<T>(target: T[], items: readonly T[]): T[] {
  for (let i = 0; i < items.length; i++) target.push(items[i]!);
  return target;
}
