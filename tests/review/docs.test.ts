import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../helpers/cli.js';

// README.md is the front door (what it is, install, quick start, CI gate, one line per command,
// exit codes); the contract lives in docs/. These tests keep the two honest: every relative link
// and #anchor resolves, and every command `mcptrust --help` lists is in the README's table and in
// the synopsis of docs/commands.md.
const docsDir = join(repoRoot, 'docs');
const pages = ['README.md', 'SECURITY.md', ...readdirSync(docsDir).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];

/** GitHub's heading anchor: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6} (.*)$/.exec(line);
    if (m) anchors.add(slug(m[1]!));
  }
  return anchors;
}

function linksOf(text: string): string[] {
  const unfenced = text.replace(/^```[\s\S]*?^```/gm, '');
  return [...unfenced.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/i.test(l));
}

describe('README and docs/', () => {
  it('README.md is a front door: at most 250 lines, the demo and test commands first', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(firstBlock).toMatch(/^npm ci && npm run demo .*\nnpm ci && npm test /);
  });

  it('every relative link and #anchor in README.md, SECURITY.md and docs/ resolves', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(repoRoot, page), 'utf8');
      for (const link of linksOf(text)) {
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path === '' ? join(repoRoot, page) : resolve(dirname(join(repoRoot, page)), path);
        if (!existsSync(target)) {
          broken.push(`${page}: ${link} (no such file)`);
          continue;
        }
        if (anchor !== undefined && !statSync(target).isDirectory() && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) {
          broken.push(`${page}: ${link} (no heading #${anchor} in ${relative(repoRoot, target)})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('every command of --help is in the README command table and the docs/commands.md synopsis', async () => {
    const top = await runCli(['--help'], { cwd: repoRoot });
    const policy = await runCli(['policy', '--help'], { cwd: repoRoot });
    expect(top.code).toBe(0);
    expect(policy.code).toBe(0);
    const names = (help: string) =>
      [...help.split('Commands:')[1]!.split('\n\n')[0]!.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!).filter((n) => n !== 'help');
    const commands = [...names(top.stdout).filter((n) => n !== 'policy'), ...names(policy.stdout).map((n) => `policy ${n}`)];
    expect(commands).toEqual(expect.arrayContaining(['lock', 'keygen', 'sign', 'verify', 'diff', 'check', 'scan', 'discover', 'init', 'policy check', 'policy explain', 'policy input', 'policy test']));
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const synopsis = readFileSync(join(docsDir, 'commands.md'), 'utf8');
    const tableRows = readme.split('\n').filter((l) => l.startsWith('| `'));
    for (const command of commands) {
      expect(tableRows.some((row) => row.startsWith(`| \`${command}\` |`)), `README row for ${command}`).toBe(true);
      expect(synopsis, `synopsis of ${command}`).toMatch(new RegExp(`^mcptrust ${command} `, 'm'));
    }
  });
});
