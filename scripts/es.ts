/**
 * npm run es: the same real Elasticsearch the tests use, for trying hapbeat locally. Starts it on
 * 127.0.0.1:9200 (or a free port if 9200 is taken), prints the URL, and stops it on Ctrl-C.
 */
import net from 'node:net';
import { EsServer } from '../lab/elasticsearch.js';

const free = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net
      .createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

const port = (await free(9200)) ? 9200 : undefined;
console.log('starting Elasticsearch (the integ-test distribution: no ILM, Watcher or painless) ...');
const es = await EsServer.start({ port });
console.log(`Elasticsearch ${es.version} is up at ${es.url} (pid ${es.pid}; data in ${es.dir})`);
console.log(`  npx hapbeat setup --es ${es.url}`);
console.log(`  npx hapbeat run -t /run/haproxy-master.sock --es ${es.url}`);
console.log('Ctrl-C stops it.');
const stop = async () => {
  await es.destroy();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
