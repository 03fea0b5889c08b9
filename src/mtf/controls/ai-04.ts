/**
 * AI-04 Reproducible Builds (MTF-0.1 §3.2, L4). What a scanner can check offline:
 *   - the declaration `_meta["org.mpaktrust"].build.reproducible` (false or missing blocks);
 *   - that the archive itself is deterministic (§3.2 table: file ordering sorted, timestamps
 *     normalized): entries in sorted path order and one single modification time for all.
 * Rebuilding from source is out of reach of a scanner; a folder input has no archive to check,
 * so a valid declaration on a folder is `skip` (not a pass).
 * Build instructions: the spec's `build.instructions`, or a BUILD.md in the bundle; missing is a
 * warning (low finding) as in the spec's severity table.
 */
import { FindingList, asRecord, field, mtfExtension } from '../source.js';
import type { BundleContext, Control, ControlResult } from '../types.js';

function run(ctx: BundleContext): ControlResult {
  const f = new FindingList('AI-04');
  const build = asRecord(field(mtfExtension(ctx.manifest), 'build'));
  const reproducible = field(build, 'reproducible');
  if (reproducible !== true) {
    f.add('high', reproducible === false ? 'Build declared not reproducible' : 'No reproducibility declaration',
      reproducible === false
        ? '_meta["org.mpaktrust"].build.reproducible is false; L4 requires a reproducible build.'
        : 'The manifest does not declare _meta["org.mpaktrust"].build.reproducible.',
      { file: 'manifest.json', remediation: 'Make the build reproducible (sorted entries, fixed timestamps, pinned dependencies) and declare build.reproducible: true.' });
    return { status: 'fail', findings: f.items };
  }
  if (typeof field(build, 'instructions') !== 'string' && !ctx.files.some((file) => /^build\.md$/i.test(file.path))) {
    f.add('low', 'No build instructions', 'Neither build.instructions nor a BUILD.md tells others how to reproduce the build.', {
      file: 'manifest.json',
      remediation: 'Add build.instructions (a URL) or a BUILD.md naming the OS, toolchain versions and commands.',
    });
  }
  if (!ctx.archive || !ctx.entries) {
    return { status: 'skip', findings: f.items, error: 'the declaration is valid; archive determinism can only be checked on a .mcpb archive' };
  }
  const entries = ctx.entries;
  for (let i = 1; i < entries.length; i++) {
    if (entries[i - 1]!.path > entries[i]!.path) {
      f.add('high', 'Archive entries are not sorted', `Entry ${JSON.stringify(entries[i]!.path)} comes after ${JSON.stringify(entries[i - 1]!.path)}: the archive order depends on the build machine.`, {
        remediation: 'Add files to the archive in sorted path order.',
      });
      break;
    }
  }
  const times = new Set(entries.map((e) => e.modified));
  if (times.size > 1) {
    f.add('high', 'Archive timestamps are not normalized', `The archive's entries carry ${times.size} different modification times; a reproducible archive uses one fixed time (e.g. SOURCE_DATE_EPOCH).`, {
      remediation: 'Set every entry time to one fixed value when building the archive.',
    });
  }
  return { status: f.has('high', 'critical') ? 'fail' : 'pass', findings: f.items };
}

export const control: Control = { id: 'AI-04', name: 'Reproducible Builds', domain: 'artifact_integrity', run };
