import { Option, type Command } from 'commander';
import { lstatSync } from 'node:fs';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { addServerOptions, collect, formatOption, parsePositiveInt, parseTimeout } from '../options.js';
import type { LiveOptions } from '../policy-support.js';
import type { CheckPart, CheckReport } from '../../src/report/check.js';
import { DEFAULT_LOCKFILE } from '../../src/lockfile/types.js';
import { printable, safeJson } from '../../src/util/text.js';
import { nowMs } from '../../src/util/clock.js';

interface CheckOptions extends LiveOptions {
  lock: string;
  sig?: string;
  key: string[];
  keyring?: string;
  threshold: number;
  requireSignature: boolean;
  allowUnknownSigners: boolean;
  policy: string[];
  preset: string[];
  failOn: 'any' | 'breaking' | 'security' | 'none';
  ruleTimeout: number;
  format: 'text' | 'json' | 'junit';
  junit?: string;
  json?: string;
  markdown?: string;
  sarif?: string;
  /** False under --no-pin. */
  pin: boolean;
  expectedSource?: string;
}

export function registerCheck(program: Command, ctx: CommandContext): void {
  const command = program
    .command('check')
    .summary('the CI gate: verify the signature, diff the live server against the lock, apply a policy')
    .description(
      'One command, one summary, one exit code: verify the lockfile signature (when\n' +
        'keys are given; an unsigned lockfile then fails), compare the live server with\n' +
        'the lockfile, and evaluate a policy (when one is given) over both. With --config,\n' +
        'a wrapped entry (mcptrust proxy in front) must enforce this lockfile and its own\n' +
        'server, else it is high drift.\n' +
        'Exit 1 when any part fails; 2 for bad flags or files (including a policy that\n' +
        'does not compile); 3 when the server cannot be used.',
    )
    .argument('[command...]', 'the live server command and its arguments, after --')
    .option('--lock <file>', 'the approved lockfile', DEFAULT_LOCKFILE)
    .option('--sig <file>', 'signature file (default: the lockfile name + .sig)')
    .option('--key <file>', 'trusted public key, SPKI PEM (repeatable)', collect, [])
    .option('--keyring <dir>', 'trust every *.pub public key in this folder')
    .option('--threshold <n>', 'distinct trusted keys that must have signed', parsePositiveInt, 1)
    .option('--require-signature', 'refuse to run without trusted keys (exit 2); with --key/--keyring an unsigned lockfile always fails', false)
    .option('--allow-unknown-signers', 'ignore signatures by keys that are not trusted (they never count), as in verify', false)
    .option('--policy <file>', 'policy YAML file (repeatable; every rule of every file applies)', collect, [])
    .option('--preset <name>', 'built-in policy: baseline or strict (repeatable; combines with --policy)', collect, [])
    .addOption(
      new Option('--fail-on <level>', 'drift that fails the check: any, breaking, security (high or critical), none')
        .choices(['any', 'breaking', 'security', 'none'])
        .default('any'),
    )
    .addOption(new Option('--rule-timeout <duration>', 'longest time one policy rule may run (a rule the fast evaluator leaves to cel-js gets it once more)').argParser(parseTimeout).default(2000, '2s'))
    .addOption(formatOption(['text', 'json', 'junit']))
    .option('--junit <file>', 'also write the JUnit XML report to this file (same run, whatever --format)')
    .option('--json <file>', 'also write the --format json report to this file (same run)')
    .option('--markdown <file>', 'also write a markdown summary (the checks, then the drift as diff --format markdown) to this file')
    .option('--sarif <file>', 'also write the drift as SARIF 2.1.0 (as diff --format sarif) to this file, for code scanning')
    .option('--no-pin', 'do not pin the live launch (no registry is asked); a lockfile that pins an artifact then fails the check')
    .option('--expected-source <regex>', "fail unless each stdio server's pinned package has verified provenance from a source repository matching this");
  addServerOptions(command)
    .option('--name <name>', 'name of the live server in the lockfile (default: its serverInfo.name)')
    .addHelpText(
      'after',
      `
Examples:
  mcptrust check --key team.pub --preset strict -- npx -y @modelcontextprotocol/server-everything
  mcptrust check --keyring keys/ --threshold 2 --policy org.yaml --config .cursor/mcp.json
  mcptrust check --key team.pub --format junit -- node server.js > mcptrust-junit.xml
  mcptrust check --key team.pub --preset strict --junit junit.xml -- node server.js
  mcptrust check --key team.pub --json check.json --markdown summary.md --sarif drift.sarif -- node server.js`,
    )
    .action(async (argv: string[], options: CheckOptions) => {
      ctx.setExitCode(await runCheck(argv, options, ctx));
    });
}

