#!/usr/bin/env node
// A broken server that prints the value of one of its environment variables (a secret) on
// stderr, placed so that mcptrust's stderr tail cuts the stream inside it, then exits with
// code 1 without answering initialize. Options:
//   --var=NAME    the variable whose value is printed (default API_KEY)
//   --tail=BYTES  the size of mcptrust's stderr tail (default 65536, DEFAULT_LIMITS.stderrBytes)
//   --cut=N       how many characters of the secret fall before the cut (default 10): the last
//                 BYTES bytes of stderr begin with the secret minus its first N characters
//   --end=N       instead: stderr ends with the first N characters of the secret (the server
//                 "dies mid-write"), after a line that has the whole secret
//   --trickle     write the secret in pieces of 3 characters, 20 ms apart, so that it arrives
//                 in several reads
// Every byte is written by hand (no SDK); the pipe is written synchronously.
const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
};
const secret = process.env[arg('var', 'API_KEY')] ?? '';
const tail = Number(arg('tail', '65536'));
const trickle = process.argv.includes('--trickle');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function writeSecret(text) {
  if (!trickle) return void process.stderr.write(text);
  for (let i = 0; i < text.length; i += 3) {
    process.stderr.write(text.slice(i, i + 3));
    await sleep(20);
  }
}

const last = 'fatal: missing configuration, exiting\n';
process.stderr.write('starting: this line is before the cut\n');
process.stderr.write(`${'.'.repeat(2000)}\n`);
process.stderr.write('token: ');
if (arg('end', undefined) !== undefined) {
  await writeSecret(secret);
  process.stderr.write(`\n${last}token again: `);
  await writeSecret(secret.slice(0, Number(arg('end', '0'))));
} else {
  const cut = Number(arg('cut', '10'));
  await writeSecret(secret);
  // From the cut to the end: the rest of the secret, a space, filler, a newline, the last line.
  const after = Buffer.byteLength(secret.slice(cut)) + 1 + 1 + Buffer.byteLength(last);
  process.stderr.write(` ${'x'.repeat(Math.max(0, tail - after))}\n${last}`);
}
process.exitCode = 1;
