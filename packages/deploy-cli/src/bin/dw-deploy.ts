#!/usr/bin/env node
import { runCli } from '../cli.js';
import { endOutputQuietlyWhenStdoutCloses } from './closed-stdout.js';

endOutputQuietlyWhenStdoutCloses();

process.exitCode = await runCli(process.argv.slice(2));