async function runCheck(argv: string[], options: CheckOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const [support, { UsageError, BaseError }, { resolve, dirname }, model] = await Promise.all([
    import('../policy-support.js'),
    import('../../src/errors.js'),
    import('node:path'),
    import('../../src/report/check.js'),
  ]);
  const hasKeys = options.key.length > 0 || options.keyring !== undefined;
  if (options.requireSignature && !hasKeys) {
    throw new UsageError('USAGE', '--require-signature: no trusted keys to verify the signature with; give --key FILE (repeatable) or --keyring DIR');
  }
  if (!support.hasLiveSource(argv, options)) {
    throw new UsageError('USAGE', 'check compares the live server with the lockfile: give -- CMD ARGS..., --url URL or --config FILE');
  }
  const { expectedSourcePattern } = await import('../servers.js');
  const expectedSource = expectedSourcePattern(options.expectedSource);
  if (expectedSource !== undefined && !options.pin) throw new UsageError('USAGE', '--expected-source checks the pinned provenance; it does not go with --no-pin');
  const wantsPolicy = options.policy.length + options.preset.length > 0;
  const parts: CheckPart[] = [];
  const outputs = [['--junit', options.junit], ['--json', options.json], ['--markdown', options.markdown], ['--sarif', options.sarif]] as const;
  const { refuseOutputOverInput, folderFiles } = await import('../output-paths.js');
  refuseOutputOverInput(
    io.cwd,
    outputs,
    [
      ['the lockfile', options.lock],
      ['the signature file', hasKeys ? (options.sig ?? `${options.lock}.sig`) : undefined],
      ['the agent config', options.config],
      ...options.policy.map((f) => ['a policy file', f] as const),
      ...options.key.map((f) => ['a trusted key', f] as const),
      ...folderFiles(io.cwd, options.keyring).map((f) => ['a trusted key', f] as const),
    ],
  );

  // 1. Every input, before any server starts: keys, signature file, policy (compiled).
  const { loadTrustedKeys } = await import('../keys.js');
  const trusted = hasKeys ? (await loadTrustedKeys(io.cwd, options.key, options.keyring)).map((t) => t.key) : [];
  const compiled = wantsPolicy ? await support.loadCompiledPolicies(options, io) : undefined;

  // 2. The signature, over the exact bytes (before the lockfile is parsed, so a tampered lock
  //    is reported as a bad signature rather than as a malformed file).
  const { readFileBounded } = await import('../../src/util/fs.js');
  const lockBytes = (await import('../lockfile-read.js')).readLockfileBytes(io.cwd, options.lock, support.MAX_LOCKFILE_BYTES);
  let verification: { verified: boolean; signers: string[] } | undefined;
  if (!hasKeys) {
    parts.push({ id: 'signature', status: 'skip', summary: 'not checked (no --key or --keyring given)', details: [], ms: 0 });
  } else {
    const started = nowMs();
    const sig = options.sig ?? `${options.lock}.sig`;
    // lstat, not exists: a symlink loop or a dangling link is a broken file (read below, exit
    // 2 naming it), not a missing signature.
    if (!lstatExists(resolve(io.cwd, sig))) {
      // Fail closed: given trusted keys, an unsigned lockfile is not verified.
      const lockFlag = options.lock === DEFAULT_LOCKFILE ? '' : ` --lock ${options.lock}`;
      const outFlag = options.sig === undefined ? '' : ` --out ${options.sig}`;
      parts.push(model.noSignaturePart(sig, `mcptrust sign --key PRIVATE.key${lockFlag}${outFlag}`));
    } else {
      const signature = await import('../../src/lockfile/signature.js');
      const envelope = signature.parseSignatureEnvelope(readFileBounded(resolve(io.cwd, sig), signature.MAX_SIGNATURE_FILE_BYTES, 'signature file'), sig);
      const result = signature.verifyLockfileSignature(lockBytes, envelope, trusted, {
        threshold: options.threshold,
        allowUnknownSigners: options.allowUnknownSigners,
      });
      verification = { verified: result.verified, signers: result.signers };
      parts.push(model.signaturePart(result, nowMs() - started));
    }
  }

  // 3. The lockfile's meaning. If the signature already failed, a lockfile that no longer
  //    parses is part of that failure (exit 1), not a separate input error.
  const { parseLockfile, lockfileText } = await import('../../src/lockfile/parse.js');
  let lock: import('../../src/lockfile/types.js').Lockfile | undefined;
  let unreadable: string | undefined;
  try {
    // Digests are not recomputed (see readLockfile in policy-support.ts): a hand-edited
    // definition shows up as drift against the live server, and as a bad signature.
    lock = parseLockfile(lockfileText(lockBytes, options.lock), options.lock, { checkDigests: false });
  } catch (error) {
    if (!(error instanceof BaseError) || parts[0]?.status !== 'fail') throw error;
    unreadable = error.message;
  }

  let report: CheckReport;
  if (lock === undefined) {
    const why = `cannot be checked: ${unreadable ?? 'the lockfile is unreadable'}`;
    parts.push({ id: 'drift', status: 'error', summary: why, details: [], ms: 0 });
    parts.push(compiled ? { id: 'policy', status: 'error', summary: why, details: [], ms: 0 } : model.NO_POLICY_PART);
    report = model.checkReport(options.lock, parts);
  } else {
    // The files a local pin names are inputs too (the server's own script): no report replaces one.
    const lockDir = dirname(resolve(io.cwd, options.lock));
    const pinned = Object.values(lock.servers).flatMap((server) => (server.artifact?.type === 'local' ? (server.artifact.files ?? []) : []).filter((f) => !f.path.includes('${')).map((f) => ['a file the lockfile pins', resolve(lockDir, f.path)] as const));
    refuseOutputOverInput(io.cwd, outputs, pinned);
    // 4. The live server against the lock.
    const started = nowMs();
    // The live launch is pinned as lock pins it, relative to the lockfile's folder: a changed
    // launch identity (package, version, bytes, local script) is drift like a surface change.
    const pinning = { enabled: options.pin, lockDir: dirname(resolve(io.cwd, options.lock)), expectedSource };
    const { live, before, report: compared } = await support.readLiveAndDiff(argv, { ...options, pinning }, lock, io);
    const diff = expectedSource === undefined ? compared : (await import('../../src/diff/artifact.js')).withExpectedSource(compared, Object.values(live.servers), expectedSource);
    const [{ failsOn }, { changedServerDigests }] = await Promise.all([import('../../src/diff/index.js'), import('../../src/report/diff-servers.js')]);
    const servers = changedServerDigests(before, live, diff.changes);
    parts.push(model.driftPart(diff, options.failOn, failsOn, nowMs() - started, servers));

    // 5. The policy over the live surface, the drift and the signature result.
    let policy;
    if (compiled) {
      const policyStarted = nowMs();
      const [{ buildPolicyInput }, { evaluatePolicies }, { referencedNames }] = await Promise.all([
        import('../../src/policy/input.js'),
        import('../../src/policy/evaluate.js'),
        import('../../src/policy/compile.js'),
      ]);
      const names = referencedNames(...compiled.map((c) => c.policy));
      const mtf = names.has('mtf') ? await (await import('../policy-mtf.js')).mtfForPolicy(live) : undefined;
      const input = buildPolicyInput({ lock: live, drift: { against: 'live', changes: diff.changes }, mtf, verification }, { names });
      policy = evaluatePolicies(compiled, input, { timeoutMs: options.ruleTimeout });
      parts.push(model.policyPart(policy, nowMs() - policyStarted));
    } else {
      parts.push(model.NO_POLICY_PART);
    }
    report = model.checkReport(options.lock, parts, { policy, drift: diff, servers });
    // A live server may echo a secret it was given into its surface: the verdict was reached on
    // the real text; what is shown and written has the secret redacted.
    report = (await (await import('../redact.js')).liveRedactor(argv, options, io))(report);
  }

  // What stdout says for a machine (json, junit) is printed only once every report file is
  // written: a run that fails to write one exits 2 with no verdict on stdout. A person reading
  // the text summary sees the verdict first, then what could not be written.
  const printVerdict = async () => {
    if (options.format === 'json') io.stdout.write(`${safeJson(model.checkJson(report))}\n`);
    else if (options.format === 'junit') io.stdout.write(model.checkJUnit(report));
    else {
      const render = await import('../render/check.js');
      const { paint, colorEnabled } = await import('../io.js');
      io.stdout.write(render.renderCheck(report, paint(colorEnabled(io, io.stdout))));
    }
  };
  if (options.format === 'text') await printVerdict();
  // The same run in every file: the log, the JUnit, the JSON, the summary and the SARIF tell one
  // verdict. Either all of them are written or none is left behind: a file this run wrote is
  // removed again when a later one cannot be written (it would vouch for a run that failed).
  const reports: { file: string; text: () => string }[] = [];
  if (options.junit !== undefined) reports.push({ file: options.junit, text: () => model.checkJUnit(report) });
  if (options.json !== undefined) reports.push({ file: options.json, text: () => `${safeJson(model.checkJson(report))}\n` });
  if (options.markdown !== undefined) {
    const { renderCheckMarkdown } = await import('../../src/report/check-markdown.js');
    reports.push({ file: options.markdown, text: () => renderCheckMarkdown(report) });
  }
  if (options.sarif !== undefined && report.drift === undefined) {
    // An empty SARIF would tell code scanning that every drift alert is fixed.
    io.stderr.write(`note: ${printable(options.sarif, 200)} not written: the drift could not be checked\n`);
  } else if (options.sarif !== undefined && report.drift !== undefined) {
    const drift = report.drift;
    const [{ renderDiffSarif }, { VERSION }, { relative, sep }] = await Promise.all([import('../../src/report/diff-sarif.js'), import('../../src/version.js'), import('node:path')]);
    // SARIF locations are URI references relative to where the check ran (the repository root in CI).
    const lockUri = relative(io.cwd, resolve(io.cwd, options.lock)).split(sep).map(encodeURIComponent).join('/');
    reports.push({ file: options.sarif, text: () => renderDiffSarif(drift, { lockUri, lockText: lockBytes.toString('utf8'), toolVersion: VERSION }) });
  }
  if (reports.length > 0) {
    const [{ writeFileAtomic }, { rmSync }] = await Promise.all([import('../../src/util/fs.js'), import('node:fs')]);
    const written: string[] = [];
    try {
      for (const r of reports) {
        const path = resolve(io.cwd, r.file);
        writeFileAtomic(path, r.text());
        written.push(path);
      }
    } catch (error) {
      for (const path of written) rmSync(path, { force: true });
      throw error;
    }
  }
  if (options.format !== 'text') await printVerdict();
  return report.passed ? EXIT.OK : EXIT.CHECK_FAILED;
}

/** Whether anything is at `path`, a dangling or looping symlink included (lstat does not follow it). */
function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
