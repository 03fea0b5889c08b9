// Growth of the scan patterns on adversarial text (the speed evidence of tests/mtf/linear.test.ts,
// which only checks that each rule finishes and still finds its true positive). Every rule of the
// registered rule tables of the built scanner (dist/src/mtf/code/patterns.js: CQ-01, CQ-02,
// CQ-03's Python set, CQ-05) runs on each adversarial input of the test, built from the rule's own
// anchors and words, at 64 KiB and at 256 KiB. The row is the worst growth: 4× the text may cost
// at most 8× the time (linear is ~4×, quadratic is 16×). Times are the best of five, the two sizes
// interleaved, and a ratio over the target is measured again (best of fifteen) before it is
// reported, so a load spike is not read as growth. Inputs under FLOOR_MS at 256 KiB are too fast
// to measure growth on (a quadratic pattern that fast would still stay under a second at 1 MiB)
// and are only counted in the note.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const KiB = 1024;
const SMALL = 64 * KiB;
const BIG = 256 * KiB;
const FLOOR_MS = 20;
const RATIO = 8;

function fill(unit, n) {
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

/** Words of a rule's patterns (keywords an attacker repeats to make a regex try every split). */
function wordsOf(rule) {
  const sources = JSON.stringify([rule.pattern, rule.requireArgs, rule.requireString, rule.requireFollowing, rule.unlessArgs, rule.unlessLine]);
  return [...new Set(sources.replace(/\\\\[sSwWdDbB]/g, ' ').match(/[A-Za-z_][A-Za-z0-9_]+/g) ?? [])];
}

/** The adversarial inputs of tests/mtf/linear.test.ts, each on its own and of any length n. */
function inputs(rule) {
  const a = rule.anchors[0];
  const w = wordsOf(rule);
  return [
    ['anchor then spaces', (n) => a + fill(' ', n - a.length)],
    ['anchor( repeated', (n) => fill(`${a}(`, n)],
    ['anchor per line', (n) => fill(`${a}\n`, n)],
    ['anchors and words with " ( " between', (n) => fill(`${rule.anchors.join(' ')} ${w.join(' ( ')} `, n)],
    ['anchors and words with quotes between', (n) => fill(`${rule.anchors.join('"')}"${w.join('(')}: "`, n)],
    ['assignment of base64 then hex', (n) => `${a} = "${fill('QUJDRGVm', n / 2)}${fill('0af9', n / 2)}`],
    ['unclosed string of a word', (n) => `${a}("${fill(`${w[0] ?? 'a'} `, n)}`],
    ['anchor and words with dots between', (n) => fill(`${a} ${w.slice(0, 3).join('.')}.`, n)],
  ];
}

function pathFor(rule) {
  if (rule.id.startsWith('install-hook-')) return 'package.json';
  const language = rule.languages === 'any' ? 'js' : rule.languages[0];
  return language === 'python' ? 'server/x.py' : language === 'shell' ? 'server/x.sh' : 'server/x.js';
}

export async function run(ctx) {
  const dist = (p) => import(pathToFileURL(join(ctx.root, 'dist', 'src', 'mtf', p)).href);
  const { registeredRuleSets, scanFiles } = await dist('code/patterns.js');
  const { classifyFiles } = await dist('code/files.js');
  // The controls register their rule sets on load.
  for (const c of ['cq-01', 'cq-02', 'cq-03', 'cq-05']) await dist(`controls/${c}.js`);

  const time = (one, path, text, runs) => {
    let best = Infinity;
    for (let i = 0; i < runs; i++) {
      // A fresh file each run: the scanner caches candidate windows per file object.
      const files = classifyFiles([{ path, size: text.length, text }]);
      const t0 = process.hrtime.bigint();
      scanFiles(one, files);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return best;
  };

  let worst;
  let measured = 0;
  let fast = 0;
  const t0 = process.hrtime.bigint();
  for (const set of registeredRuleSets()) {
    for (const compiled of set.rules) {
      const one = { control: set.control, rules: [compiled] };
      const path = pathFor(compiled.rule);
      for (const [name, make] of inputs(compiled.rule)) {
        const big = make(BIG);
        time(one, path, big, 1); // warm up
        if (time(one, path, big, 3) < FLOOR_MS) {
          fast++;
          continue;
        }
        const small = make(SMALL);
        time(one, path, small, 1); // warm up
        const growth = (runs) => {
          let smallMs = Infinity;
          let bigMs = Infinity;
          for (let i = 0; i < runs; i++) {
            smallMs = Math.min(smallMs, time(one, path, small, 1));
            bigMs = Math.min(bigMs, time(one, path, big, 1));
          }
          return { smallMs, bigMs, ratio: bigMs / Math.max(smallMs, 0.05) };
        };
        let g = growth(5);
        if (g.ratio > RATIO) g = growth(15);
        const { smallMs, bigMs, ratio } = g;
        // The screening run was slowed by load: too fast to measure growth on after all.
        if (bigMs < FLOOR_MS) {
          fast++;
          continue;
        }
        measured++;
        if (!worst || ratio > worst.ratio) worst = { ratio, bigMs, smallMs, at: `${set.control} ${compiled.rule.id}: ${name}` };
      }
    }
  }
  const sweepMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!worst) {
    return [{ name: 'linear: scan rule tables, 64 → 256 KiB adversarial (worst growth)', wallMs: sweepMs, target: `≤${RATIO}× (quadratic 16×)`, ok: true, note: `all ${fast} inputs under ${FLOOR_MS} ms at 256 KiB` }];
  }
  return [{
    name: 'linear: scan rule tables, 64 → 256 KiB adversarial (worst growth)',
    wallMs: worst.bigMs,
    ratio: worst.ratio,
    target: `≤${RATIO}× (quadratic 16×)`,
    ok: worst.ratio <= RATIO,
    note: `${worst.at}; ${worst.smallMs.toFixed(1)} ms at 64 KiB; ${measured} inputs measured, ${fast} under ${FLOOR_MS} ms; sweep ${(sweepMs / 1000).toFixed(1)} s`,
  }];
}
