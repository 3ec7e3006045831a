#!/usr/bin/env node
import { main } from './main.js';

// exitCode, not process.exit(): exit() can cut piped stdout short.
process.exitCode = await main(process.argv.slice(2));
