/** npm run docs: regenerates the README's references and the recorded field natures from the code and fixtures. */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  combineRulesReference,
  configReference,
  dashboardsReference,
  fieldsReference,
  queriesReference,
  replaceSection,
  watchesReference,
} from '../src/docs/reference.js';
import { RECORDED_NATURES_FILE, recordedNaturesSource } from './recorded-natures.js';

writeFileSync(RECORDED_NATURES_FILE, recordedNaturesSource());
let text = readFileSync('README.md', 'utf8');
text = replaceSection(text, 'config', configReference());
text = replaceSection(text, 'fields', fieldsReference());
text = replaceSection(text, 'totals', combineRulesReference());
text = replaceSection(text, 'dashboards', dashboardsReference());
text = replaceSection(text, 'watches', watchesReference());
text = replaceSection(text, 'queries', queriesReference());
writeFileSync('README.md', text);
console.log(`README.md references and ${RECORDED_NATURES_FILE} regenerated`);
