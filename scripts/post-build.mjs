// Marks the CLI entry point executable after tsc has written it (npm links bins, but a
// direct `./dist/cmd/main.js` call from a checkout needs the bit too).
import { chmodSync, existsSync } from 'node:fs';

const entry = new URL('../dist/cmd/main.js', import.meta.url);
if (existsSync(entry)) chmodSync(entry, 0o755);
