import { describe, expect, it } from 'vitest';
import { control } from '../../src/mtf/controls/sc-01.js';
import { buildSbom, purlOf, sbomSummary } from '../../src/mtf/deps/sbom.js';
import { brief, cleanBundle, contextOf, runControl, scDir } from './sccq-helpers.js';

const purls = (dir: string) => buildSbom(contextOf(dir)).document.components.map((c) => c.purl);

describe('SC-01 SBOM generation', () => {
  it('passes a locked npm bundle and generates a CycloneDX 1.6 SBOM of its production dependencies', async () => {
    const result = await runControl(control, scDir('npm-clean'));
    expect(result.status).toBe('pass');
    expect(brief(result, true)).toEqual([['info', 'SBOM generated from lockfiles', undefined, undefined]]);
    expect(result.sbom).toEqual({ format: 'cyclonedx', component_count: 2 });
    const { document, componentCount } = buildSbom(contextOf(scDir('npm-clean')));
    expect(componentCount).toBe(2);
    expect(document.bomFormat).toBe('CycloneDX');
    expect(document.specVersion).toBe('1.6');
    expect(document.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // vitest is a devDependency: not in the SBOM (MTF: development dependencies SHOULD NOT be included).
    expect(document.components.map((c) => c.purl)).toEqual(['pkg:npm/lodash@4.17.21', 'pkg:npm/minimist@1.2.8']);
    const lodash = document.components[0]!;
    expect(lodash.hashes?.[0]?.alg).toBe('SHA-512');
    expect(lodash.hashes?.[0]?.content).toMatch(/^[0-9a-f]{128}$/);
    expect(lodash.licenses).toEqual([{ license: { name: 'MIT' } }]);
  });

  it('builds the same document twice (deterministic)', () => {
    const a = JSON.stringify(buildSbom(contextOf(scDir('npm-clean'))).document);
    const b = JSON.stringify(buildSbom(contextOf(scDir('npm-clean'))).document);
    expect(a).toBe(b);
  });

  it('fails a shipped SBOM with zero components when the bundle has dependencies (the reference passed it)', async () => {
    const result = await runControl(control, scDir('sbom-empty'));
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([['high', 'SBOM lists no components', 'sbom.cdx.json', undefined]]);
  });

  it('fails an SBOM in an unsupported format version', async () => {
    const result = await runControl(control, scDir('sbom-invalid'));
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([['high', 'Invalid SBOM', 'bom.json', undefined]]);
    expect(result.findings[0]!.description).toContain('specVersion "1.2"');
  });

  it('fails when dependencies are declared but nothing enumerates them', async () => {
    const result = await runControl(control, scDir('no-lockfile'));
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([['high', 'Dependencies cannot be enumerated', 'package.json', undefined]]);
  });

  it('checks a shipped SPDX SBOM: missing purl and missing locked dependency are warnings', async () => {
    const result = await runControl(control, scDir('sbom-shipped'));
    expect(result.status).toBe('pass');
    expect(brief(result)).toEqual([
      ['medium', 'SBOM components missing required fields', 'sbom.spdx.json', undefined],
      ['medium', 'SBOM does not match the lockfiles', 'sbom.spdx.json', undefined],
    ]);
    expect(result.findings[1]!.description).toContain('minimist@1.2.8');
    expect(sbomSummary(contextOf(scDir('sbom-shipped')))).toEqual({ format: 'spdx', component_count: 2, location: 'sbom.spdx.json' });
  });

  it('passes a bundle without third-party dependencies (empty SBOM is complete)', async () => {
    const result = await runControl(control, cleanBundle);
    expect(result.status).toBe('pass');
    expect(sbomSummary(contextOf(cleanBundle))).toEqual({ format: 'cyclonedx', component_count: 0 });
  });

  describe('reads every supported lockfile format', () => {
    it.each([
      ['pnpm', ['pkg:npm/%40fixture/widget@2.0.0', 'pkg:npm/lodash@4.17.21']],
      ['yarn-v1', ['pkg:npm/%40fixture/widget@2.0.0', 'pkg:npm/lodash@4.17.20']],
      ['yarn-berry', ['pkg:npm/left@1.0.0', 'pkg:npm/lodash@4.17.21']],
      ['package-lock-v1', ['pkg:npm/debug@2.6.9', 'pkg:npm/lodash@4.17.21', 'pkg:npm/ms@2.0.0']],
      ['poetry', ['pkg:pypi/pyyaml@5.3.1', 'pkg:pypi/requests@2.31.0']],
      ['uv', ['pkg:pypi/helper@0.3.0', 'pkg:pypi/idna@3.7']],
      ['requirements-pinned', ['pkg:pypi/idna@3.7', 'pkg:pypi/requests@2.31.0']],
    ])('%s', (name, expected) => {
      expect(purls(scDir(name))).toEqual(expected);
    });
  });

  it('uses npm\'s hidden lockfile (node_modules/.package-lock.json) when the project ships no other', async () => {
    const lock = { name: 'x', lockfileVersion: 3, requires: true, packages: { 'node_modules/lodash': { version: '4.17.21', integrity: `sha512-${Buffer.alloc(64).toString('base64')}` } } };
    const text = (o: unknown) => JSON.stringify(o, null, 2);
    const files: Record<string, string> = {
      'package.json': text({ name: 'x', version: '1.0.0', dependencies: { lodash: '^4.17.21' } }),
      'node_modules/.package-lock.json': text(lock),
      'node_modules/lodash/package.json': text({ name: 'lodash', version: '4.17.21' }),
      'node_modules/lodash/node_modules/.package-lock.json': text({ ...lock, packages: { 'node_modules/evil': { version: '1.0.0' } } }),
    };
    const ctx = { root: '/nonexistent', bundleHash: '0'.repeat(64), archive: false, manifest: undefined, options: {}, files: Object.entries(files).map(([path, t]) => ({ path, size: t.length, text: t })) } as never;
    expect(buildSbom(ctx).document.components.map((c) => c.purl)).toEqual(['pkg:npm/lodash@4.17.21']);
    const sc03 = await (await import('../../src/mtf/controls/sc-03.js')).control.run(ctx);
    expect(brief(sc03)).toEqual([]);
  });

  it('writes package URLs per purl-spec (scoped npm names, normalised PyPI names)', () => {
    expect(purlOf({ ecosystem: 'npm', name: '@scope/pkg', version: '1.0.0+build.1' })).toBe('pkg:npm/%40scope/pkg@1.0.0%2Bbuild.1');
    expect(purlOf({ ecosystem: 'PyPI', name: 'Zope.Interface', version: '6.0' })).toBe('pkg:pypi/zope-interface@6.0');
  });
});
