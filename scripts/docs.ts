/** npm run docs: regenerates the README's configuration and fields references from the code. */
import { readFileSync, writeFileSync } from 'node:fs';
import { configReference, fieldsReference, replaceSection } from '../src/docs/reference.js';

let text = readFileSync('README.md', 'utf8');
text = replaceSection(text, 'config', configReference());
text = replaceSection(text, 'fields', fieldsReference());
writeFileSync('README.md', text);
console.log('README.md references regenerated');
