/** The README's generated sections, built from the code they describe so that they cannot drift. */
import { settingDocs } from '../src/config/load.js';
import { COMBINE_RULES } from '../src/derive/aggregate.js';
import { watchDefinitions } from '../src/elastic/watches.js';
import { ERROR_CATALOG } from '../src/errors.js';
import { COMMON_FIELDS, PROCESS_EVENT_FIELDS, STAT_DERIVED_FIELDS, type CommonField } from '../src/fields/common-fields.js';
import { DERIVED_STAT_FIELDS } from '../src/fields/derived-fields.js';
import type { FieldSpec } from '../src/fields/field-types.js';
import { INFO_FIELDS } from '../src/fields/info-fields.js';
import { MODULE_PREFIXES, STAT_FIELDS } from '../src/fields/stat-fields.js';
import { DASHBOARDS } from '../src/kibana/dashboards.js';
import { RETENTION_QUERIES } from '../src/kibana/queries.js';

/** The README's configuration reference, generated from the convict schema so that it cannot drift. */
export function configReference(): string {
  const rows = settingDocs().map((s) => `| \`${s.key}\` | ${s.env ? `\`${s.env}\`` : ''} | \`${JSON.stringify(s.default)}\` | ${s.doc} |`);
  return ['| setting | environment | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

function fieldRows(prefix: string, specs: readonly FieldSpec[]): string[] {
  return specs.map((f) => {
    const name = f.absolute ? f.field : `${prefix}${f.field}`;
    const src = [f.source, ...(f.aliases ?? [])].map((s) => `\`${s}\``).join(', ');
    return `| \`${name}\` | ${src} | ${f.type}${f.kind ? ` (${f.kind})` : ''} | ${f.doc} |`;
  });
}

/** Rows of the fields table for fields listed by absolute path (the envelope, hapbeat's own fields). */
function commonRows(fields: readonly CommonField[]): string[] {
  return fields.map((f) => `| \`${f.field}\` | ${f.from ?? ''} | ${f.type}${f.kind ? ` (${f.kind})` : ''} | ${f.doc} |`);
}

/** The README's fields reference, generated from the field tables. */
export function fieldsReference(): string {
  const derived = [
    ...commonRows(STAT_DERIVED_FIELDS),
    `| \`haproxy.stat.<module>.*\` | columns after \`-\` | long | Stats modules: ${MODULE_PREFIXES.map((p) => `\`${p}_*\``).join(', ')}, e.g. \`h2_headers_rcvd\` → \`haproxy.stat.h2.headers_rcvd\`. |`,
  ];
  const head = ['| field | from | type | meaning |', '|---|---|---|---|'];
  return [
    '#### Common to every document',
    '',
    ...head,
    ...commonRows(COMMON_FIELDS),
    '',
    '#### `haproxy.stat` (one document per `show stat` row)',
    '',
    ...head,
    ...fieldRows('haproxy.stat.', STAT_FIELDS),
    ...derived,
    '',
    '#### Rates and ratios on `haproxy.stat` (computed by hapbeat)',
    '',
    ...head,
    ...fieldRows('haproxy.stat.', DERIVED_STAT_FIELDS).map((r) => r.replace(/\| `rate:[^|]*\|/, '| (rate) |').replace(/\| `ratio:[^|]*\|/, '| (ratio) |')),
    '',
    '#### `haproxy.info` (one document per process per poll)',
    '',
    ...head,
    ...fieldRows(
      'haproxy.info.',
      INFO_FIELDS.filter((f) => !f.absolute),
    ),
    '',
    '#### `haproxy.process` (lifecycle events)',
    '',
    ...head,
    ...commonRows(PROCESS_EVENT_FIELDS),
  ].join('\n');
}

/** The README table of how totals combine each kind of field, from COMBINE_RULES. */
export function combineRulesReference(): string {
  const rows = COMBINE_RULES.map((r) => `| ${r.fields} | ${r.rule} | ${r.why} |`);
  return ['| fields | combined as | why |', '|---|---|---|', ...rows].join('\n');
}

/** The README's dashboards section: each dashboard, and what each panel answers. */
export function dashboardsReference(): string {
  return DASHBOARDS.map((d) =>
    [
      `**${d.title}** (\`${d.id}\`): ${d.description}`,
      '',
      '| panel | what it answers |',
      '|---|---|',
      ...d.charts.map((c) => `| ${c.title} | ${c.description} |`),
    ].join('\n'),
  ).join('\n\n');
}

/** The README's watches section: each watch, what it means and how to tune it. */
export function watchesReference(): string {
  const rows = watchDefinitions().map((w) => `| \`${w.id}\` | ${w.title} | ${w.meaning} |`);
  return ['| watch | fires when | what it means, how to tune it |', '|---|---|---|', ...rows].join('\n');
}

/** The README's long-term query set: each question, its file, how to read it, downsampling, and ES|QL. */
export function queriesReference(): string {
  return RETENTION_QUERIES.map((q) =>
    [
      `- **${q.question}** \`kibana/queries/${q.id}.json\` (${q.index}). ${q.answer} After downsampling: ${q.downsampled}`,
      '',
      '  ```',
      `  ${q.esql}`,
      '  ```',
    ].join('\n'),
  ).join('\n');
}

/** The README's table of error codes, from ERROR_CATALOG. */
export function errorsReference(): string {
  const rows = Object.entries(ERROR_CATALOG).map(([code, e]) => `| \`${code}\` | ${e.when} | ${e.hint} |`);
  return ['| code | when | what to do |', '|---|---|---|', ...rows].join('\n');
}

/** Replaces the text between `<!-- BEGIN name -->` and `<!-- END name -->`; throws when the markers are missing. */
export function replaceSection(text: string, name: string, body: string): string {
  const begin = `<!-- BEGIN ${name} (generated: npm run docs) -->`;
  const end = `<!-- END ${name} -->`;
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md has no ${begin} ... ${end} markers: add them where the ${name} section goes`);
  return `${text.slice(0, a + begin.length)}\n${body}\n${text.slice(b)}`;
}

/** The README with every generated section rebuilt from the code. */
export function readmeWithReferences(text: string): string {
  const sections: [string, () => string][] = [
    ['config', configReference],
    ['fields', fieldsReference],
    ['totals', combineRulesReference],
    ['dashboards', dashboardsReference],
    ['watches', watchesReference],
    ['queries', queriesReference],
    ['errors', errorsReference],
  ];
  return sections.reduce((t, [name, build]) => replaceSection(t, name, build()), text);
}
