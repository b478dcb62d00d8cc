import type { Client } from '@elastic/elasticsearch';
import type { WatchDef } from './watches.js';

/** Whether this cluster can run watches: the module, then the licence. `undefined` when it can. */
export async function watcherUnavailable(client: Client): Promise<string | undefined> {
  try {
    await client.transport.request({ method: 'GET', path: '/_watcher/stats' }, { maxRetries: 0 });
  } catch (err) {
    const status = (err as { meta?: { statusCode?: number } }).meta?.statusCode;
    if (status === 400 || status === 404 || status === 405)
      return 'this cluster has no Watcher (the x-pack-watcher module is missing): watches cannot be installed here';
    if (status === 403) return 'the user may not use Watcher: grant the manage_watcher cluster privilege';
    throw err;
  }
  try {
    const lic = (await client.license.get({}, { maxRetries: 0 })) as { license?: { type?: string; status?: string } };
    const type = lic.license?.type ?? 'unknown';
    if (type === 'basic' || lic.license?.status !== 'active') {
      return `Watcher needs a Gold, Platinum or Enterprise licence or a trial, and this cluster's licence is ${type}${lic.license?.status && lic.license.status !== 'active' ? ` (${lic.license.status})` : ''}: start a trial with POST _license/start_trial?acknowledge=true, or export the watches (hapbeat export watches) for another cluster`;
    }
  } catch {
    /* no licence API: let the PUT say what is wrong */
  }
  return undefined;
}

/** Installs (or replaces) each watch with PUT _watcher/watch/<id>; one result per watch. */
export async function installWatches(client: Client, defs: readonly WatchDef[]): Promise<{ id: string; ok: boolean; error?: string }[]> {
  const out: { id: string; ok: boolean; error?: string }[] = [];
  for (const d of defs) {
    try {
      await client.transport.request(
        { method: 'PUT', path: `/_watcher/watch/${encodeURIComponent(d.id)}`, body: d.watch as unknown as Record<string, unknown> },
        { maxRetries: 0 },
      );
      out.push({ id: d.id, ok: true });
    } catch (err) {
      const e = err as { meta?: { statusCode?: number; body?: { error?: { reason?: string } } }; message: string };
      out.push({ id: d.id, ok: false, error: `${e.meta?.statusCode ?? ''} ${e.meta?.body?.error?.reason ?? e.message}`.trim() });
    }
  }
  return out;
}
