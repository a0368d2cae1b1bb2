#!/usr/bin/env node
/**
 * The `tessera` executable (package.json `bin`). All the work is in runCli; this file only binds it to the process.
 */
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), process.env);
