/** npm run docs: regenerates the README's references and the recorded field natures from the code and fixtures. */
import { readFileSync, writeFileSync } from 'node:fs';
import { readmeWithReferences } from './reference.js';
import { RECORDED_NATURES_FILE, recordedNaturesSource } from './recorded-natures.js';

writeFileSync(RECORDED_NATURES_FILE, recordedNaturesSource());
writeFileSync('README.md', readmeWithReferences(readFileSync('README.md', 'utf8')));
console.log(`README.md references and ${RECORDED_NATURES_FILE} regenerated`);
