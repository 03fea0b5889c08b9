import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { formatOption } from '../options.js';

interface InitOptions {
  action: string;
  config: string;
  force: boolean;
  format: 'text' | 'json';
}

/** Where the action is published: replace OWNER, or give --action. */
const DEFAULT_ACTION = 'OWNER/mcptrust@v0';

export function registerInit(program: Command, ctx: CommandContext): void {
  program
    .command('init')
    .summary('write a starter CI workflow (the mcptrust GitHub Action) and a starter policy')
    .description(
      'Write .github/workflows/mcptrust.yml (runs the mcptrust action on pull requests and pushes:\n' +
        'signature, drift, policy, job summary, code scanning alerts; its comments say how to lock\n' +
        'and sign) and mcptrust-policy.yaml (the baseline preset, to edit). Never overwrites: if\n' +
        'either file exists, nothing is written (exit 2) unless --force is given.',
    )
    .option('--action <ref>', 'the action as uses: names it (OWNER/REPO@REF, or ./PATH)', DEFAULT_ACTION)
    .option('--config <file>', 'the agent config whose servers the workflow checks', '.mcp.json')
    .option('--force', 'overwrite the files if they exist', false)
    .addOption(formatOption(['text', 'json']))
    .addHelpText(
      'after',
      `
Examples:
  mcptrust init --action my-org/mcptrust@v0
  mcptrust init --config .cursor/mcp.json --format json`,
    )
    .action(async (options: InitOptions) => {
      ctx.setExitCode(await runInit(options, ctx));
    });
}

