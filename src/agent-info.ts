import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentInfo } from './documents/envelope.js';

/** hapbeat's own version, from package.json. */
export function agentVersion(): string {
  try {
    const here = path.dirname(fileURLToPath(import.meta.url));
    for (const p of [path.join(here, '..', 'package.json'), path.join(here, '..', '..', 'package.json')]) {
      try {
        const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'hapbeat' && pkg.version) return pkg.version;
      } catch {
        /* try the next */
      }
    }
  } catch {
    /* fall through */
  }
  return '0.0.0';
}

/**
 * agent.id is kept in <path.data>/meta.json, like Beats, so it survives restarts. If the directory cannot be
 * written, an id for this run is used and `persisted` is false (the caller logs it).
 */
export function loadAgentInfo(dataPath: string, name: string): { agent: AgentInfo; persisted: boolean } {
  const hostname = os.hostname();
  const file = path.join(dataPath, 'meta.json');
  let id: string | undefined;
  let persisted = true;
  try {
    const meta = JSON.parse(readFileSync(file, 'utf8')) as { agent_id?: unknown };
    if (typeof meta.agent_id === 'string' && /^[0-9a-f-]{36}$/.test(meta.agent_id)) id = meta.agent_id;
  } catch {
    /* first run, or unreadable: create below */
  }
  if (!id) {
    id = randomUUID();
    try {
      mkdirSync(dataPath, { recursive: true });
      writeFileSync(file, `${JSON.stringify({ agent_id: id })}\n`, { mode: 0o640 });
    } catch {
      persisted = false;
    }
  }
  return { agent: { name: name || hostname, version: agentVersion(), id, hostname }, persisted };
}
