import { describe, expect, it } from 'vitest';
import { SPEC_PHRASES } from '../../src/mtf/declarations.js';
import { quietText, SPEC_PHRASE_WORDS } from '../../src/safety/index.js';
import { fullCorpus } from '../safety/corpus.js';

// The CD-03 spec phrases are tried only on texts that hold a word of each of their gates, and
// are skipped altogether on texts src/safety's quietText passes: both prefilters must be
// necessary for the phrase (every match spells them), over the whole test corpus.
describe('CD-03 phrase gates', () => {
  const corpus = fullCorpus();

  it('the first gate of every phrase is in SPEC_PHRASE_WORDS', () => {
    for (const phrase of SPEC_PHRASES) for (const w of phrase.gates[0]!) expect(SPEC_PHRASE_WORDS).toContain(w);
  });

  it.each(SPEC_PHRASES.map((p, i) => [i, p] as const))('phrase %i: every gate is spelled by every match', (_i, phrase) => {
    let matched = 0;
    for (const text of corpus) {
      if (!phrase.pattern.test(text)) continue;
      matched++;
      const lower = text.toLowerCase();
      for (const gate of phrase.gates) expect(gate.some((w) => lower.includes(w)), `${JSON.stringify(text)} lacks all of ${gate.join(', ')}`).toBe(true);
      expect(quietText(text), JSON.stringify(text)).toBe(false);
    }
    expect(matched).toBeGreaterThan(0);
  });
});
