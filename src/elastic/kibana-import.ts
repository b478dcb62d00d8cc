import { HapbeatError } from '../errors.js';
import { redactUrl } from '../redact.js';

export interface KibanaSettings {
  host: string;
  username?: string;
  password?: string;
  apiKey?: string;
  space?: string;
}

export interface ImportResult {
  ok: boolean;
  /** One line per object: imported, or why not. */
  objects: { type: string; id: string; title?: string; ok: boolean; error?: string }[];
}

export class KibanaImportError extends HapbeatError {
  constructor(message: string, hint: string) {
    super('HAPBEAT_ERR_KIBANA_IMPORT', message, { hint });
  }
}

/**
 * Imports saved objects through Kibana's `POST /api/saved_objects/_import?overwrite=true`: a multipart `file`
 * field with the NDJSON, the `kbn-xsrf` header Kibana requires, basic or API-key auth, and a space
 * (`/s/<space>`). Node's own fetch and FormData do the HTTP and the multipart encoding.
 */
export async function importSavedObjects(k: KibanaSettings, ndjson: string, fetchImpl: typeof fetch = fetch): Promise<ImportResult> {
  if (!k.host) throw new KibanaImportError('no Kibana host is configured', 'set setup.kibana.host (or HAPBEAT_KIBANA_HOST), e.g. http://127.0.0.1:5601');
  const base = k.host.replace(/\/+$/, '');
  const space = k.space ? `/s/${encodeURIComponent(k.space)}` : '';
  const url = `${base}${space}/api/saved_objects/_import?overwrite=true`;
  const form = new FormData();
  form.append('file', new Blob([ndjson], { type: 'application/ndjson' }), 'hapbeat-dashboards.ndjson');
  const headers: Record<string, string> = { 'kbn-xsrf': 'hapbeat' };
  if (k.apiKey) headers.authorization = `ApiKey ${k.apiKey}`;
  else if (k.username) headers.authorization = `Basic ${Buffer.from(`${k.username}:${k.password ?? ''}`).toString('base64')}`;
  let res: Response;
  try {
    res = await fetchImpl(url, { method: 'POST', headers, body: form, signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    throw new KibanaImportError(`cannot reach Kibana at ${redactUrl(base)} (${(err as Error).message})`, 'check setup.kibana.host and that Kibana is up');
  }
  const text = await res.text();
  let body: {
    success?: boolean;
    errors?: { type: string; id: string; title?: string; meta?: { title?: string }; error: { type: string; message?: string; references?: unknown[] } }[];
    successResults?: { type: string; id: string; meta?: { title?: string } }[];
    message?: string;
  };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = { message: text.slice(0, 200) };
  }
  if (res.status === 401 || res.status === 403) {
    throw new KibanaImportError(
      `Kibana refused the import (${res.status}${body.message ? `: ${body.message}` : ''})`,
      'check setup.kibana.username/password or api_key, and that the role may manage saved objects in that space',
    );
  }
  if (!res.ok)
    throw new KibanaImportError(
      `Kibana answered ${res.status} to the import${body.message ? `: ${body.message}` : ''}`,
      'check the Kibana version (8.11 or later) and its log',
    );
  const objects: ImportResult['objects'] = [
    ...(body.successResults ?? []).map((o) => ({ type: o.type, id: o.id, title: o.meta?.title, ok: true })),
    ...(body.errors ?? []).map((e) => ({
      type: e.type,
      id: e.id,
      title: e.title ?? e.meta?.title,
      ok: false,
      error: `${e.error.type}${e.error.message ? `: ${e.error.message}` : ''}`,
    })),
  ];
  return { ok: body.success === true && (body.errors ?? []).length === 0, objects };
}
