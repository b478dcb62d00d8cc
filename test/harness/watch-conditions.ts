/**
 * Evaluates Watcher's `compare` and `array_compare` conditions the way Elasticsearch does (docs
 * condition-compare and condition-array-compare): paths are dotted lookups in the context; array_compare tests
 * `path` of each element with a quantifier, and an empty array is false for `some`, true for `all`. Also
 * renders the mustache placeholders a watch's search request uses. A test harness: Watcher does not run here.
 */
type Ctx = Record<string, unknown>;

function lookup(ctx: Ctx, path: string): unknown {
  if (path === '') return ctx;
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), ctx);
}

function test(op: string, actual: unknown, expected: unknown): boolean {
  if (actual === undefined || actual === null) return op === 'not_eq' ? expected !== null : expected === null && op === 'eq';
  const a = typeof actual === 'number' ? actual : Number.isNaN(Number(actual)) ? String(actual) : Number(actual);
  const e = typeof expected === 'number' ? expected : Number.isNaN(Number(expected)) ? String(expected) : Number(expected);
  switch (op) {
    case 'eq':
      return a === e;
    case 'not_eq':
      return a !== e;
    case 'gt':
      return a > e;
    case 'gte':
      return a >= e;
    case 'lt':
      return a < e;
    case 'lte':
      return a <= e;
    default:
      throw new Error(`unknown comparison ${op}`);
  }
}

export function evaluateCondition(condition: Record<string, any>, ctx: Ctx): boolean {
  if (condition.always) return true;
  if (condition.never) return false;
  if (condition.compare) {
    return Object.entries(condition.compare as Record<string, Record<string, unknown>>).every(([path, ops]) =>
      Object.entries(ops).every(([op, v]) => test(op, lookup(ctx, path), v)),
    );
  }
  if (condition.array_compare) {
    return Object.entries(condition.array_compare as Record<string, Record<string, any>>).every(([path, spec]) => {
      const arr = lookup(ctx, path);
      if (!Array.isArray(arr)) throw new Error(`${path} is not an array`);
      const { path: elementPath = '', ...ops } = spec;
      return Object.entries(ops).every(([op, { value, quantifier = 'some' }]) => {
        const results = arr.map((el) => test(op, lookup(el as Ctx, elementPath as string), value));
        return quantifier === 'all' ? results.every(Boolean) : results.some(Boolean);
      });
    });
  }
  throw new Error(`condition the harness does not evaluate: ${Object.keys(condition).join(', ')}`);
}

/** Replaces {{ctx.trigger.scheduled_time}} (and the other trigger times) in a search request. */
export function renderRequest<T>(request: T, scheduledTime: string): T {
  return JSON.parse(JSON.stringify(request).replace(/\{\{ctx\.trigger\.(scheduled|triggered)_time\}\}/g, scheduledTime)) as T;
}
