/**
 * Kibana saved objects as hapbeat ships them: the shape Kibana's import API takes (NDJSON, one object per line),
 * stamped so that Kibana 8.11 to 9.x accept them and run only the migrations after 8.9.0.
 *
 * Facts (from Kibana's source, see shared/reference/kibana-and-watcher.md 1.1-1.4): import refuses an object
 * stamped newer than Kibana knows; an object with no stamp is run through every migration since 7.x; so every
 * object carries coreMigrationVersion 8.8.0, lens and dashboard typeMigrationVersion 8.9.0, index-pattern 8.0.0,
 * and its content is already in the 8.9 shape (formBased datasource).
 */
export const CORE_MIGRATION_VERSION = '8.8.0';
export const TYPE_MIGRATION_VERSION = { 'index-pattern': '8.0.0', lens: '8.9.0', dashboard: '8.9.0' } as const;
export type SavedObjectType = keyof typeof TYPE_MIGRATION_VERSION;

export interface Reference {
  type: string;
  id: string;
  name: string;
}

export interface SavedObject<A = Record<string, unknown>> {
  type: SavedObjectType;
  id: string;
  coreMigrationVersion: string;
  typeMigrationVersion: string;
  attributes: A;
  references: Reference[];
}

export function savedObject<A>(type: SavedObjectType, id: string, attributes: A, references: Reference[] = []): SavedObject<A> {
  return { type, id, coreMigrationVersion: CORE_MIGRATION_VERSION, typeMigrationVersion: TYPE_MIGRATION_VERSION[type], attributes, references };
}

/** One object per line, in a stable order (data view first, then visualizations, then dashboards). */
export function toNdjson(objects: readonly SavedObject[]): string {
  const rank: Record<SavedObjectType, number> = { 'index-pattern': 0, lens: 1, dashboard: 2 };
  return [...objects]
    .sort((a, b) => rank[a.type] - rank[b.type] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((o) => JSON.stringify(o))
    .join('\n')
    .concat('\n');
}
