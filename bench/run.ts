/** npm run bench: prints hapbeat's speed figures against the real HAProxy. Numbers only; nothing asserts. */
import { benchStatCpu } from './stat-cpu.js';

const r = await benchStatCpu();
const f = (n: number) => n.toFixed(2).padStart(7);
console.log('== show stat: 2,000 servers in 20 backends, HAProxy 2.6, no health checks');
console.log(`rows per sample:                                  ${r.rows}`);
console.log(`show stat answer / NDJSON written:                ${r.bytes} / ${r.outBytes} bytes`);
console.log(`HAProxy @!pid show stat round trip   median ${f(r.haproxyMs)} ms   min ${f(r.haproxyMinMs)} ms`);
console.log(`hapbeat CPU parse+normalize+serialize median ${f(r.hapbeatCpuMs)} ms   min ${f(r.hapbeatCpuMinMs)} ms`);
console.log(`ratio of medians hapbeat / HAProxy: ${r.ratio.toFixed(2)}x (target: at most 3x) ${r.ratio <= 3 ? 'OK' : 'ABOVE TARGET'}`);
