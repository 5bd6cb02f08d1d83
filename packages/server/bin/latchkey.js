#!/usr/bin/env node
// The compiled CLI is built by `npm install` (the root `prepare` script runs `tsc -b`).
import { main } from '../dist/cli.js';

await main(process.argv.slice(2));
