#!/usr/bin/env node
/**
 * Makes the embedded database's template for the installed PGlite (src/db/pglite-template.ts)
 * at build time, so that no `latchkey serve` has to run initdb: part of `npm install` (the
 * root's prepare script) and of packing @latchkey/server. Does nothing when it already exists.
 * Needs the compiled server (`tsc -b`).
 */
import { pgliteTemplate } from '../dist/db/pglite-template.js';

const template = await pgliteTemplate();
console.log(`embedded database template: ${template.directory}`);
