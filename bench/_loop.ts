import { readFileSync } from 'node:fs';
import { parseShowStat } from '../src/parse/show-stat.js';
import { statEvents } from '../src/normalize/documents.js';
import { serializeBatch } from '../src/output/output.js';
const text = readFileSync('/tmp/stat2000.txt', 'utf8');
const ctx = { target:{name:'bench',address:'/tmp/x/master.sock'}, agent:{name:'bench',version:'0',id:'00000000-0000-0000-0000-000000000000',hostname:'bench'}, process:{pid:1234,num:1,old:false,stopping:false,reloads:0,startTime:1_800_000_000,version:'2.6'}, sampledAt: Date.now(), periodMs: 10000, namespace:'default'};
const cpu: number[] = []; const wall: number[] = [];
for (let i = 0; i < 45; i++) {
  const c0 = process.cpuUsage(); const w0 = performance.now();
  const table = parseShowStat(text);
  const { events } = statEvents(table, { ...ctx, sampledAt: ctx.sampledAt + i } as any, 1000);
  const out = serializeBatch(events);
  const c = process.cpuUsage(c0); wall.push(performance.now() - w0);
  if (i >= 5) cpu.push((c.user + c.system) / 1000);
}
cpu.sort((a,b)=>a-b); wall.sort((a,b)=>a-b);
console.log('cpu median', cpu[20], 'wall median', wall[22]);
