/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
}

/** Resolves after `ms`, without keeping the process alive for it (background loops). */
export function nap(ms: number): Promise<void> {
  return new Promise<void>((r) => setTimeout(r, Math.max(0, ms)).unref());
}

/** Waits for `p` at most `ms`; says which came first, and clears its timer either way. */
export async function within<T>(p: Promise<T>, ms: number): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ done: false }>((r) => {
    timer = setTimeout(() => r({ done: false }), Math.max(0, ms));
  });
  try {
    return await Promise.race([p.then((value) => ({ done: true as const, value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
