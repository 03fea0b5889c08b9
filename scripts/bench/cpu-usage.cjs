// Preloaded (node -r) by the lock benchmark into the bare client and into mcptrust: at exit,
// appends this process's own CPU time (user + system, in ms; not its children's, so not the
// server's) to the file named by MCPTRUST_BENCH_CPU.
const file = process.env.MCPTRUST_BENCH_CPU;
if (file) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    require('node:fs').appendFileSync(file, `${(user + system) / 1000}\n`);
  });
}
