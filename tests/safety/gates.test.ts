import { describe, expect, it } from 'vitest';
import { INSTRUCTION_RULES, quietText } from '../../src/safety/index.js';
import { fullCorpus } from './corpus.js';

// Each prefilter gate of src/safety's instruction rules is necessary for its pattern: wherever
// the pattern matches (on the text as the analyser sees it: invisible characters dropped, NFKC),
// the lower-cased text holds a word of every gate, and quietText says the text is not quiet.
const fold = (t: string) =>
  /^[\t\n\r\x20-\x7e]*$/.test(t)
    ? t
    : t
        .replace(/[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Variation_Selector}]/gu, '')
        .replace(/\p{Bidi_Control}/gu, '')
        .normalize('NFKC');

describe('instruction rule gates', () => {
  const corpus = fullCorpus();

  it.each(INSTRUCTION_RULES.map((r, i) => [i, r] as const))('rule %i: every gate is spelled by every match', (_i, rule) => {
    let matched = 0;
    for (const text of corpus) {
      const folded = fold(text);
      const pattern = new RegExp(rule.pattern.source, rule.pattern.flags.replace('g', ''));
      if (!pattern.test(folded)) continue;
      matched++;
      const lower = folded.toLowerCase();
      for (const gate of rule.gates) expect(gate.some((w) => lower.includes(w)), `${JSON.stringify(text)} lacks all of ${gate.join(', ')}`).toBe(true);
      expect(quietText(text), JSON.stringify(text)).toBe(false);
    }
    // The corpus exercises every rule (else this proves nothing about it).
    expect(matched).toBeGreaterThan(0);
  });

  it('gate words are lower case', () => {
    for (const rule of INSTRUCTION_RULES) for (const gate of rule.gates) for (const w of gate) expect(w).toBe(w.toLowerCase());
  });
});