async function runInit(options: InitOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const [{ existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmdirSync, rmSync, statSync, symlinkSync }, { dirname, join, resolve }, { UsageError }, starter, { presetsDir }, { readFileBounded, writeFileAtomic }, { printable, safeJson }] =
    await Promise.all([
      import('node:fs'),
      import('node:path'),
      import('../../src/errors.js'),
      import('../../src/init/starter.js'),
      import('../policy-support.js'),
      import('../../src/util/fs.js'),
      import('../../src/util/text.js'),
    ]);
  if (!starter.ACTION_REF.test(options.action)) {
    throw new UsageError('USAGE', `--action "${printable(options.action, 80)}": expected OWNER/REPO@REF, OWNER/REPO/PATH@REF or ./PATH`);
  }
  if (!starter.CONFIG_PATH.test(options.config)) {
    throw new UsageError('USAGE', `--config "${printable(options.config, 80)}": expected a relative path of letters, digits, ".", "_", "-" and "/"`);
  }
  const files = [
    { path: starter.WORKFLOW_PATH, text: starter.starterWorkflow({ action: options.action, config: options.config }) },
    { path: starter.POLICY_PATH, text: starter.starterPolicy(readFileBounded(join(presetsDir(), 'baseline.yaml'), 1024 * 1024, 'preset').toString('utf8')) },
  ];
  // Both or neither: every existing file is named before anything is written.
  const existing = files.filter((f) => existsSync(resolve(io.cwd, f.path))).map((f) => f.path);
  if (existing.length > 0 && !options.force) {
    throw new UsageError('FILE_EXISTS', `${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; init never overwrites (give --force to replace ${existing.length === 1 ? 'it' : 'them'})`);
  }
  // What would stop a write part-way is refused before the first one: a destination that is not a
  // file (--force replaces files only), or a folder on its way that is a file.
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const shown = parts.slice(0, i).join('/');
      const link = lstatSync(resolve(io.cwd, shown), { throwIfNoEntry: false });
      if (link === undefined) break;
      const stat = statSync(resolve(io.cwd, shown), { throwIfNoEntry: false });
      if (stat === undefined) {
        // A link to nothing: a folder on the way cannot be made through it; the file itself is replaced (--force).
        if (i < parts.length) throw new UsageError('FILE_WRITE', `cannot write ${f.path}: ${shown} is a link to nothing (move it away first)`);
        break;
      }
      if (i < parts.length && !stat.isDirectory()) throw new UsageError('FILE_WRITE', `cannot write ${f.path}: ${shown} is not a folder (move it away first)`);
      if (i === parts.length && !stat.isFile()) throw new UsageError('FILE_WRITE', `cannot write ${f.path}: it is ${stat.isDirectory() ? 'a folder' : 'not a regular file'}; init replaces files only (move it away first)`);
    }
  }
  const written: string[] = [];
  // With --force, what a replaced file was (a link, or its bytes and mode), to put back if a later write fails.
  const replaced = new Map<string, { link: string } | { bytes: Buffer; mode: number }>();
  // Folders this run made (the first one made, and the deepest), to remove again when it fails.
  const created: { top: string; dir: string }[] = [];
  try {
    for (const f of files) {
      const dir = dirname(resolve(io.cwd, f.path));
      const made = mkdirSync(dir, { recursive: true });
      if (made !== undefined) created.push({ top: made, dir });
    }
    for (const f of files) {
      const path = resolve(io.cwd, f.path);
      if (options.force && lstatSync(path, { throwIfNoEntry: false }) !== undefined) {
        const st = lstatSync(path);
        replaced.set(path, st.isSymbolicLink() ? { link: readlinkSync(path) } : { bytes: readFileBounded(path, 16 * 1024 * 1024, f.path), mode: st.mode & 0o777 });
      }
      // Exclusive without --force: a file created since the check above is not replaced either.
      writeFileAtomic(path, f.text, { exclusive: !options.force });
      written.push(f.path);
    }
  } catch (error) {
    // Nothing half-done: files this run created are removed, files it replaced are put back.
    for (const path of written.map((p) => resolve(io.cwd, p))) {
      const before = replaced.get(path);
      if (before === undefined) rmSync(path, { force: true });
      else if ('link' in before) {
        rmSync(path, { force: true });
        symlinkSync(before.link, path);
      } else writeFileAtomic(path, before.bytes, { mode: before.mode });
    }
    for (const { top, dir } of created.reverse()) {
      for (let d = dir; ; d = dirname(d)) {
        try {
          rmdirSync(d);
        } catch {
          break; // not empty (or gone): left as it is
        }
        if (d === top) break;
      }
    }
    throw error;
  }
  if (options.format === 'json') {
    io.stdout.write(`${safeJson({ written: written.map((path) => ({ path, kind: path === starter.WORKFLOW_PATH ? 'workflow' : 'policy' })), overwritten: options.force ? existing : [] })}\n`);
  } else {
    const lines = written.map((path) => `wrote ${path}${existing.includes(path) ? ' (replaced)' : ''}`);
    // The steps not done yet: a lockfile, a key (keygen never overwrites one), a public key kept
    // in keys/, a signature; then what to commit.
    const done = (path: string) => existsSync(resolve(io.cwd, path));
    const keyKept = done('keys') && statSync(resolve(io.cwd, 'keys')).isDirectory() && readdirSync(resolve(io.cwd, 'keys')).some((n) => n.endsWith('.pub'));
    const keyMade = io.env.HOME !== undefined && existsSync(join(io.env.HOME, '.mcptrust', 'mcptrust.key'));
    const keyStep = keyMade ? '  mkdir -p keys && cp ~/.mcptrust/mcptrust.pub keys/team.pub' : '  mcptrust keygen --out-dir ~/.mcptrust && mkdir -p keys && cp ~/.mcptrust/mcptrust.pub keys/team.pub';
    lines.push(
      '',
      'Next:',
      ...(done('mcp-lock.json') ? [] : [`  mcptrust lock --config ${options.config}`]),
      ...(keyKept ? [] : [keyStep]),
      ...(done('mcp-lock.json.sig') ? [] : ['  mcptrust sign --key ~/.mcptrust/mcptrust.key']),
      `  git add mcp-lock.json mcp-lock.json.sig keys/team.pub ${starter.POLICY_PATH} ${starter.WORKFLOW_PATH}`,
    );
    if (options.action === DEFAULT_ACTION) lines.push('', `Edit "uses: ${DEFAULT_ACTION}" in ${starter.WORKFLOW_PATH} to where the action is published (or run init --action REF).`);
    io.stdout.write(`${lines.join('\n')}\n`);
  }
  return EXIT.OK;
}
