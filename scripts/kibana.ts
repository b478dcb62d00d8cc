/** npm run kibana: writes kibana/hapbeat-dashboards.ndjson from the typed definitions in src/kibana/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KIBANA_NDJSON, kibanaNdjson, kibanaObjects, queryFiles } from '../src/kibana/objects.js';

mkdirSync(path.dirname(KIBANA_NDJSON), { recursive: true });
writeFileSync(KIBANA_NDJSON, kibanaNdjson());
console.log(`${KIBANA_NDJSON}: ${kibanaObjects().length} saved objects`);
for (const [file, text] of queryFiles()) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}
console.log(`kibana/queries/ and kibana/watches/: ${queryFiles().size} files`);
