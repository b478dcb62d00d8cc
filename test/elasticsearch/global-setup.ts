import type { TestProject } from 'vitest/node';
import { EsServer } from '../../lab/elasticsearch.js';

declare module 'vitest' {
  export interface ProvidedContext {
    esUrl: string;
    esVersion: string;
  }
}

let es: EsServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  es = await EsServer.start();
  project.provide('esUrl', es.url);
  project.provide('esVersion', es.version);
}

export async function teardown(): Promise<void> {
  await es?.destroy();
}
