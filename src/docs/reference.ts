import { RETENTION_QUERIES } from '../kibana/queries.js';
import { DASHBOARDS } from '../kibana/dashboards.js';
import { watchDefinitions } from '../elastic/watches.js';
import { COMBINE_RULES } from '../process/aggregate.js';
import { settingDocs } from '../config/load.js';
import type { FieldSpec } from '../normalize/field-types.js';
import { INFO_FIELDS } from '../normalize/info-fields.js';
import { MODULE_PREFIXES, STAT_FIELDS } from '../normalize/stat-fields.js';
import { DERIVED_RATE_FIELDS } from '../process/rates.js';

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

/** The README's fields reference, generated from the field tables. */
export function fieldsReference(): string {
  const common = [
    '| `@timestamp` | | date | When this process was sampled. |',
    "| `event.module`, `event.dataset`, `event.duration` | | keyword, keyword, long | `haproxy`; `haproxy.stat` or `haproxy.info`; the command's duration in ns. |",
    '| `metricset.name`, `metricset.period` | | keyword, long | `stat` or `info`; the poll period in ms. |',
    '| `data_stream.type`, `.dataset`, `.namespace` | | keyword | `metrics`, the dataset, the configured namespace. |',
    '| `service.type`, `service.address`, `service.name` | | keyword | `haproxy`, the target address, the target name. |',
    '| `host.name`, `agent.type`, `agent.version`, `agent.name`, `agent.id` | | keyword | The host and this agent. |',
    '| `process.pid` | `Pid` | long | The OS pid of the HAProxy worker (ECS meaning; Metricbeat put the relative number here for stat). |',
    '| `haproxy.version` | `Version` | keyword | HAProxy version of that process. |',
    '| `haproxy.process.num` | `Process_num`, CSV `pid` | long | Relative process number (`@N`): 1..nbproc on 2.4 and older, 1 later. |',
    '| `haproxy.process.pid` | `Pid` | long | The OS pid again, next to the other process fields. |',
    '| `haproxy.process.old` | `Stopping`, `# old workers` | boolean | An old worker, draining after a reload. |',
    '| `haproxy.process.stopping` | `Stopping` | boolean | `show info` says the process is stopping. |',
    '| `haproxy.process.reloads` | show proc `<reloads>` | long | Reloads this process has survived. |',
    '| `haproxy.process.start_time` | `Start_time_sec` (2.2: derived from `Uptime_sec`) | date | When the process started; with the pid, the process identity. |',
    "| `haproxy.process.scope` | | keyword | `process` for one process's documents; `all` for the instance's totals across its processes. |",
  ];
  const derived = [
    '| `haproxy.stat.component` | `type` | keyword | `frontend`, `backend`, `server` or `listener`. |',
    '| `haproxy.stat.state.name` | `status` | keyword | The state word: UP, DOWN, MAINT, DRAIN, NOLB, OPEN, STOP, no check, ... |',
    '| `haproxy.stat.state.transition` | `status` | keyword | `n/m` while a server goes up or down (`UP 2/3`). |',
    '| `haproxy.stat.state.reason`, `.via` | `status` | keyword | `agent`, `resolution` or `via`, and the tracked server (`MAINT (via be/s3)`). |',
    `| \`haproxy.stat.<module>.*\` | columns after \`-\` | long | Stats modules: ${MODULE_PREFIXES.map((p) => `\`${p}_*\``).join(', ')}, e.g. \`h2_headers_rcvd\` → \`haproxy.stat.h2.headers_rcvd\`. |`,
  ];
  const head = ['| field | from | type | meaning |', '|---|---|---|---|'];
  return [
    '#### Common to every document',
    '',
    ...head,
    ...common,
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
    ...fieldRows('haproxy.stat.', DERIVED_RATE_FIELDS).map((r) => r.replace(/\| `rate:[^|]*\|/, '| (rate) |').replace(/\| `ratio:[^|]*\|/, '| (ratio) |')),
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
    '| `event.kind`, `event.action` | show proc, `Stopping` | keyword | `event`; `worker-started`, `worker-stopping`, `worker-exited` or `reload-failed`. |',
    '| `process.pid`, `haproxy.process.*`, `haproxy.version` | | | The worker concerned (none for `reload-failed`). |',
    '| `haproxy.master.pid`, `.reloads`, `.failed_reloads` | show proc master row | long | The master, its reload count, and consecutive failed reloads (2.5+). |',
  ].join('\n');
}

/** Replaces the text between `<!-- BEGIN name -->` and `<!-- END name -->`. */
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

export function replaceSection(text: string, name: string, body: string): string {
  const begin = `<!-- BEGIN ${name} (generated: npm run docs) -->`;
  const end = `<!-- END ${name} -->`;
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README has no ${name} section markers`);
  return `${text.slice(0, a + begin.length)}\n${body}\n${text.slice(b)}`;
}
