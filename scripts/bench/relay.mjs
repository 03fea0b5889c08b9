#!/usr/bin/env node
// The floor of any proxy written in Node, for 70-proxy: passes the agent's stdin to the server
// and the server's stdout back, chunk by chunk, reading nothing (no parsing, no checks). Usage:
// node relay.mjs -- CMD ARGS...
import { spawn } from 'node:child_process';

const argv = process.argv.slice(process.argv.indexOf('--') + 1);
const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
process.stdin.on('data', (chunk) => child.stdin.write(chunk));
child.stdout.on('data', (chunk) => process.stdout.write(chunk));
process.stdin.on('end', () => child.kill());
child.on('exit', (code) => process.exit(code ?? 1));
