/**
 * A copy of `s` that shares no memory with the text it was cut from. V8 represents a substring of 13 or more
 * characters as a view into its parent (and a concatenation as a tree of its parts), so a string kept in a
 * long-lived map would keep the whole answer it came from alive: 3.7 MB of `show stat typed` on 2,000 servers,
 * for as long as the agent runs. Use it for what outlives the answer, once per new entry, not per poll.
 */
export function ownCopy(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}
