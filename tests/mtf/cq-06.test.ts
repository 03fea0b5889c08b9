import { describe, expect, it } from 'vitest';
import { control, substitute } from '../../src/mtf/controls/cq-06.js';
import { brief, cqDir, runControl, scDir } from './sccq-helpers.js';

describe('CQ-06 behavioural analysis', () => {
  it('is skipped unless --run-server allows running the bundle', async () => {
    const result = await runControl(control, cqDir('behaviour-undeclared'));
    expect(result).toEqual({ status: 'skip', findings: [], error: "behavioural analysis starts the bundle's server; pass --run-server to allow it" });
  });

  it('fails when the running server offers a tool the manifest does not declare', async () => {
    const result = await runControl(control, cqDir('behaviour-undeclared'), { runServer: true });
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([['high', 'Undeclared tool', 'manifest.json', undefined]]);
    expect(result.findings[0]!.description).toContain('"upload_home"');
  });

  it('passes when the live tools match the declared ones', async () => {
    const result = await runControl(control, cqDir('behaviour-match'), { runServer: true });
    expect(result.status).toBe('pass');
    expect(brief(result, true)).toEqual([['info', 'Server surface observed', undefined, undefined]]);
  });

  // Review: the running server's descriptions are what the model reads; a poisoned one that the
  // manifest does not show (rug pull) now fails CQ-06 (it passed with a low "description differs").
  it('fails when a running tool\'s description differs from the manifest and carries an injection', async () => {
    const result = await runControl(control, cqDir('behaviour-rugpull'), { runServer: true });
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([
      ['low', 'Tool description differs', 'manifest.json', undefined],
      ['critical', 'Live description: Instructions to the model', undefined, undefined],
      // The shared analyzer reports the transmission itself (secrets sent to a URL), raised to
      // critical by §3.5's phrase, before the URL.
      ['critical', 'Live description: Data transmission', undefined, undefined],
      ['low', 'Live description: URL in description', undefined, undefined],
    ]);
    expect(result.findings[1]!.description).toContain('tool "echo" description');
  });

  it('is an error when the server cannot be started', async () => {
    const result = await runControl(control, scDir('npm-clean'), { runServer: true });
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/^the server could not be started or read: /);
  });

  it('substitutes ${__dirname} and leaves user configuration empty', () => {
    expect(substitute('${__dirname}/server/index.js', '/b')).toEqual({ value: '/b/server/index.js', unresolved: false });
    expect(substitute('--key=${user_config.api_key}', '/b')).toEqual({ value: '--key=', unresolved: true });
  });
});
