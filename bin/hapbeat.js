#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the `prepare` script).
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => {
    // An unexpected error: its text may hold a URL with credentials, so user-info is masked here too.
    const text = err && err.message ? err.message : String(err);
    process.stderr.write(`hapbeat: ${text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s"]*@/gi, '$1***@')}\n`);
    process.exitCode = 1;
  },
);
