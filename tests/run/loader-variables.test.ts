/**
 * `run` refuses a server environment that sets a variable through which the interpreter runs
 * code before the pinned script, or puts a folder ahead of its standard library. Session 18 added
 * PERL5LIB, PERLLIB, RUBYLIB, PYTHONUSERBASE, PYTHONPYCACHEPREFIX and BUN_OPTIONS: a lock that
 * declares one (its value taken from whoever runs it) let a file of the lock folder run first.
 * Observed before the fix with bun 1.4.5: lock `bun srv.mjs --mode=ok` declaring BUN_OPTIONS,
 * `run --env "BUN_OPTIONS=--preload ./evil.mjs"`: run --dry-run exit 0, and evil.mjs ran.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { editedCopy, lockedBase } from '../helpers/locked-server.js';

const { scratch, env, base } = lockedBase('mcptrust-loadervars-');

let count = 0;
/** A copy of the locked folder whose lock declares `name` for the server. */
const declaring = (name: string) => editedCopy(base(), join(scratch.dir, `d${++count}`), (t) => void (t.env = [name]));

describe('a declared variable that loads code is refused before anything starts', () => {
  it.each([
    ['PERL5LIB', '.'],
    ['PERLLIB', '.'],
    ['RUBYLIB', '.'],
    ['PYTHONUSERBASE', './ub'],
    ['PYTHONPYCACHEPREFIX', './cache'],
    ['BUN_OPTIONS', '--preload ./evil.mjs'],
  ])('%s=%j: exit 1, named, nothing started', async (name, value) => {
    const dir = declaring(name);
    for (const flags of [['--dry-run'], []]) {
      const r = await runCli(['run', ...flags, '--env', `${name}=${value}`], { cwd: dir, env });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`its environment sets ${name}, through which code runs before the server's own`);
    }
  });

  it('the same variable declared but empty is no channel: verified (exit 0)', async () => {
    const dir = declaring('PERL5LIB');
    const r = await runCli(['run', '--dry-run', '--env', 'PERL5LIB='], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
  });
});

// What each channel does, shown on the interpreters themselves (not through mcptrust): the
// reason they are refused. Each leaves RAN in its folder before or instead of the script.
describe('the channels are real', () => {
  const has = (command: string) => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;

  it.skipIf(!has('perl'))('perl: PERL5LIB=. puts ./strict.pm ahead of the standard one (`use strict` runs it)', () => {
    const dir = join(scratch.dir, 'perl');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'strict.pm'), 'open(my $f, ">", "RAN"); close $f; 1;\n');
    writeFileSync(join(dir, 'srv.pl'), 'use strict; print "srv\\n";\n');
    for (const name of ['PERL5LIB', 'PERLLIB']) {
      const r = spawnSync('perl', ['srv.pl'], { cwd: dir, env: { PATH: process.env.PATH, [name]: '.' }, encoding: 'utf8' });
      expect(r.stdout).toBe('srv\n');
      expect(existsSync(join(dir, 'RAN')), name).toBe(true);
      rmSync(join(dir, 'RAN'));
    }
  });

  it.skipIf(!has('python3'))('python: PYTHONUSERBASE=./ub runs ./ub/lib/pythonX.Y/site-packages/usercustomize.py at start-up', () => {
    const dir = join(scratch.dir, 'python');
    const version = spawnSync('python3', ['-c', 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")'], { encoding: 'utf8' }).stdout.trim();
    mkdirSync(join(dir, 'ub', 'lib', `python${version}`, 'site-packages'), { recursive: true });
    writeFileSync(join(dir, 'ub', 'lib', `python${version}`, 'site-packages', 'usercustomize.py'), "open('RAN', 'w').close()\n");
    writeFileSync(join(dir, 'srv.py'), "print('srv')\n");
    const r = spawnSync('python3', ['srv.py'], { cwd: dir, env: { PATH: process.env.PATH, HOME: scratch.dir, PYTHONUSERBASE: './ub' }, encoding: 'utf8' });
    expect(r.stdout).toBe('srv\n');
    expect(existsSync(join(dir, 'RAN'))).toBe(true);
  });

  it.skipIf(!has('bun'))('bun: BUN_OPTIONS="--preload ./evil.mjs" runs ./evil.mjs first', () => {
    const dir = join(scratch.dir, 'bun');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'evil.mjs'), "import fs from 'node:fs'; fs.writeFileSync('RAN', '');\n");
    writeFileSync(join(dir, 'srv.mjs'), "console.log('srv');\n");
    spawnSync('bun', ['srv.mjs'], { cwd: dir, env: { PATH: process.env.PATH, HOME: scratch.dir, BUN_OPTIONS: '--preload ./evil.mjs' } });
    expect(existsSync(join(dir, 'RAN'))).toBe(true);
  });
});
