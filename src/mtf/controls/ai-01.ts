/**
 * AI-01 Manifest Validation (MTF-0.1 §3.2, L1). Two-step validation (§4.1): the MCPB schema
 * chosen by `manifest_version`, then `_meta["org.mpaktrust"]` against the MTF extension schema.
 * Spec vs reference: the reference fetches schemas over the network; here they ship in
 * schemas/mtf/. Spec vs schema: the extension schema forbids `build.instructions` and
 * `source.tag` that the spec documents; we accept those two (see src/mtf/schemas.ts).
 * Level nuance: fields and rules the spec requires only "for L2+" (author, repository, the MTF
 * extension, a scoped `@scope/name`) cap the control at L1 instead of failing it.
 */
import { describeSchemaErrors, extensionValidator, mcpbValidator } from '../schemas.js';
import { FindingList, asArray, asRecord, asString, field, mtfExtension, quote } from '../source.js';
import type { BundleContext, Control, ControlResult } from '../types.js';

/** Semantic Versioning 2.0.0 (semver.org's recommended pattern). */
export const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

const OLDER_VERSIONS = new Set(['0.1', '0.2', '0.3']);
const L1_FIELDS = ['manifest_version', 'name', 'version', 'description', 'server', 'tools'] as const;

/** A bundle path named by an mcp_config argument ("${__dirname}/server/index.js" → "server/index.js"). */
export function argPath(arg: string): string | undefined {
  const m = /^\$\{__dirname\}[\\/](.+)$/.exec(arg);
  const path = (m ? m[1]! : arg).replace(/^\.\//, '');
  if (!m && !/\.(?:[cm]?js|[cm]?ts|py|sh)$/.test(path)) return undefined;
  if (path.startsWith('/') || path.split('/').includes('..')) return undefined;
  return path;
}

function run(ctx: BundleContext): ControlResult {
  const f = new FindingList('AI-01');
  const manifest = ctx.manifest;
  if (!manifest) {
    f.add('critical', 'Manifest missing or unreadable', ctx.manifestError ?? 'manifest.json could not be read', {
      file: 'manifest.json',
      remediation: 'Ship a manifest.json at the bundle root that is valid JSON without duplicate keys (MCPB manifest format).',
    });
    return { status: 'fail', findings: f.items };
  }
  let levelCap: 1 | undefined;
  const declared = asString(field(manifest, 'manifest_version')) ?? asString(field(manifest, 'dxt_version'));
  if (declared === undefined) {
    f.add('high', 'manifest_version missing', 'The manifest does not say which MCPB format version it follows.', {
      file: 'manifest.json',
      remediation: 'Add "manifest_version": "0.4".',
    });
  } else if (declared !== '0.4' && !OLDER_VERSIONS.has(declared)) {
    f.add('high', 'Unknown manifest_version', `manifest_version ${quote(declared)} is not an MCPB version this scanner knows (0.1–0.4).`, {
      file: 'manifest.json',
      remediation: 'Use "manifest_version": "0.4".',
    });
  } else {
    if (declared !== '0.4') {
      f.add('info', 'Older manifest version', `manifest_version ${quote(declared)} was checked against the MCPB v0.4 schema (the version constant relaxed).`, { file: 'manifest.json' });
    }
    const validate = mcpbValidator(declared === '0.4');
    if (!validate(manifest)) {
      const lines = describeSchemaErrors(validate.errors);
      f.add('high', 'Manifest fails the MCPB schema', `manifest.json does not validate against the MCPB v0.4 schema: ${lines.join('; ')}`, {
        file: 'manifest.json',
        remediation: 'Fix the listed fields (MCPB manifest v0.4); inputSchema and other MCP fields do not belong in manifest tools.',
      });
    }
  }
  for (const name of L1_FIELDS) {
    if (field(manifest, name) === undefined) {
      f.add('high', `Required field "${name}" missing`, `MTF L1 requires "${name}" in manifest.json (MTF-0.1 §3.2 AI-01).`, {
        file: 'manifest.json',
        remediation: name === 'tools' ? 'Declare the tools (an empty array if the server has none).' : `Add "${name}".`,
      });
    }
  }
  const version = field(manifest, 'version');
  // Length first: the semver pattern must not run on megabytes of attacker text.
  if (typeof version === 'string' && (version.length > 256 || !SEMVER.test(version))) {
    f.add('high', 'Version is not semver', `version ${quote(version)} is not a Semantic Versioning 2.0.0 version.`, {
      file: 'manifest.json',
      remediation: 'Use MAJOR.MINOR.PATCH, e.g. "1.0.0".',
    });
  }
  // Step 4: server and mcp_config must start the same program.
  const server = asRecord(field(manifest, 'server'));
  const entry = asString(field(server, 'entry_point'));
  const configs = [asRecord(field(server, 'mcp_config')), asRecord(field(manifest, 'mcp_config'))].filter((c) => c !== undefined);
  if (server && configs.length === 0) {
    f.add('high', 'No mcp_config', 'Neither server.mcp_config nor mcp_config says how to start the server.', { file: 'manifest.json', remediation: 'Add server.mcp_config {command, args}.' });
  }
  if (entry) {
    for (const config of configs) {
      const args = (asArray(field(config, 'args')) ?? []).filter((a): a is string => typeof a === 'string');
      const command = asString(field(config, 'command'));
      const named = [command, ...args].filter((a): a is string => a !== undefined).map(argPath).filter((p): p is string => p !== undefined);
      const files = named.filter((p) => ctx.files.some((file) => file.path === p));
      if (files.length > 0 && !files.includes(entry.replace(/^\.\//, ''))) {
        f.add('high', 'mcp_config runs a different file than server.entry_point', `server.entry_point is ${quote(entry)} but mcp_config starts ${quote(files[0]!)}.`, {
          file: 'manifest.json',
          remediation: 'Make mcp_config.args name the declared entry point.',
        });
      }
    }
  }
  // Step 2 of §4.1: the MTF extension.
  const meta = asRecord(field(manifest, '_meta'));
  const extension = mtfExtension(manifest);
  if (meta && field(meta, 'org.mpaktrust') !== undefined && !extension) {
    f.add('high', 'MTF extension is not an object', '_meta["org.mpaktrust"] must be an object.', { file: 'manifest.json' });
  } else if (extension) {
    const validate = extensionValidator();
    if (!validate(extension)) {
      f.add('high', 'MTF extension fails its schema', `_meta["org.mpaktrust"] does not validate against the MTF v0.1 extension schema: ${describeSchemaErrors(validate.errors).join('; ')}`, {
        file: 'manifest.json',
        remediation: 'Fix the listed fields (MTF-0.1 §4.3).',
      });
    } else if (field(extension, 'mtf_version') !== '0.1') {
      f.add('info', 'MTF version', `The extension declares mtf_version ${quote(String(field(extension, 'mtf_version')))}; this scanner implements MTF 0.1.`, { file: 'manifest.json' });
    }
  } else {
    levelCap = 1;
    f.add('medium', 'No MTF extension', 'L2 and above require the MTF extension _meta["org.mpaktrust"] (at least mtf_version, level and permissions).', {
      file: 'manifest.json',
      remediation: 'Add "_meta": {"org.mpaktrust": {"mtf_version": "0.1", "level": 2, "permissions": {...}}}.',
    });
  }
  if (field(manifest, 'repository') === undefined || field(manifest, 'author') === undefined) {
    levelCap = 1;
    f.add('medium', 'author or repository missing', 'L2 and above require both "author" and "repository" in the manifest.', { file: 'manifest.json' });
  }
  const name = asString(field(manifest, 'name'));
  if (name !== undefined && !/^@[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/.test(name)) {
    levelCap = 1;
    f.add('medium', 'Name is not scoped', `L2 and above require a scoped name "@scope/name"; the bundle is named ${quote(name)}.`, {
      file: 'manifest.json',
      remediation: 'Rename the bundle to @your-scope/name (lowercase).',
    });
  }
  const failed = f.has('critical', 'high');
  return { status: failed ? 'fail' : 'pass', findings: f.items, ...(!failed && levelCap ? { levelCap } : {}) };
}

export const control: Control = { id: 'AI-01', name: 'Manifest Validation', domain: 'artifact_integrity', run };
