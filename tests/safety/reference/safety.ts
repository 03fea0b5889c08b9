// The text analysis as it was before the prefilters were tightened (src/safety/index.ts at
// a9f9a2d), with every prefilter removed: each rule's pattern is tried on every text. The
// oracle of tests/safety/differential.test.ts: the shipped analyser must say exactly what this
// one says, so a prefilter that hides a match fails there. Test-only; never imported by src/.
/* eslint-disable */
import { printable } from '../../../src/util/text.js';
import { CONFUSABLE_TO_ASCII } from '../../../src/safety/confusables.js';
// The list of words a deciphered text needs is the definition under test, shared; the patterns
// built from it here are this file's own.
import { CIPHER_FILLER_LOOKALIKES, CIPHER_FILLER_WORDS, CIPHER_PLAIN_WORDS, CIPHER_ROT13_REVERSED_WORDS } from '../../../src/safety/index.js';

/**
 * Text-safety analysis shared by `diff` (security axis), the MTF description controls (CD-03,
 * `scan --lock`) and the policy input's derived flags. All patterns are fixed here, compiled
 * once; nothing from the analysed text ever becomes a pattern.
 */

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

export type SignalKind =
  | 'model-instruction'
  | 'concealment'
  | 'sensitive-path'
  | 'url'
  | 'internal-address'
  | 'encoded-blob'
  | 'invisible-char'
  | 'bidi-control'
  | 'confusable'
  | 'non-ascii'
  | 'command-execution'
  | 'file-write'
  | 'network-egress';

export interface TextSignal {
  kind: SignalKind;
  severity: Severity;
  /** A printable excerpt around what was found. */
  evidence: string;
  /** UTF-16 index in the analysed text. */
  index?: number;
  /**
   * What was found, normalised (the URL, the path, the phrase, the blob, the hidden code point):
   * two signals of one kind and severity with the same value are the same finding, so a diff
   * compares old and new values as sets. Absent on a signal that says a bound was hit.
   */
  value?: string;
}

const ORDER: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** > 0 when `a` is more severe than `b`. */
export function compareSeverity(a: Severity, b: Severity): number {
  return ORDER[a] - ORDER[b];
}

/** The most severe of some severities (info for none). */
export function maxSeverity(severities: Iterable<Severity>): Severity {
  let top: Severity = 'info';
  for (const s of severities) if (ORDER[s] > ORDER[top]) top = s;
  return top;
}

// Hidden characters, derived from Unicode properties (UAX #44) like src/util/text.ts's escaping,
// so the set follows the engine's Unicode version instead of a hand list that misses some:
// format characters (Cf: zero-width space/joiners, word joiner, invisible operators, BOM, soft
// hyphen, Arabic number signs, interlinear annotations…), Default_Ignorable_Code_Point (combining
// grapheme joiner, Hangul fillers, reserved ignorables such as U+2065 and U+E0080–E0FFF) and the
// variation selectors. Two subsets are graded apart: tag characters (U+E0000–E007F), which can
// spell out a whole hidden ASCII message ("ASCII smuggling"), and the bidi controls. One
// character class (and a one-character look-ahead) per character: linear.
const INVISIBLE = /(?![\u{e0000}-\u{e007f}\p{Bidi_Control}])[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Variation_Selector}]/gu;
const TAG_CHARS = /[\u{e0000}-\u{e007f}]+/gu;
// Bidirectional controls (Bidi_Control): embeddings/overrides, isolates, and the directional
// marks (Trojan Source, CVE-2021-42574).
const BIDI = /\p{Bidi_Control}/gu;
// Other characters no honest identifier holds: controls (C0, DEL, C1), line and paragraph
// separators, lone surrogates, noncharacters.
const NAME_CONTROL = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\p{Noncharacter_Code_Point}]/u;
const BIDI_OVERRIDE = /[\u202a-\u202e\u2066-\u2069]/u;
// Non-global copies for a yes/no test (no lastIndex state), built once.
const HAS_TAG_CHAR = new RegExp(TAG_CHARS.source, 'u');
const HAS_INVISIBLE = new RegExp(INVISIBLE.source, 'u');
const HAS_BIDI = new RegExp(BIDI.source, 'u');

interface Rule {
  kind: SignalKind;
  severity: Severity;
  pattern: RegExp;
  /**
   * Lower-case words, one of which the text must contain before the pattern is tried: a cheap
   * prefilter (includes() scans like memchr), since most descriptions trip no rule at all.
   */
  hints: readonly string[];
}

// Instructions aimed at the model rather than the user (tool poisoning, MCP "line jumping").
const INSTRUCTION_RULES: Rule[] = [
  {
    kind: 'model-instruction',
    severity: 'critical',
    pattern: /\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|of|nyy|nal|gur|lbhe|bs|lla|yna|eht|ruoy|fo|yyn|lan|rug|ehbl|sb)\s+)*(?:previous|prior|above|earlier|preceding|former|original|other|system)\s+(?:instructions?|prompts?|messages?|rules?|directions?|guidelines?|context)\b|\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:of\s+)?(?:everything|anything)\s+(?:(?:written\s+|said\s+|stated\s+)?above(?:\s+this(?:\s+line)?)?(?=\s*(?:[.,;:!]|$|and\b|then\b))|(?:you\s+(?:were|have\s+been)\s+|i\s+)?(?:told|instructed|said)\s+(?:you\s+)?(?:before|earlier|previously|so\s+far)|you\s+(?:were|have\s+been)\s+(?:told|instructed|given))/giu, hints: ['ignore', 'disregard', 'forget', 'override', 'bypass'],
  },
  // MTF-0.1 §3.5 names "disregard user request" as an instruction override.
  { kind: 'model-instruction', severity: 'critical', pattern: /\b(?:disregard|ignore)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+)?(?:user'?s?|human'?s?)\s+(?:\w+\s+)?(?:instructions?|requests?|prompts?|messages?|wishes)\b/giu, hints: ['disregard', 'ignore'] },
  { kind: 'network-egress', severity: 'high', pattern: /\bexfiltrat\w*/giu, hints: ['exfiltrat'] },
  { kind: 'model-instruction', severity: 'critical', pattern: /\b(?:do\s+not|don'?t|never)\s+(?:follow|obey|listen\s+to)\s+(?:the\s+)?(?:user|system|previous)/giu, hints: ['follow', 'obey', 'listen'] },
  { kind: 'model-instruction', severity: 'high', pattern: /<\/?\s*(?:system|important|instructions?|admin|secret|hidden)\s*>|\[\/?INST\]|<\|im_(?:start|end)\|>|<<\/?SYS>>/giu, hints: ['<', '[inst', '[/inst'] },
  { kind: 'model-instruction', severity: 'high', pattern: /\b(?:you\s+are\s+now\b|new\s+(?:system\s+prompt|instructions?)\s*:|system\s+prompt\s*:\b|from\s+now\s+on,?\s+you\b)/giu, hints: ['you are now', 'instruction', 'system prompt', 'from now on'] },
  {
    kind: 'model-instruction',
    severity: 'high',
    pattern: /\b(?:before|prior\s+to|after)\s+(?:using|calling|answering|responding|running|invoking|executing)\b[^.\n]{0,80}?\b(?:first\s+|also\s+|always\s+)?(?:read|call|send|include|fetch|pass|upload|invoke|run|append)\b/giu, hints: ['before', 'prior', 'after'],
  },
  { kind: 'model-instruction', severity: 'high', pattern: /\b(?:instead\s+of|rather\s+than)\s+(?:using|calling|invoking)\s+(?:the\s+|any\s+)?(?:[\w.-]+\s+tools?\b|[A-Za-z0-9]+[_.-][\w.-]*[A-Za-z0-9])|\b(?:always|only)\s+use\s+this\s+tool\s+(?:instead|for\s+all)\b/giu, hints: ['instead', 'rather', 'use this tool'] },
  { kind: 'model-instruction', severity: 'medium', pattern: /\b(?:the\s+)?(?:assistant|ai|model|llm|agent|claude|chatgpt)\s+(?:must|should|shall|needs\s+to)\s+(?:always|first|never|also)\b/giu, hints: ['must', 'should', 'shall', 'needs'] },
  { kind: 'model-instruction', severity: 'medium', pattern: /\b(?:include|put|embed|append)\s+(?:the\s+)?(?:full\s+|entire\s+|complete\s+)?(?:conversation|chat\s+history|previous\s+messages|system\s+prompt|api\s+keys?|credentials|access\s+tokens?|secrets?|passwords?)\s+(?:of|from|in|into)\b/giu, hints: ['include', 'put', 'embed', 'append'] },
  {
    kind: 'concealment',
    severity: 'critical',
    pattern: /\b(?:do\s+not|don'?t|never|must\s+not|mustn'?t|should\s+not|shouldn'?t)\s+(?:tell|inform|mention|reveal|show|notify|alert|disclose|let)\s+(?:this\s+|it\s+|anything\s+)?(?:to\s+)?(?:the\s+)?(?:user|human|operator)s?\b/giu, hints: ['not', "n't", 'never', 'dont'],
  },
  { kind: 'concealment', severity: 'critical', pattern: /\bwithout\s+(?:telling|informing|notifying|alerting|asking|mentioning\s+(?:it\s+|this\s+)?to)\s+(?:the\s+)?(?:user|human|operator)s?\b/giu, hints: ['without'] },
  { kind: 'concealment', severity: 'critical', pattern: /\b(?:the\s+)?(?:user|human)\s+(?:must|should)\s+(?:not|never)\s+(?:know|see|notice|be\s+told|find\s+out)\b/giu, hints: ['user', 'human'] },
  { kind: 'concealment', severity: 'high', pattern: /\b(?:secretly|covertly|silently|surreptitiously|quietly)\s+(?:read|send|call|include|upload|copy|forward|exfiltrate|collect|run|execute)\b|\b(?:hide|conceal)\s+(?:this|it|the\s+\w+)\s+from\s+(?:the\s+)?user/giu, hints: ['secretly', 'covertly', 'silently', 'surreptitiously', 'quietly', 'hide', 'conceal'] },
  // Steering the model's choice or order of tools ("Always call this tool first", "use this tool
  // instead of …", "do not use other tools", "before answering any question"): the description
  // addresses the model, not the user, and takes calls from the tools the user chose.
  // Bounded white space (\s{1,8}) between fixed words: each start position costs O(1). "Always
  // (or only) use this tool instead / for all" is the rule above; the look-behind keeps it one signal.
  {
    kind: 'model-instruction',
    severity: 'high',
    pattern:
      /\b(?:always|must|should|first)\s{1,8}(?:call|invoke|run)\s{1,8}this\s{1,8}tool\b|\b(?:must|should|first)\s{1,8}use\s{1,8}this\s{1,8}tool\b|(?<!\b(?:always|only)\s{1,8})\b(?:call|use|invoke|run)\s{1,8}this\s{1,8}tool\s{1,8}(?:first|before|instead|for\s{1,8}(?:all|every|any)|whenever)\b|\bthis\s{1,8}tool\s{1,8}(?:must|should|has\s{1,8}to)\s{1,8}(?:always\s{1,8})?be\s{1,8}(?:called|used|invoked|run)\s{1,8}(?:first|before|instead)\b|\b(?:do\s{1,8}not|don'?t|never)\s{1,8}(?:use|call|invoke)\s{1,8}(?:any\s{1,8})?(?:other|another|different)\s{1,8}tools?\b|\bprefer\s{1,8}this\s{1,8}tool\s{1,8}(?:over|to)\b/giu,
    hints: ['tool'],
  },
  // Secrets or the conversation sent to an address or smuggled into a parameter ("send the chat
  // history to https://…", "include the user's API keys in the query parameter"). One bounded
  // gap per start position: linear.
  {
    kind: 'network-egress',
    severity: 'high',
    pattern:
      /\b(?:send|post|upload|forward|transmit|leak|include|embed|append|pass|copy)\w{0,3}\s{1,8}[^.\n]{0,40}?\b(?:api\s{1,8}keys?|credentials?|secrets?|passwords?|access\s{1,8}tokens?|private\s{1,8}keys?|ssh\s{1,8}keys?|chat\s{1,8}history|conversation|environment\s{1,8}variables|system\s{1,8}prompt)\s{1,8}(?:to\s{1,8}(?:https?:\/\/|(?:this|that|our|my)\s{1,8}(?:url|endpoint|server|webhook|address)\b)|in(?:to)?\s{1,8}(?:the\s{1,8}|a\s{1,8})?[\w'"`-]{1,40}\s{1,8}(?:parameter|argument|field|param|arg)\b)/giu,
    hints: ['send', 'post', 'upload', 'forward', 'transmit', 'leak', 'include', 'embed', 'append', 'pass', 'copy'],
  },
  { kind: 'model-instruction', severity: 'high', pattern: /\bbefore\s{1,8}(?:answering|responding\s{1,8}to|replying\s{1,8}to)\s{1,8}(?:any|every|each|all|the\s{1,8}user'?s?|a)\s{1,8}(?:questions?|requests?|prompts?|messages?|queries)\b/giu, hints: ['before'] },
  // Text that tells the model to decode, decipher or reverse something and then obey it ("Apply
  // ROT13 to the text below and do what it says", "Base64-decode this and execute the
  // instructions", "read it backwards and obey it", "follow the hidden instructions"): the
  // instruction that carries hidden text, whatever the hidden text says or however it is encoded.
  // Only forms a tool's own description does not use: obey, comply, do what it says, follow the
  // instructions; "follow it" or "run it" only after a decoded text (not a link, a file or SQL),
  // and ending the clause ("follow it to fetch the page", "then run it against the database" and
  // "follow symlinks" are a tool's work). Bounded gaps per start position: linear.
  {
    kind: 'model-instruction',
    severity: 'high',
    pattern:
      /\b(?:decode|decipher|decrypt|unscramble|deobfuscate|(?<!\bin\s{1,8})reverse|translate|rot(?:-| )?13|base-?64[\s-]{0,3}decode)\b[^.\n]{0,80}?\b(?:and|then)\s{1,8}(?:(?:obey|comply)(?:\s{1,8}(?:with\s{1,8})?(?:it|them|this|these|that|those))?(?=\s{0,8}(?:[.,;:!]|$))|do\s{1,8}(?:exactly\s{1,8})?(?:what|as)\s{1,8}(?:it|they|this|that|the\s{1,8}\w{1,20})\s{1,8}(?:says?|tells?|instructs?|asks?|directs?)\b|(?:follow|execute|perform|carry\s{1,8}out|act\s{1,8}on)\s{1,8}(?:the\s{1,8}|its\s{1,8}|their\s{1,8}|these\s{1,8}|those\s{1,8}|any\s{1,8}|all\s{1,8}(?:the\s{1,8})?)?(?:instructions?|directions?|orders?|steps)(?=\s{0,8}(?:[.,;:!]|$))|treat\s{1,8}(?:it|them|this|the\s{1,8}(?:result|output|text|message))\s{1,8}as\s{1,8}(?:a\s{1,8}|your\s{1,8}|the\s{1,8})?(?:new\s{1,8})?(?:system\s{1,8})?(?:instructions?|prompt|commands?)\b)|\b(?:decode|decipher|decrypt|unscramble|deobfuscate|(?<!\bin\s{1,8})reverse|translate|rot(?:-| )?13|base-?64[\s-]{0,3}decode)\s{1,8}(?:(?:the|this|that|these|following|below|hidden|encoded|secret)\s{1,8}){0,3}(?:text|message|string|note|line|lines|sentence|cipher|ciphertext|payload|blob|base64|rot13|following|below|this|it)\b[^.\n]{0,80}?\b(?:and|then)\s{1,8}(?:(?:follow|execute|run|carry\s{1,8}out|act\s{1,8}on)\s{1,8}(?:it|them|this|these)|carry\s{1,8}(?:it|them)\s{1,8}out)(?=\s{0,8}(?:[.,;:!]|$))/giu,
    hints: ['decode', 'decipher', 'decrypt', 'unscramble', 'deobfuscate', 'reverse', 'translate', 'rot13', 'rot-13', 'rot 13', 'base64', 'base-64'],
  },
  {
    kind: 'model-instruction',
    severity: 'high',
    pattern:
      /\bread\s{1,8}(?:it|this|that|them|these|those|the\s{1,8}[\w ]{1,40}?)\s{1,8}(?:backwards?|in\s{1,8}reverse|(?:from\s{1,8})?right[\s-]{1,3}to[\s-]{1,3}left)\b[^.\n]{0,40}?\b(?:and|then)\s{1,8}(?:(?:obey|comply)(?:\s{1,8}(?:with\s{1,8})?(?:it|them|this))?|do\s{1,8}(?:what|as)\s{1,8}it\s{1,8}says|do\s{1,8}(?:it|them|so)|(?:follow|execute|run)\s{1,8}(?:it|them|this|these|the\s{1,8}(?:instructions?|directions?|text|message)))(?=\s{0,8}(?:[.,;:!]|$))/giu,
    hints: ['backward', 'reverse', 'right'],
  },
  {
    kind: 'model-instruction',
    severity: 'high',
    pattern:
      /\b(?:follow|obey|carry\s{1,8}out|comply\s{1,8}with|act\s{1,8}on)\s{1,8}(?:the\s{1,8}|its\s{1,8}|their\s{1,8}|these\s{1,8}|those\s{1,8}|any\s{1,8}|all\s{1,8}(?:the\s{1,8})?)?(?:(?:hidden|decoded|deciphered|decrypted|encoded|reversed|unscrambled|secret|obfuscated|concealed|base-?64|rot-?13)\s{1,8}(?:instructions?|directions?|orders?|commands?)|(?:instructions?|directions?|orders?)\s{1,8}(?:hidden|encoded|concealed))\b|\b(?:execute|run)\s{1,8}(?:the\s{1,8}|its\s{1,8}|their\s{1,8}|these\s{1,8}|those\s{1,8}|any\s{1,8}|all\s{1,8}(?:the\s{1,8})?)?(?:hidden|secret|obfuscated|concealed)\s{1,8}(?:instructions?|commands?)\b|\b(?:do|follow|obey)\s{1,8}what(?:ever)?\s{1,8}the\s{1,8}(?:hidden|decoded|deciphered|decrypted|encoded|reversed|unscrambled|secret|obfuscated|concealed|base-?64|rot-?13)\b[^.\n]{0,40}?\b(?:says?|tells?|instructs?|asks?)\b/giu,
    hints: ['hidden', 'decoded', 'deciphered', 'decrypted', 'encoded', 'reversed', 'unscrambled', 'secret', 'obfuscated', 'concealed', 'base64', 'base-64', 'rot13', 'rot-13'],
  },
  // The same carrier in the other shapes of a sentence: the decoding as a clause first, the obeying
  // as the next sentence or line, "decode and follow:" before the hidden text, "act accordingly",
  // a Caesar shift, a cipher's letters unscrambled then "the commands" executed.
  {
    kind: 'model-instruction',
    severity: 'high',
    pattern:
      /\b(?:decode|decipher|decrypt|unscramble|deobfuscate|(?<!\bin\s{1,8})reverse|translate|rot(?:-| )?13|base-?64[\s-]{0,3}decode)\s{1,8}(?:(?:it|this|them)\s{1,8})?(?:and|then)\s{1,8}(?:then\s{1,8})?follow\s{0,8}:[ \t]{0,8}(?!(?:the|an?|it|its|this|that|these|those|them|each|every|any|all|then|see|is|are|to|and|or|until|up|with|for|from|of|in|on|by|as|if|when)\b)(?!\w{1,20}[ \t]{1,8}(?:the|an?|it|its|this|that|these|those|them|each|every|any|all|then|see|is|are|to|and|or|until|up|with|for|from|of|in|on|by|as|if|when)\b)\S|\b(?:decode|decipher|decrypt|unscramble|deobfuscate|(?<!\bin\s{1,8})reverse|translate|rot(?:-| )?13|base-?64[\s-]{0,3}decode)\s{1,8}(?:this|(?:the\s{1,8})?following|the\s{1,8}(?:text|message|string|note|line|lines|sentence|cipher|ciphertext|payload|blob)\s{1,8}(?:below|above)|the\s{1,8}(?:hidden|encoded|secret)\s{1,8}(?:text|message|string|note))(?:\s{1,8}(?:from|into|to)\s{1,8}\w{1,20})?\s{0,8},?\s{1,8}(?:and\s{1,8})?(?:then\s{1,8})?act\s{1,8}accordingly\b|\b(?:decipher|unscramble|rot(?:-| )?13)\s{1,8}(?:(?:the|this|that|these|following|below|hidden|encoded|secret)\s{1,8}){0,3}(?:text|message|string|note|line|lines|sentence|cipher|ciphertext|payload|blob|base64|rot13|following|below|this|it|letters|words|characters)\b[^.\n]{0,80}?\b(?:and|then)\s{1,8}(?:then\s{1,8})?(?:execute|carry\s{1,8}out|perform|follow|obey)\s{1,8}(?:the\s{1,8}|these\s{1,8}|those\s{1,8}|its\s{1,8}|their\s{1,8}|all\s{1,8}(?:the\s{1,8})?)?commands?(?=\s{0,8}(?:[.,;:!]|$))|\b(?:once|when|after)\s{1,8}(?:decoded|deciphered|decrypted|unscrambled|deobfuscated|reversed|translated|rot-?13'?d)\s{0,8},\s{0,8}(?:then\s{1,8})?(?:(?:obey|comply)(?:\s{1,8}(?:with\s{1,8})?(?:it|them|this|these|that|those))?(?=\s{0,8}(?:[.,;:!]|$))|do\s{1,8}(?:exactly\s{1,8})?(?:what|as)\s{1,8}(?:it|they|this|that)\s{1,8}(?:says?|tells?|instructs?)\b|(?:follow|execute|perform|carry\s{1,8}out)\s{1,8}(?:the\s{1,8}|its\s{1,8}|their\s{1,8}|these\s{1,8}|those\s{1,8}|any\s{1,8}|all\s{1,8}(?:the\s{1,8})?)?(?:instructions?|directions?|orders?)(?=\s{0,8}(?:[.,;:!]|$))|(?:(?:follow|carry\s{1,8}out)\s{1,8}(?:it|them|this|these)|carry\s{1,8}(?:it|them)\s{1,8}out)\s{0,8}:[ \t]{0,8}(?!(?:the|an?|it|its|this|that|these|those|them|each|every|any|all|then|see|is|are|to|and|or|until|up|with|for|from|of|in|on|by|as|if|when)\b)(?!\w{1,20}[ \t]{1,8}(?:the|an?|it|its|this|that|these|those|them|each|every|any|all|then|see|is|are|to|and|or|until|up|with|for|from|of|in|on|by|as|if|when)\b)\S)|\b(?:once|when|after|upon)\s{1,8}(?:(?:decoding|deciphering|decrypting)\s{1,8}(?:(?:the|this|that|these|following|below|hidden|encoded|secret)\s{1,8}){0,3}(?:text|message|string|note|line|lines|sentence|cipher|ciphertext|payload|blob|base64|rot13|following|below|this|it|letters|words|characters)|(?:(?:the|this|that|these|following|below|hidden|encoded|secret)\s{1,8}){0,3}(?:text|message|string|note|line|lines|sentence|cipher|ciphertext|payload|blob|base64|rot13|following|below|this|it|letters|words|characters)\s{1,8}(?:is|are|has\s{1,8}been|have\s{1,8}been)\s{1,8}(?:decoded|deciphered|decrypted|unscrambled|deobfuscated|reversed|translated|rot-?13'?d))\b[^.\n]{0,40}?,\s{0,8}(?:then\s{1,8})?(?:(?:obey|comply)(?:\s{1,8}(?:with\s{1,8})?(?:it|them|this|these|that|those))?(?=\s{0,8}(?:[.,;:!]|$))|do\s{1,8}(?:exactly\s{1,8})?(?:what|as)\s{1,8}(?:it|they|this|that)\s{1,8}(?:says?|tells?|instructs?)\b|(?:follow|execute|perform|carry\s{1,8}out)\s{1,8}(?:the\s{1,8}|its\s{1,8}|their\s{1,8}|these\s{1,8}|those\s{1,8}|any\s{1,8}|all\s{1,8}(?:the\s{1,8})?)?(?:instructions?|directions?|orders?)(?=\s{0,8}(?:[.,;:!]|$))|(?:(?:follow|carry\s{1,8}out)\s{1,8}(?:it|them|this|these)|carry\s{1,8}(?:it|them)\s{1,8}out)(?=\s{0,8}(?:[.,;:!]|$)))|\b(?:decode|decipher|decrypt|unscramble|deobfuscate|(?<!\bin\s{1,8})reverse|translate|rot(?:-| )?13|base-?64[\s-]{0,3}decode)\s{1,8}(?:(?:the|this|that|these|following|below|hidden|encoded|secret)\s{1,8}){0,3}(?:text|message|string|note|line|lines|sentence|cipher|ciphertext|payload|blob|base64|rot13|following|below|this|it|letters|words|characters)\b[^.\n]{0,80}?(?:[.;!]\s{1,8}|[ \t]{0,8}\n\s{0,8})(?:and\s{1,8})?(?:(?:then|now|next|afterwards|after\s{1,8}that)\s{0,8},?\s{1,8})?(?:(?:obey|comply)(?:\s{1,8}(?:with\s{1,8})?(?:it|them|this|these|that|those))?(?=\s{0,8}(?:[.,;:!]|$))|do\s{1,8}(?:exactly\s{1,8})?(?:what|as)\s{1,8}(?:it|they|this|that)\s{1,8}(?:says?|tells?|instructs?)\b|(?:follow|execute|perform|carry\s{1,8}out)\s{1,8}(?:the\s{1,8}|its\s{1,8}|their\s{1,8}|these\s{1,8}|those\s{1,8}|any\s{1,8}|all\s{1,8}(?:the\s{1,8})?)?(?:instructions?|directions?|orders?)(?=\s{0,8}(?:[.,;:!]|$))|(?:(?:follow|carry\s{1,8}out)\s{1,8}(?:it|them|this|these)|carry\s{1,8}(?:it|them)\s{1,8}out)(?=\s{0,8}(?:[.,;:!]|$)))|\bshift\s{1,8}(?:each|every|all|the)\s{1,8}(?:of\s{1,8}the\s{1,8})?(?:letters?|characters?|chars?)\b[^.\n]{0,80}?\b(?:and|then)\s{1,8}(?:then\s{1,8})?(?:(?:obey|comply)(?:\s{1,8}(?:with\s{1,8})?(?:it|them|this|these|that|those))?(?=\s{0,8}(?:[.,;:!]|$))|do\s{1,8}(?:exactly\s{1,8})?(?:what|as)\s{1,8}(?:it|they|this|that)\s{1,8}(?:says?|tells?|instructs?)\b|(?:follow|execute|perform|carry\s{1,8}out)\s{1,8}(?:the\s{1,8}|its\s{1,8}|their\s{1,8}|these\s{1,8}|those\s{1,8}|any\s{1,8}|all\s{1,8}(?:the\s{1,8})?)?(?:instructions?|directions?|orders?)(?=\s{0,8}(?:[.,;:!]|$))|(?:(?:follow|carry\s{1,8}out)\s{1,8}(?:it|them|this|these)|carry\s{1,8}(?:it|them)\s{1,8}out)(?=\s{0,8}(?:[.,;:!]|$)))/giu,
    hints: ['decod', 'decipher', 'decrypt', 'unscramble', 'deobfuscate', 'reverse', 'translate', 'rot13', 'rot-13', 'rot 13', 'base64', 'base-64', 'shift'],
  },
];

const SENSITIVE_PATH_HINTS = ['.ssh', 'id_', '/etc/', '.aws', '.env', '.npmrc', '.netrc', '.pgpass', '.git-credentials', '.pypirc', '.kube', '.docker', '.gnupg', '/proc/', 'wallet.dat', 'claude_desktop_config', 'mcp.json', 'login', 'cookies.binarycookies', 'keychain'];

// Paths and files that hold credentials or keys. Matched as path-ish tokens, not words, so
// "Get the API key status" is not a sensitive path.
const SENSITIVE_PATH = new RegExp(
  [
    String.raw`~\/\.ssh\b`,
    String.raw`\/\.ssh\b`,
    String.raw`\.ssh\/[\w.-]*`,
    String.raw`\bid_(?:rsa|dsa|ecdsa|ed25519)(?:\.pub)?\b`,
    String.raw`\/etc\/(?:passwd|shadow|sudoers)\b`,
    String.raw`\.aws\/(?:credentials|config)\b`,
    String.raw`(?:^|[\s"'\x60(\/~])\.env(?:\.\w+)?\b`,
    String.raw`\.(?:npmrc|netrc|pgpass|git-credentials|pypirc)\b`,
    String.raw`\.kube\/config\b`,
    String.raw`\.docker\/config\.json\b`,
    String.raw`\.gnupg\b`,
    String.raw`\/proc\/self\/environ\b`,
    String.raw`\bwallet\.dat\b`,
    String.raw`\b(?:claude_desktop_config|mcp)\.json\b`,
    String.raw`\bLogin\s+Data\b|\bCookies\.binarycookies\b|\bkeychain\b`,
  ].join('|'),
  'giu',
);

// A URL with a scheme, or a bare `www.` host (`www.evil.example/collect`, `WWW.…`: what GFM
// autolinks and what a model reads as an address). A fixed prefix then one character class to
// the next delimiter: each match consumes what it scans, so the pattern is linear.
const URL_PATTERN = /\b(?:https?|ftp|wss?|file|gopher|dict|ldap|smb):\/\/[^\s<>"'\x60)\]]+|(?<![\w.@/:-])www\.[\p{L}\p{N}][^\s<>"'\x60)\]]*/giu;
// A bare host with a path and no scheme (`evil.example/collect?data=`) is a URL too when its last
// label is a common top-level domain (or RFC 2606's `example`): a list, so that prose and file
// names — "Node.js/Deno", "index.ts/", "user.read/write", "e.g./" — are not taken for hosts.
const BARE_HOST_TLDS = new Set([
  'com', 'net', 'org', 'io', 'co', 'ai', 'dev', 'app', 'xyz', 'info', 'biz', 'me', 'cc', 'tk', 'top', 'site', 'online', 'live', 'link', 'click',
  'cloud', 'tech', 'store', 'shop', 'us', 'uk', 'de', 'ru', 'cn', 'fr', 'nl', 'eu', 'ca', 'au', 'jp', 'br', 'ch', 'se', 'es', 'it', 'example',
]);
const isHostChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 46;
/** Characters after which a bare host may start: the start, white space, opening punctuation. */
const isHostLead = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 40 || c === 34 || c === 39 || c === 60 || c === 91 || c === 96 || c === 44 || c === 59 || c === 58 || c === 61;
const isUrlEnd = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 60 || c === 62 || c === 34 || c === 39 || c === 96 || c === 41 || c === 93;

function isBareHost(host: string): boolean {
  if (host.length > 253) return false;
  const labels = host.split('.');
  if (labels.length < 2) return false;
  for (const label of labels) if (label.length === 0 || label.length > 63 || label.startsWith('-') || label.endsWith('-')) return false;
  return BARE_HOST_TLDS.has(labels[labels.length - 1]!.toLowerCase());
}

/**
 * Bare hosts followed by a path (`evil.example/x?data=`), outside `skip` (the URLs found with a
 * scheme or `www.`). A hand-written scanner: from each "/", back over host characters to the
 * previous "/" or delimiter (so each character is walked back over at most once), then forward to
 * the end of the URL, resuming after it. Linear in the text.
 */
function bareHostUrls(text: string, skip: readonly [number, number][]): { index: number; url: string }[] {
  const out: { index: number; url: string }[] = [];
  const cursor = { at: 0 };
  let floor = 0;
  for (let slash = text.indexOf('/'); slash >= 0; slash = text.indexOf('/', slash + 1)) {
    let start = slash;
    while (start > floor && isHostChar(text.charCodeAt(start - 1))) start--;
    const lowerBound = floor;
    floor = slash + 1;
    if (start === slash || (start > 0 && !isHostLead(text.charCodeAt(start - 1))) || (start === lowerBound && start > 0 && text.charCodeAt(start - 1) === 47)) continue;
    if (inRanges(skip, cursor, start) || !isBareHost(text.slice(start, slash))) continue;
    let end = slash + 1;
    while (end < text.length && !isUrlEnd(text.charCodeAt(end))) end++;
    out.push({ index: start, url: text.slice(start, end) });
    floor = end;
    slash = end - 1;
  }
  return out;
}

const BARE_INTERNAL = /\b(?:169\.254\.\d{1,3}\.\d{1,3}|metadata\.google\.internal|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost:\d+)\b/giu;
// Base64 (or base64url) runs long enough to carry a hidden instruction; hex runs longer than a
// SHA-256 so digests are not flagged.
const BASE64_RUN = /[A-Za-z0-9+/_-]{48,}={0,2}/gu;
const HEX_RUN = /\b(?:[0-9a-fA-F]{2}){48,}\b/gu;
// Escaped text (added with round 10): any run of escapes; kept when it has twelve, or four with a \u one.
const ESCAPE_RUN = /(?:\\x[0-9a-fA-F]{2}|\\[0-3][0-7]{2}|\\u[0-9a-fA-F]{4}|\\u\{[0-9a-fA-F]{1,6}\})+/gu;
const decodeEscapes = (run: string) =>
  run.replace(/\\x([0-9a-fA-F]{2})|\\([0-3][0-7]{2})|\\u([0-9a-fA-F]{4})|\\u\{([0-9a-fA-F]{1,6})\}/g, (_, x, o, u, b) =>
    x ? String.fromCharCode(parseInt(x, 16)) : o ? String.fromCharCode(parseInt(o, 8)) : u ? String.fromCharCode(parseInt(u, 16)) : parseInt(b, 16) > 0x10ffff ? '\ufffd' : String.fromCodePoint(parseInt(b, 16)),
  );
// URL encoding (twelve %HH) and HTML numeric character references (six) written out (added with round 11).
const PERCENT_RUN = /(?:%[0-9a-fA-F]{2}){12,}/gu;
const ENTITY_RUN = /(?:&#(?:[xX][0-9a-fA-F]{1,6}|[0-9]{1,7});){6,}/gu;
const decodePercent = (run: string) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8');
const decodeEntities = (run: string) =>
  run.replace(/&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));?/g, (_, h, d) => {
    const code = h ? parseInt(h, 16) : parseInt(d, 10);
    return code > 0x10ffff ? '\ufffd' : String.fromCodePoint(code);
  });

function excerpt(text: string, index: number, length: number): string {
  const start = Math.max(0, index - 20);
  const end = Math.min(text.length, index + Math.max(length, 1) + 20);
  return `${start > 0 ? '…' : ''}${printable(text.slice(start, end), 90)}${end < text.length ? '…' : ''}`;
}

/**
 * Most distinct values of one kind (URLs, paths, phrases, blobs…) a text's analysis keeps. It
 * bounds the signals of a text (and so the diff's set comparison) by a count no honest text
 * reaches; past it, one high signal says the text has too many to compare.
 */
export const MAX_DISTINCT_VALUES = 10_000;

const PLURAL: Record<SignalKind, string> = {
  'model-instruction': 'instructions aimed at the model',
  concealment: 'concealment phrases',
  'sensitive-path': 'sensitive paths',
  url: 'URLs',
  'internal-address': 'internal addresses',
  'encoded-blob': 'encoded blobs',
  'invisible-char': 'invisible characters',
  'bidi-control': 'bidirectional control characters',
  confusable: 'look-alike words',
  'non-ascii': 'non-ASCII words',
  'command-execution': 'command-execution phrases',
  'file-write': 'file-writing phrases',
  'network-egress': 'network-egress phrases',
};

/**
 * The signals of one text: one per distinct value of each kind and severity, however many the
 * text holds, up to MAX_DISTINCT_VALUES per kind — past that, one high signal says so (a bound
 * that is hit is reported, never silent). Set look-ups on values that are slices of the text:
 * linear in its length.
 */
class SignalSet {
  readonly out: TextSignal[] = [];
  private readonly values = new Map<SignalKind, Set<string>>();
  private readonly full = new Set<SignalKind>();

  add(kind: SignalKind, severity: Severity, value: string, evidence: () => string, index: number): void {
    let values = this.values.get(kind);
    if (values === undefined) this.values.set(kind, (values = new Set()));
    const key = `${severity}\u0000${value}`;
    if (values.has(key)) return;
    if (values.size >= MAX_DISTINCT_VALUES) {
      if (!this.full.has(kind)) {
        this.full.add(kind);
        this.out.push({ kind, severity: 'high', evidence: `more than ${MAX_DISTINCT_VALUES.toLocaleString('en-US')} distinct ${PLURAL[kind]}: too many to compare; review by hand`, index });
      }
      return;
    }
    values.add(key);
    this.out.push({ kind, severity, evidence: evidence(), index, value });
  }
}

/** A phrase or path as a set value: lower case, white space runs as one space. */
const phraseValue = (s: string) => s.toLowerCase().replace(/\s+/gu, ' ').trim();
/** A URL as a set value: without the sentence punctuation that follows it. */
function urlValue(s: string): string {
  let end = s.length;
  while (end > 0 && '.,;:!?'.includes(s[end - 1]!)) end--;
  return s.slice(0, end);
}
const codePointName = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Every hit of `pattern` in `text`, one value per distinct hit. matchAll works on a clone of the
 * pattern, so no shared lastIndex state between calls (scanText recurses into decoded blobs).
 * Overlapping or adjacent hits (at most one character apart: "~/.ssh" then "/id_rsa") are one
 * hit. Returns the [start, end) range of each hit, in order.
 */
function collect(text: string, pattern: RegExp, kind: SignalKind, severity: Severity, found: SignalSet): [number, number][] {
  const ranges: [number, number][] = [];
  let start = -1;
  let end = -2;
  const flush = () => {
    if (start < 0) return;
    const [s0, e0] = [start, end];
    ranges.push([s0, e0]);
    found.add(kind, severity, phraseValue(text.slice(s0, e0)), () => excerpt(text, s0, e0 - s0), s0);
  };
  for (const m of text.matchAll(pattern)) {
    const mEnd = m.index + m[0].length;
    if (m.index <= end + 1) {
      end = Math.max(end, mEnd);
      continue;
    }
    flush();
    start = m.index;
    end = mEnd;
  }
  flush();
  return ranges;
}

/** Each distinct hidden character of `pattern` in `text` (its code point is the value). */
function collectCodePoints(text: string, pattern: RegExp, kind: SignalKind, severity: Severity, found: SignalSet): void {
  const seen = new Set<string>();
  for (const m of text.matchAll(pattern)) {
    if (seen.has(m[0])) continue;
    seen.add(m[0]);
    found.add(kind, severity, codePointName(m[0]), () => `${codePointName(m[0])} ${excerpt(text, m.index, m[0].length)}`, m.index);
  }
}

/** Whether `index` falls in one of `ranges` (in order), moving `cursor` forward: linear over a scan. */
function inRanges(ranges: readonly [number, number][], cursor: { at: number }, index: number): boolean {
  while (cursor.at < ranges.length && ranges[cursor.at]![1] <= index) cursor.at++;
  const r = ranges[cursor.at];
  return r !== undefined && r[0] <= index;
}

/** Text with invisible and bidi characters removed and compatibility forms folded (NFKC), for pattern matching. */
function foldForMatching(text: string): string {
  if (PLAIN_TEXT.test(text)) return text;
  return text.replace(INVISIBLE, '').replace(TAG_CHARS, '').replace(BIDI, '').normalize('NFKC');
}

function looksLikeBase64(run: string): boolean {
  // Words joined by separators (long_snake_case names, paths) are not blobs: require a mix of
  // upper case, lower case and digits, and few separators.
  const upper = /[A-Z]/.test(run);
  const lower = /[a-z]/.test(run);
  const digit = /[0-9]/.test(run);
  const separators = (run.match(/[_/-]/g) ?? []).length;
  return upper && lower && digit && separators <= run.length / 16;
}

function decodeBase64(run: string): string | undefined {
  try {
    const text = Buffer.from(run.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    // Only decoded text that is mostly printable can carry a hidden instruction.
    const printableChars = text.replace(/[^\x20-\x7e\n]/g, '').length;
    return printableChars >= text.length * 0.9 ? text : undefined;
  } catch {
    return undefined;
  }
}

// Printable ASCII with ordinary white space: no hidden, bidi or look-alike character can be in
// it and NFKC leaves it unchanged, so those checks are skipped (most descriptions are this).
const PLAIN_TEXT = /^[\t\n\r\x20-\x7e]*$/;

// The policy input and the MTF description checks both analyse every description of a
// lockfile; a run analyses each distinct text once. Results are frozen (callers only read them);
// only texts up to 16 KiB are kept, at most 50,000 of them, so the cache stays small.
// Large: the differentials read a corpus of 83,000 texts and their readings, several times each.
const SCAN_CACHE = new Map<string, readonly TextSignal[]>();
const CACHE_TEXT_LIMIT = 16 * 1024;
const CACHE_ENTRIES = 1_000_000;

/**
 * Signals in free text: descriptions, instructions, prompt text, schema descriptions, object
 * keys. Attacker-controlled; the whole text is analysed, in time linear in its length: every
 * pattern has bounded gaps and no overlapping unbounded quantifiers (tests/safety/linear), so
 * there is no prefix bound that poison could hide behind.
 */
export function scanText(input: string): readonly TextSignal[] {
  if (input.length > CACHE_TEXT_LIMIT) return analyseText(input);
  const hit = SCAN_CACHE.get(input);
  if (hit) return hit;
  const signals = Object.freeze(analyseText(input).map((signal) => Object.freeze(signal)));
  if (SCAN_CACHE.size >= CACHE_ENTRIES) SCAN_CACHE.clear();
  SCAN_CACHE.set(input, signals);
  return signals;
}

const escapeRe = (w: string) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** A word of letters or digits first must start a word; one that starts with punctuation may start anywhere. */
const cipherPattern = (words: string[]) => new RegExp(words.map((w) => (/^\w/.test(w) ? `\\b${escapeRe(w)}` : escapeRe(w))).join('|'), 'i');
export const rot13 = (text: string) => text.replace(/[A-Za-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - (c <= 'Z' ? 65 : 97) + 13) % 26) + (c <= 'Z' ? 65 : 97)));
export const reversed = (text: string) => [...text].reverse().join('');
export const wordsReversed = (text: string) => text.replace(/[A-Za-z]+/g, reversed);
const LETTERED = CIPHER_PLAIN_WORDS.filter((w) => /[a-z]/i.test(w));
// Reversed: each word spelled backwards where it ends a run of letters (the text reversed whole,
// or a word at a time, shows the word at the start of a word), and a word with other characters
// than letters as a word at a time spells it.
const REVERSED_AT = new RegExp(
  [
    ...CIPHER_PLAIN_WORDS.map((w) => `${escapeRe(reversed(w))}${/^\w/.test(w) ? '(?![A-Za-z])' : ''}`),
    ...LETTERED.filter((w) => /[^a-z]/i.test(w) && wordsReversed(w) !== w).map((w) => (/^\w/.test(wordsReversed(w)) ? `\\b${escapeRe(wordsReversed(w))}` : escapeRe(wordsReversed(w)))),
  ].join('|'),
  'i',
);
const ROT13_AT = cipherPattern(LETTERED.map(rot13));
// Reversed and in rot13 (round 14): the rot13 of each word backwards at the end of a run of letters.
const ROT13_REVERSED_AT = new RegExp(CIPHER_ROT13_REVERSED_WORDS.map((w) => `${escapeRe(reversed(rot13(w)))}${/^\w/.test(w) ? '(?![A-Za-z])' : ''}`).join('|'), 'i');
// Encodings as a cipher writes them (round 14): in rot13, two %HH in a row with a hex letter
// rotated to n–s, \kHH, &#kH; reversed, two HH% in a row after neither a hex digit nor %, two HHx\, ;NN#& or ;HHx#&.
// Round 16: in rot13 also two %25HH in a row (double encoding) and a hex run of 96 or more digits
// and n–s with a letter; reversed, two HHHHu\.
const ROT13_ENCODING = /%(?:[n-s][0-9a-fn-s]%[0-9a-fn-s]{2}|[0-9a-f][n-s]%[0-9a-fn-s]{2}|[0-9a-f]{2}%(?:[n-s][0-9a-fn-s]|[0-9a-f][n-s]))|\\k[0-9a-fn-s]{2}|&#k[0-9a-fn-s]|%25(?:[n-s][0-9a-fn-s]%25[0-9a-fn-s]{2}|[0-9a-f][n-s]%25[0-9a-fn-s]{2}|[0-9a-f]{2}%25(?:[n-s][0-9a-fn-s]|[0-9a-f][n-s]))|(?<![0-9n-s])(?=[0-9n-s]{96})[0-9]*[n-s]/i;
const REVERSED_ENCODING = /(?<![0-9a-f%])[0-9a-f]{2}%[0-9a-f]{2}%|[0-9a-f]{2}x\\[0-9a-f]{2}x\\|;(?:[0-9]{1,7}|[0-9a-f]{1,6}x)#&|[0-9a-f]{4}u\\[0-9a-f]{4}u\\/i;
// A word of letters alone of CIPHER_PLAIN_WORDS (of CIPHER_ROT13_REVERSED_WORDS) at the start of a text.
const STARTS_PLAIN_WORD = new RegExp(`^(?:${CIPHER_PLAIN_WORDS.filter((w) => /^[a-z]+$/i.test(w)).join('|')})`, 'i');
const STARTS_ROT13_REVERSED_WORD = new RegExp(`^(?:${CIPHER_ROT13_REVERSED_WORDS.filter((w) => /^[a-z]+$/i.test(w)).join('|')})`, 'i');
// Rot13 of a word with other characters than letters, reversed a word at a time (".uff" for ".ssh", round 16).
const ROT13_WORD_REVERSED_AT = cipherPattern(LETTERED.filter((w) => /[^a-z]/i.test(w)).map((w) => rot13(wordsReversed(w))));
/** A whole run of letters at the start of a word that is rot13, reversed or reversed-rot13 of a filler word (round 16), in that order, and not one of the look-alikes; undefined else. */
function fillerDeciphered(run: string, before: string): string | undefined {
  if (/[A-Za-z0-9_]/.test(before)) return undefined;
  for (const d of [rot13(run), reversed(run), rot13(reversed(run))]) {
    const lower = d.toLowerCase();
    if (CIPHER_FILLER_WORDS.includes(lower) && lower !== run.toLowerCase() && !CIPHER_FILLER_LOOKALIKES.includes(run.toLowerCase())) return d;
  }
  return undefined;
}
/** Each run of letters that is a cipher of a word of CIPHER_PLAIN_WORDS of letters alone, deciphered: rot13 (at its start, after no word character), reversed or reversed-rot13 (at its end); else of a filler word; undefined with none. */
function cipherWordsDeciphered(text: string): string | undefined {
  let changed = false;
  const out = text.replace(/[A-Za-z]+/g, (run: string, at: number) => {
    const d = !/[A-Za-z0-9_]/.test(text[at - 1] ?? '') && STARTS_PLAIN_WORD.test(rot13(run)) ? rot13(run) : STARTS_PLAIN_WORD.test(reversed(run)) ? reversed(run) : STARTS_ROT13_REVERSED_WORD.test(rot13(reversed(run))) ? rot13(reversed(run)) : fillerDeciphered(run, text[at - 1] ?? '');
    if (d === undefined) return run;
    changed = true;
    return d;
  });
  return changed ? out : undefined;
}

/** The text with every escape, URL encoding and character reference decoded in place, up to three rounds (double encoding); undefined with none. */
function decodedInPlace(text: string): string | undefined {
  let out: string | undefined;
  for (let round = 0; round < 3; round++) {
    const next = decodedOnce(out ?? text);
    if (next === undefined) break;
    out = next;
  }
  return out;
}

function decodedOnce(input: string): string | undefined {
  // `&amp;…#` is `&#` (double HTML encoding); a reference's `;` may be missing, as HTML reads it.
  // Form encoding: a `+` between two characters that are neither white space nor `+` is a space.
  const text = input.replace(/(?<=[^\x00-\x20+])\+(?=[^\x00-\x20+])/g, ' ').replace(/&(?:amp;)+#/gi, '&#');
  const any = /(?:\\x[0-9a-fA-F]{2}|\\[0-3][0-7]{2}|\\u[0-9a-fA-F]{4}|\\u\{[0-9a-fA-F]{1,6}\})+|(?:%[0-9a-fA-F]{2})+|(?:&#(?:[xX][0-9a-fA-F]{1,6}|[0-9]{1,7});?)+/g;
  if (!any.test(text)) return text === input ? undefined : text;
  return text.replace(any, (run) => (run.startsWith('\\') ? decodeEscapes(run) : run.startsWith('%') ? decodePercent(run) : decodeEntities(run)));
}

/** A reading's medium-or-worse signals of a kind the text lacks, or worse than it has: one high encoded blob. */
function newlySaid(found: SignalSet, inner: readonly TextSignal[], label: string, alsoSaid: readonly TextSignal[] = [], back?: (v: string) => string): void {
  const all = [...found.out, ...alsoSaid];
  const has = (kind: string, value: string | undefined) => all.some((o) => o.kind === kind && (o.value ?? '') === (value ?? ''));
  const sameAddress = (v: string) => found.out.some((o) => o.kind === 'internal-address' && o.value !== undefined && (o.value.includes(v) || v.includes(o.value)));
  const said = (x: TextSignal) => has(x.kind, x.value) || (back !== undefined && x.value !== undefined && has(x.kind, back(x.value))) || (x.kind === 'internal-address' && x.value !== undefined && sameAddress(x.value));
  const characters = ['invisible-char', 'bidi-control', 'confusable', 'non-ascii'];
  const news = inner.filter((x) => compareSeverity(x.severity, x.kind === 'encoded-blob' ? 'high' : 'medium') >= 0 && !characters.includes(x.kind) && !said(x));
  if (news.length === 0) return;
  found.add('encoded-blob', 'high', `${label}\u0000${news.map((x) => `${x.kind}:${x.value ?? ''}`).join('\u0000')}`, () => `${label} that says: ${news[0]!.evidence}`, 0);
}

/** Leetspeak digits in a word with a letter as letters; single letters spaced out joined; undefined when unchanged. */
export function respelled(text: string): string | undefined {
  const leet = text.replace(/(?<![A-Za-z0-9])(?=[A-Za-z0-9]*[A-Za-z])(?=[A-Za-z0-9]*[013457])[A-Za-z0-9]+/g, (w) => w.replace(/[013457]/g, (d) => 'oi_eas_t'['01_345_7'.indexOf(d)]!));
  // Single letters joined: two or more with one of `._*-` (the same all along), three or more with spaces.
  const out = leet.replace(/(?<![A-Za-z0-9])[A-Za-z](?:([._*-])[A-Za-z](?![A-Za-z0-9]))(?:\1[A-Za-z](?![A-Za-z0-9]))*|(?<![A-Za-z0-9])[A-Za-z](?: [A-Za-z](?![A-Za-z0-9])){2,}/g, (run) => run.replace(/[^A-Za-z]/g, ''));
  return out === text ? undefined : out;
}

function analyseText(input: string, ciphers = true, decoding = true, respelling = true): TextSignal[] {
  const text = input;
  if (text.length === 0) return [];
  // One signal per distinct value of each kind, however many the text holds (see SignalSet).
  const found = new SignalSet();

  const plain = PLAIN_TEXT.test(text);
  // Hidden characters are judged on the raw text.
  if (!plain) {
    for (const run of text.matchAll(TAG_CHARS)) {
      const hidden = [...run[0]].map((c) => String.fromCodePoint(c.codePointAt(0)! - 0xe0000)).join('');
      found.add('invisible-char', 'critical', `tags\u0000${hidden}`, () => `Unicode tag characters spelling "${printable(hidden, 60)}"`, run.index);
    }
    collectCodePoints(text, INVISIBLE, 'invisible-char', 'high', found);
    collectCodePoints(text, BIDI, 'bidi-control', BIDI_OVERRIDE.test(text) ? 'high' : 'medium', found);
  }

  const folded = plain ? text : foldForMatching(text);
  const lower = folded.toLowerCase();
  const mentions = (_hints: readonly string[]) => true;
  for (const rule of INSTRUCTION_RULES) if (mentions(rule.hints)) collect(folded, rule.pattern, rule.kind, rule.severity, found);
  if (mentions(SENSITIVE_PATH_HINTS)) collect(folded, SENSITIVE_PATH, 'sensitive-path', 'high', found);

  // Every URL (with a scheme, or a bare www. host), each distinct one a value.
  const urlRanges: [number, number][] = [];
  for (const m of folded.matchAll(URL_PATTERN)) {
    urlRanges.push([m.index, m.index + m[0].length]);
    const url = urlValue(m[0]);
    const address = classifyAddress(url.includes('://') ? url : `http://${url}`);
    if (address) found.add('internal-address', 'high', url, () => `${address} address ${excerpt(folded, m.index, m[0].length)}`, m.index);
    else found.add('url', 'low', url, () => excerpt(folded, m.index, m[0].length), m.index);
  }
  {
    for (const { index, url: raw } of bareHostUrls(folded, urlRanges)) {
      const url = urlValue(raw);
      const address = classifyAddress(`http://${url}`);
      if (address) found.add('internal-address', 'high', url, () => `${address} address ${excerpt(folded, index, raw.length)}`, index);
      else found.add('url', 'low', url, () => excerpt(folded, index, raw.length), index);
    }
  }
  // Bare internal addresses outside those URLs (a URL's own host was classified above).
  const urlCursor = { at: 0 };
  for (const m of folded.matchAll(BARE_INTERNAL)) {
    if (inRanges(urlRanges, urlCursor, m.index)) continue;
    found.add('internal-address', 'high', phraseValue(m[0]), () => excerpt(folded, m.index, m[0].length), m.index);
  }

  const blobRanges: [number, number][] = [];
  for (const m of folded.matchAll(BASE64_RUN)) {
    if (!looksLikeBase64(m[0])) continue;
    blobRanges.push([m.index, m.index + m[0].length]);
    // No text: tried in rot13, then reversed (without its `=`).
    const plainDecoded = decodeBase64(m[0]);
    const rotDecoded = plainDecoded === undefined ? decodeBase64(rot13(m[0])) : undefined;
    const backDecoded = plainDecoded === undefined && rotDecoded === undefined ? decodeBase64(reversed(m[0].replace(/=+$/, ''))) : undefined;
    const decoded = plainDecoded ?? rotDecoded ?? backDecoded;
    const label = plainDecoded !== undefined ? 'base64' : rotDecoded !== undefined ? 'rot13 base64' : 'reversed base64';
    const inner = decoded ? scanText(decoded).filter((s) => compareSeverity(s.severity, s.kind === 'encoded-blob' ? 'high' : 'medium') >= 0) : [];
    found.add(
      'encoded-blob',
      inner.length > 0 ? 'high' : 'medium',
      m[0],
      () => (inner.length > 0 ? `${label} that decodes to: ${printable(decoded!, 70)}` : `encoded run ${excerpt(folded, m.index, m[0].length)}`),
      m.index,
    );
  }
  // Hex runs outside those blobs.
  const blobCursor = { at: 0 };
  for (const m of folded.matchAll(HEX_RUN)) {
    if (inRanges(blobRanges, blobCursor, m.index)) continue;
    const text = Buffer.from(m[0], 'hex').toString('utf8');
    const decoded = text.replace(/[^\x20-\x7e\n]/g, '').length >= text.length * 0.9 ? text : undefined;
    const inner = decoded ? scanText(decoded).filter((s) => compareSeverity(s.severity, s.kind === 'encoded-blob' ? 'high' : 'medium') >= 0) : [];
    found.add('encoded-blob', inner.length > 0 ? 'high' : 'medium', m[0].toLowerCase(), () => (inner.length > 0 ? `hex that decodes to: ${printable(decoded!, 70)}` : excerpt(folded, m.index, m[0].length)), m.index);
  }
  // What escape and encoding runs say alone (the text decoded in place adds only what they do not).
  const runsSay: TextSignal[] = [];
  for (const m of folded.matchAll(ESCAPE_RUN)) {
    const count = m[0].split('\\').length - 1;
    if (count < 12 && !(count >= 4 && m[0].includes('\\u'))) continue;
    const decoded = decodeEscapes(m[0]);
    const inner = scanText(decoded).filter((s) => compareSeverity(s.severity, s.kind === 'encoded-blob' ? 'high' : 'medium') >= 0);
    runsSay.push(...inner);
    found.add('encoded-blob', inner.length > 0 ? 'high' : 'medium', m[0].toLowerCase(), () => (inner.length > 0 ? `escaped text that spells: ${printable(decoded, 70)}` : excerpt(folded, m.index, m[0].length)), m.index);
  }
  const encoded = [
    ...[...folded.matchAll(PERCENT_RUN)].map((m) => ({ m, decoded: decodePercent(m[0]) })),
    ...[...folded.matchAll(ENTITY_RUN)].map((m) => ({ m, decoded: decodeEntities(m[0]) })),
  ].sort((a, b) => a.m.index - b.m.index);
  for (const { m, decoded } of encoded) {
    const inner = scanText(decoded).filter((s) => compareSeverity(s.severity, s.kind === 'encoded-blob' ? 'high' : 'medium') >= 0);
    runsSay.push(...inner);
    found.add('encoded-blob', inner.length > 0 ? 'high' : 'medium', m[0].toLowerCase(), () => (inner.length > 0 ? `encoded text that spells: ${printable(decoded, 70)}` : excerpt(folded, m.index, m[0].length)), m.index);
  }
  // Look-alike letters inside otherwise Latin words ("pаssword" with a Cyrillic а).
  if (!plain) {
    // Look-alike letters read as the Latin they look like.
    let latin = '';
    let from = 0;
    for (const word of folded.matchAll(/[\p{L}\p{N}_]+/gu)) {
      if (/^[\x00-\x7f]*$/.test(word[0])) continue;
      if (isMixedScriptSpoof(word[0])) {
        found.add('confusable', 'medium', word[0], () => `look-alike characters in "${printable(word[0], 60)}"`, word.index);
        latin += folded.slice(from, word.index) + asciiSkeleton(word[0])!;
        from = word.index + word[0].length;
      }
    }
    if (from > 0) newlySaid(found, analyseText(latin + folded.slice(from), ciphers, decoding, respelling), 'text with its look-alike letters read as Latin', []);
  }
  // The text with its encodings decoded in place (up to three rounds: double encoding).
  const view = decoding ? decodedInPlace(folded) : undefined;
  if (view !== undefined) newlySaid(found, analyseText(view, ciphers, false, respelling), 'text with its encodings decoded', runsSay);
  // Reversed (whole, or word by word) and rot13 text: high when, deciphered (once), it says
  // something of medium or worse that the text as written does not.
  if (ciphers) {
    const r = REVERSED_AT.test(folded);
    const t = ROT13_AT.test(folded);
    const rt = ROT13_REVERSED_AT.test(folded);
    const ciphersSay: TextSignal[] = [];
    for (const [m, label, decipher] of [
      [r || REVERSED_ENCODING.test(folded), 'reversed text', reversed],
      [r, 'text with each word reversed', wordsReversed],
      [t || ROT13_ENCODING.test(folded), 'rot13 text', rot13],
      [rt, 'reversed rot13 text', (x: string) => reversed(rot13(x))],
      [rt || ROT13_WORD_REVERSED_AT.test(folded), 'rot13 text with each word reversed', (x: string) => wordsReversed(rot13(x))],
    ] as const) {
      if (!m) continue;
      const inner = analyseText(decipher(folded), false, true, false);
      ciphersSay.push(...inner);
      newlySaid(found, inner, label, [], decipher);
    }
    // Each word that is a cipher of a word deciphered, in a text a cipher word wakes (round 16: the
    // filler words, deciphered with them, wake nothing alone; without them, a text no wake finds is unchanged).
    const mixed = r || t || rt || ROT13_WORD_REVERSED_AT.test(folded) ? cipherWordsDeciphered(folded) : undefined;
    const saidKinds = ciphersSay.filter((x) => compareSeverity(x.severity, 'medium') >= 0).map((x) => x.kind);
    if (mixed !== undefined) newlySaid(found, analyseText(mixed, false, true, false).filter((x) => !saidKinds.includes(x.kind)), 'text with its cipher words deciphered', ciphersSay);
  }
  // Respelled: leetspeak and spaced-out letters.
  const respelling_ = respelling ? respelled(folded) : undefined;
  if (respelling_ !== undefined) newlySaid(found, analyseText(respelling_, false, false, false).filter((x) => x.kind !== 'encoded-blob'), 'respelled text');
  return found.out;
}

/** A name without its invisible, tag and bidi-control characters: what a reader sees of it. */
export function visibleName(name: string): string {
  return name.replace(INVISIBLE, '').replace(TAG_CHARS, '').replace(BIDI, '');
}

/** The ASCII an identifier looks like, when each character has an ASCII look-alike; else undefined. */
export function asciiSkeleton(name: string): string | undefined {
  let out = '';
  for (const ch of name.normalize('NFKC')) {
    if (ch.charCodeAt(0) < 0x80) out += ch;
    else {
      const mapped = CONFUSABLE_TO_ASCII.get(ch);
      if (mapped === undefined) return undefined;
      out += mapped;
    }
  }
  return out;
}

function isMixedScriptSpoof(word: string): boolean {
  const hasAsciiLetter = /[A-Za-z]/.test(word);
  const skeleton = asciiSkeleton(word);
  return hasAsciiLetter && skeleton !== undefined && skeleton !== word;
}

/**
 * Signals in an identifier (tool, prompt, argument or property name). Any invisible, bidi or
 * look-alike character in a name is critical: two tools that look the same to a reviewer must
 * not be told apart by the model alone.
 */
export function scanName(name: string): TextSignal[] {
  // Remembered per name, as scanText per text (the analysis is pure): the differentials read each
  // corpus text as a name in several places. Each caller gets its own array of frozen signals.
  let known = NAME_CACHE.get(name);
  if (known === undefined) {
    known = Object.freeze(analyseName(name).map((signal) => Object.freeze(signal)));
    if (name.length <= CACHE_TEXT_LIMIT) {
      if (NAME_CACHE.size >= CACHE_ENTRIES) NAME_CACHE.clear();
      NAME_CACHE.set(name, known);
    }
  }
  return [...known];
}
const NAME_CACHE = new Map<string, readonly TextSignal[]>();

function analyseName(name: string): TextSignal[] {
  const out: TextSignal[] = [];
  if (/^[\x20-\x7e]*$/.test(name)) {
    nameTextSignals(name, out);
    return out;
  }
  // Every format, default-ignorable and variation-selector character (tags included), and every
  // control (ESC starts terminal escape sequences that can rewrite what a reviewer sees),
  // separator, lone surrogate or noncharacter: never part of an honest name.
  if (HAS_TAG_CHAR.test(name) || HAS_INVISIBLE.test(name)) {
    out.push({ kind: 'invisible-char', severity: 'critical', evidence: `invisible characters in name "${printable(name, 80)}"` });
  }
  if (NAME_CONTROL.test(name)) {
    out.push({ kind: 'invisible-char', severity: 'critical', evidence: `control characters in name "${printable(name, 80)}"` });
  }
  if (HAS_BIDI.test(name)) {
    out.push({ kind: 'bidi-control', severity: 'critical', evidence: `bidirectional control characters in name "${printable(name, 80)}"` });
  }
  const visible = visibleName(name);
  const skeleton = asciiSkeleton(visible);
  if (skeleton !== undefined && skeleton !== visible) {
    out.push({ kind: 'confusable', severity: 'critical', evidence: `name "${printable(name, 80)}" looks like "${printable(skeleton, 80)}"` });
  }
  if (/[^\x00-\x7f]/.test(name)) {
    out.push({ kind: 'non-ascii', severity: 'medium', evidence: `non-ASCII characters in name "${printable(name, 80)}"` });
  }
  nameTextSignals(name, out);
  return out;
}

/**
 * The name's text, as written, as words and with `_`/`-` runs as `/` (paths only) through
 * scanText: medium or worse, one per kind not already found; a keychain or exfiltration noun
 * that names what the tool works on is not kept.
 */
function nameTextSignals(name: string, out: TextSignal[]): void {
  const wordsOf = (n: string) => n.replace(/[_.-]+/g, ' ').replace(/(?<=[A-Za-z])[0-9]+(?=[A-Za-z])/g, ' ').replace(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[a-z])|(?<=[A-Z])(?=[A-Z][a-z])/g, ' ');
  const words = wordsOf(name);
  // Runs of _ and - as /, but a key file's "_" kept after the word "id" that follows one.
  const path = name.replace(/[_-]+/g, (run, at: number) => (run === '_' && /[_-]id$/i.test(name.slice(0, at)) ? '_' : '/'));
  const rank = { info: 0, low: 1, medium: 2, high: 3, critical: 4 } as const;
  const texts = words === name ? [name] : [name, words];
  // Respelled (leetspeak, spaced letters), as words.
  const r = respelled(name);
  if (r !== undefined && !texts.includes(wordsOf(r))) texts.push(wordsOf(r));
  if (path !== name) texts.push(path);
  texts.forEach((text, i) => {
    for (const s of scanText(text)) {
      if (rank[s.severity] < rank.medium || out.some((o) => o.kind === s.kind)) continue;
      if (path !== name && i === texts.length - 1 && s.kind !== 'sensitive-path') continue;
      // A name that names its subject: keychain_get, exfiltration_detect.
      const detector = detectorWords(words);
      if (s.kind === 'sensitive-path' && (/^keychain$/i.test(s.value ?? '') || (i > 0 && /^login\s+data$/i.test(s.value ?? '')))) continue;
      if (s.kind === 'network-egress' && /^exfiltration/i.test(s.value ?? '') && detector) continue;
      out.push({ kind: s.kind, severity: s.severity, evidence: `the name says: ${s.evidence}`, ...(s.value !== undefined ? { value: s.value } : {}) });
    }
  });
  // The name deciphered (reversed, each word reversed, rot13), read as a path: a secret path it
  // spells that the name as written does not is a high encoded blob.
  if (out.some((o) => o.kind === 'encoded-blob' || o.kind === 'sensitive-path')) return;
  for (const [label, decipher] of [['reversed', reversed], ['with each word reversed', wordsReversed], ['in rot13', rot13]] as const) {
    const plain = decipher(foldForMatching(name));
    const p = plain.replace(/[_-]+/g, (run, at: number) => (run === '_' && /[_-]id$/i.test(plain.slice(0, at)) ? '_' : '/'));
    const said = scanText(p).find((s) => s.kind === 'sensitive-path');
    if (said === undefined) continue;
    out.push({ kind: 'encoded-blob', severity: 'high', evidence: `the name read ${label} says: ${said.evidence}`, value: `${label}\u0000${said.value ?? ''}` });
    return;
  }
}

/** An object key or a `required` entry: scanText (less a keychain or exfiltration-detector noun), then scanName's kinds not already found. */
export function scanKey(key: string): TextSignal[] {
  const out = keyText(key);
  for (const s of scanName(key)) if (!out.some((o) => o.kind === s.kind)) out.push(s);
  return out;
}

/** scanText of a key, less a keychain noun or an exfiltration-detector noun (what a tool works on). */
export function keyText(key: string): TextSignal[] {
  // A key with white space is a sentence: no exemption.
  if (!(key.length > 0 && key.length <= 1024 && !/[\x00-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/.test(key))) return [...scanText(key)];
  const detector = namesDetector(key);
  return scanText(key).filter((s) => !(s.kind === 'sensitive-path' && /^keychain$/i.test(s.value ?? '')) && !(s.kind === 'network-egress' && /^exfiltration/i.test(s.value ?? '') && detector));
}

/** Whether the name `key`, as words, has each "exfiltrat…" word the noun "exfiltration" next to a detector word (scan, alert, dlp…; "data" between allowed before it). */
export function namesDetector(key: string): boolean {
  const words = key.replace(/[_.-]+/g, ' ').replace(/(?<=[A-Za-z])[0-9]+(?=[A-Za-z])/g, ' ').replace(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[a-z])|(?<=[A-Z])(?=[A-Z][a-z])/g, ' ');
  return detectorWords(words);
}

/** namesDetector of a name already as words. */
function detectorWords(words: string): boolean {
  const D = '(?:detect|detects|detection|detector|scan|scanner|scans|alert|alerts|monitor|monitoring|prevent|prevention|check|checks|guard|protect|protection|dlp|audit|block|risk|report|reports)';
  // Every exfiltrat… word, with the words around it.
  const all = [...` ${words.toLowerCase()} `.matchAll(/(?<= )exfiltrat[^ ]*(?= )/g)];
  const next = new RegExp(`^ ${D}(?: |$)`);
  const prior = new RegExp(`(?:^| )${D} (?:data )?$`);
  return all.length > 0 && all.every((m) => m[0] === 'exfiltration' && (next.test(` ${words.toLowerCase()} `.slice(m.index + m[0].length)) || prior.test(` ${words.toLowerCase()} `.slice(0, m.index))));
}

/**
 * What a tool can do, as its name, description and annotations say it:
 * - `command-execution`: runs commands, scripts or code;
 * - `file-write`: writes, moves or deletes files on the machine the server runs on;
 * - `network-egress`: reaches a network address the caller chooses (fetch a URL, HTTP
 *   requests, webhooks, uploads, e-mail) — a channel out for data;
 * - `remote-write`: changes data held by another system (push, create, update, delete, send,
 *   publish, merge, post, comment… in a repository, an issue tracker, a chat, a store).
 */
export type Capability = 'command-execution' | 'file-write' | 'network-egress' | 'remote-write';

/** Behaviour hints of a tool (MCP `annotations`), as the server wrote them. */
export interface CapabilityAnnotations {
  readOnlyHint?: unknown;
  destructiveHint?: unknown;
}

// Word sets, matched on lower-case words; no pattern here ever backtracks. A name is split at
// separators and camelCase; a description is read once, word by word (see eachWord).
const EXEC_NAME = new Set(['exec', 'execute', 'shell', 'bash', 'sh', 'zsh', 'cmd', 'powershell', 'pwsh', 'terminal', 'spawn', 'eval', 'subprocess', 'popen', 'repl']);
/** Name words that are command execution only next to a run verb (run_command) or alone (command). */
const EXEC_NAME_OBJECT = new Set(['command', 'commands', 'script', 'scripts', 'code', 'system', 'process', 'program']);
const RUN_NAME = new Set(['run', 'runs', 'exec', 'execute', 'invoke', 'eval', 'launch', 'start']);
const WRITE_NAME = new Set(['write', 'delete', 'remove', 'rm', 'unlink', 'move', 'mv', 'rename', 'overwrite', 'truncate', 'chmod', 'chown', 'mkdir', 'rmdir', 'edit', 'patch', 'save', 'append', 'create', 'update', 'copy', 'cp']);
const FILE_CONTEXT = new Set(['file', 'files', 'dir', 'dirs', 'directory', 'directories', 'folder', 'folders', 'path', 'fs', 'disk']);
/** Words that put files in another system: a file written there is a remote write, not a local one. */
const REMOTE_CONTEXT = new Set(['repository', 'repositories', 'repo', 'repos', 'github', 'gitlab', 'bitbucket', 'gist', 'gists', 'bucket', 'buckets', 's3', 'remote', 'branch', 'commit']);
const NET_NAME = new Set(['http', 'https', 'curl', 'wget', 'webhook', 'webhooks', 'url', 'urls', 'browse', 'navigate', 'email', 'mail', 'smtp', 'sms', 'socket', 'ftp', 'upload', 'download']);
/** Name words that are egress only with a web object (fetch_url) or alone (fetch): fetch_issues reads the server's own data. */
const NET_NAME_WEAK = new Set(['fetch', 'request', 'scrape', 'crawl']);
const WEB_OBJECT = new Set(['url', 'urls', 'web', 'webpage', 'webpages', 'page', 'pages', 'website', 'websites', 'site', 'internet', 'remote', 'http', 'https', 'html', 'uri']);
const REMOTE_WRITE_NAME = new Set([
  'create', 'update', 'delete', 'remove', 'push', 'merge', 'send', 'post', 'publish', 'comment', 'add', 'fork', 'close', 'reopen',
  'put', 'patch', 'insert', 'upsert', 'write', 'edit', 'rename', 'move', 'archive', 'assign', 'approve', 'submit', 'reply', 'react',
  'invite', 'transfer', 'drop', 'truncate', 'cancel', 'deploy', 'revert', 'share', 'set', 'upload', 'subscribe',
  'unsubscribe', 'kick', 'ban',
]);
/** First words of a tool name that say it only reads: they lower what weak evidence counts. */
const READ_ONLY_VERB = new Set(['get', 'list', 'read', 'search', 'find', 'query', 'lookup', 'show', 'describe', 'view', 'count', 'check', 'fetch', 'open', 'browse', 'inspect', 'explain', 'echo', 'retrieve', 'load', 'summarize', 'analyze', 'validate', 'preview', 'download', 'export', 'watch', 'monitor']);

const EXEC_VERB = new Set(['run', 'runs', 'running', 'ran', 'execute', 'executes', 'executing', 'executed', 'execution', 'invoke', 'invokes', 'invoking', 'spawn', 'spawns', 'spawning', 'eval', 'evals']);
const EXEC_OBJECT = new Set(['command', 'commands', 'script', 'scripts', 'code', 'process', 'processes', 'program', 'programs', 'javascript', 'executable', 'executables', 'binary', 'binaries']);
const WRITE_VERB = new Set([
  'write', 'writes', 'writing', 'written', 'delete', 'deletes', 'deleting', 'remove', 'removes', 'removing', 'overwrite', 'overwrites', 'overwriting',
  'modify', 'modifies', 'modifying', 'create', 'creates', 'creating', 'move', 'moves', 'moving', 'rename', 'renames', 'renaming', 'edit', 'edits',
  'editing', 'truncate', 'truncates', 'truncating', 'save', 'saves', 'saving', 'append', 'appends', 'appending',
]);
const FILE_OBJECT = new Set(['file', 'files', 'directory', 'directories', 'folder', 'folders', 'path', 'paths', 'disk']);
const FETCH_VERB = new Set(['fetch', 'fetches', 'fetching', 'download', 'downloads', 'downloading', 'navigate', 'navigates', 'navigating', 'browse', 'browses', 'browsing', 'visit', 'visits', 'visiting', 'crawl', 'crawls', 'crawling', 'scrape', 'scrapes', 'scraping', 'request', 'requests', 'requesting', 'call', 'calls', 'calling', 'open', 'opens', 'opening', 'load', 'loads', 'loading']);
const FETCH_OBJECT = new Set(['url', 'urls', 'webpage', 'webpages', 'website', 'websites', 'internet', 'remote', 'link', 'links', 'endpoint', 'endpoints', 'uri', 'uris']);
const SEND_VERB = new Set(['send', 'sends', 'sending', 'post', 'posts', 'posting', 'upload', 'uploads', 'uploading', 'transmit', 'transmits', 'transmitting', 'forward', 'forwards', 'forwarding']);
const SEND_OBJECT = new Set(['request', 'requests', 'data', 'payload', 'payloads', 'email', 'emails', 'json', 'file', 'files', 'body']);
/** First words of a sentence that say the tool changes data somewhere (only counted when its name does not say it reads). */
const REMOTE_WRITE_LEAD = new Set([
  'create', 'creates', 'update', 'updates', 'delete', 'deletes', 'remove', 'removes', 'push', 'pushes', 'merge', 'merges', 'send', 'sends', 'post', 'posts',
  'publish', 'publishes', 'add', 'adds', 'fork', 'forks', 'close', 'closes', 'reply', 'replies', 'comment', 'comments', 'submit', 'submits', 'insert', 'inserts',
  'write', 'writes', 'edit', 'edits', 'modify', 'modifies', 'upload', 'uploads', 'deploy', 'deploys', 'archive', 'archives', 'approve', 'approves',
]);

/** How many words may stand between a verb and its object ("run a shell command", "create a new file"). */
const VERB_WINDOW = 4;

function nameTokens(name: string): string[] {
  const out: string[] = [];
  let word = '';
  let prev = '';
  // One pass: split at anything but ASCII letters and digits, and before an upper-case letter
  // that follows a lower-case letter or digit (runScript → run script).
  for (const ch of name) {
    const lowerCh = ch >= 'A' && ch <= 'Z' ? ch.toLowerCase() : ch;
    const isWordChar = (lowerCh >= 'a' && lowerCh <= 'z') || (ch >= '0' && ch <= '9');
    const boundary = !isWordChar || (ch >= 'A' && ch <= 'Z' && ((prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9')));
    if (boundary && word !== '') {
      out.push(word);
      word = '';
    }
    if (isWordChar) word += lowerCh;
    prev = ch;
  }
  if (word !== '') out.push(word);
  return out;
}

/**
 * Calls `visit` with each lower-case ASCII word of `text` and the number of the sentence it is
 * in (a sentence ends at . ! ? ; : or a line break). One linear pass, no regular expression:
 * attacker text (runs of white space, a keyword repeated a million times) costs O(length).
 */
function eachWord(text: string, visit: (word: string, sentence: number) => void): void {
  let sentence = 0;
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    const isWordChar = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 39;
    if (isWordChar) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0) {
      // An apostrophe is kept inside a word (don't) but not at its ends.
      let s = start;
      let e = i;
      while (s < e && text.charCodeAt(s) === 39) s++;
      while (e > s && text.charCodeAt(e - 1) === 39) e--;
      if (e > s) visit(text.slice(s, e).toLowerCase(), sentence);
      start = -1;
    }
    if (c === 46 || c === 33 || c === 63 || c === 59 || c === 58 || c === 10 || c === 13) {
      // "e.g." or "v1.2" end no sentence worth a reset; a period followed by a space or the end does.
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 32;
      if (c !== 46 || next === 32 || next === 10 || next === 13 || next === 9) sentence++;
    }
  }
}

/** What a description says, read in one pass with verb → object word windows. */
interface TextCapabilities {
  exec: boolean;
  write: boolean;
  egress: boolean;
  /** It names another system (a repository, a bucket): files it writes are there. */
  remote: boolean;
  /** A sentence starts with a verb that changes data ("Create a new issue…"). */
  lead: boolean;
}

function textCapabilities(text: string): TextCapabilities {
  const found: TextCapabilities = { exec: false, write: false, egress: false, remote: false, lead: false };
  // Word number and sentence of the last verb of each kind (a verb counts for the VERB_WINDOW
  // words after it, in its sentence); constant state per word, so the pass stays linear.
  let index = 0;
  let exec = { at: -1, sentence: -1 };
  let write = { at: -1, sentence: -1 };
  let fetch = { at: -1, sentence: -1 };
  let send = { at: -1, sentence: -1 };
  let sent = { at: -1, sentence: -1 };
  let upload = { at: -1, sentence: -1 };
  let commandLineSentence = -1;
  let previous = '';
  let previousSentence = -1;
  const near = (verb: { at: number; sentence: number }, sentence: number, window = VERB_WINDOW) => verb.at >= 0 && verb.sentence === sentence && index - verb.at <= window;
  eachWord(text, (word, sentence) => {
    const after = sentence === previousSentence ? previous : '';
    if (sentence !== previousSentence && REMOTE_WRITE_LEAD.has(word)) found.lead = true;
    if (REMOTE_CONTEXT.has(word)) found.remote = true;
    // Command execution: "run a shell command", "execute arbitrary code", "shell commands",
    // "command line … executes".
    if (EXEC_OBJECT.has(word) && near(exec, sentence)) found.exec = true;
    if ((word === 'command' || word === 'commands') && after === 'shell') found.exec = true;
    if (word === 'code' && after === 'arbitrary') found.exec = true;
    if (word === 'line' && after === 'command') commandLineSentence = sentence;
    if (word.startsWith('execut') && commandLineSentence === sentence) found.exec = true;
    // File writing: "create a new file", "move or rename files and directories".
    if (FILE_OBJECT.has(word) && near(write, sentence)) found.write = true;
    // Egress: "fetch a URL", "navigate to a URL", "HTTP requests", "send data to", "upload to",
    // "send an email", webhooks, "arbitrary URLs".
    if (FETCH_OBJECT.has(word) && near(fetch, sentence)) found.egress = true;
    if ((word === 'page' || word === 'pages') && after === 'web' && near(fetch, sentence)) found.egress = true;
    if ((word === 'request' || word === 'requests') && (after === 'http' || after === 'https')) found.egress = true;
    if (word === 'webhook' || word === 'webhooks' || word === 'outbound') found.egress = true;
    if ((word === 'url' || word === 'urls') && (after === 'arbitrary' || after === 'any')) found.egress = true;
    if ((word === 'email' || word === 'emails') && near(send, sentence)) found.egress = true;
    if (word === 'to' && (near(sent, sentence, 2) || near(upload, sentence, 1))) found.egress = true;
    if ((word === 'file' || word === 'files') && near(upload, sentence)) found.egress = true;
    if (SEND_OBJECT.has(word) && near(send, sentence)) sent = { at: index, sentence };
    if (EXEC_VERB.has(word)) exec = { at: index, sentence };
    if (WRITE_VERB.has(word)) write = { at: index, sentence };
    if (FETCH_VERB.has(word)) fetch = { at: index, sentence };
    if (SEND_VERB.has(word)) send = { at: index, sentence };
    if (word === 'upload' || word === 'uploads' || word === 'uploading') upload = { at: index, sentence };
    previous = word;
    previousSentence = sentence;
    index++;
  });
  return found;
}

/**
 * What a tool's name, description and annotations say it can do. Linear in the length of its
 * input (one pass over the words, set look-ups, no backtracking pattern). Read-only evidence —
 * `readOnlyHint: true`, or a name that starts with a read-only verb (get, list, read, search…) —
 * lowers the weak evidence only (a "fetch" of the server's own data, a description that starts
 * "Creates…"); what the name or description plainly says is kept, so a tool cannot talk its way
 * out of a capability by annotating itself read-only.
 */
export function capabilityHints(name: string, description: string, annotations: CapabilityAnnotations = {}): Capability[] {
  const tokens = nameTokens(asciiSkeleton(name) ?? name);
  const has = (words: Set<string>) => tokens.some((t) => words.has(t));
  const text = textCapabilities(foldForMatching(description));
  const readOnlyVerb = tokens.length > 0 && READ_ONLY_VERB.has(tokens[0]!);
  const readOnly = readOnlyVerb || annotations.readOnlyHint === true;
  const remote = text.remote || has(REMOTE_CONTEXT);

  const exec = has(EXEC_NAME) || (has(EXEC_NAME_OBJECT) && (has(RUN_NAME) || tokens.length === 1)) || text.exec;
  // A write verb counts as file writing only next to a file-system noun (write_file, rm_dir, a
  // bare "rm"; delete_entities edits a knowledge graph) and when the files are not in another
  // system (create_or_update_file "in a GitHub repository" is a remote write).
  const writeByName = has(WRITE_NAME) && (has(FILE_CONTEXT) || (tokens.length === 1 && (tokens[0] === 'rm' || tokens[0] === 'write')));
  const writesFiles = (writeByName || text.write) && !remote;
  const egressByName = has(NET_NAME) || (has(NET_NAME_WEAK) && (has(WEB_OBJECT) || tokens.length === 1));
  const egress = egressByName || text.egress;
  const remoteWrite =
    !writesFiles &&
    ((!readOnlyVerb && has(REMOTE_WRITE_NAME) && !(egressByName && !has(REMOTE_CONTEXT))) || ((writeByName || text.write) && remote) || (text.lead && !readOnly && !egress));

  const hints: Capability[] = [];
  if (exec) hints.push('command-execution');
  if (writesFiles) hints.push('file-write');
  if (egress) hints.push('network-egress');
  if (remoteWrite) hints.push('remote-write');
  return hints;
}

function ipv4Class(host: string): 'link-local' | 'loopback' | 'private' | undefined {
  const parts = host.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  const [a, b] = parts as [number, number, number, number];
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a === 0) return 'private';
  return undefined;
}

function ipv6Class(host: string): 'link-local' | 'loopback' | 'private' | undefined {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === '::1') return 'loopback';
  if (h === '::') return 'private';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (mapped) return ipv4Class(mapped[1]!);
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (hexMapped) {
    const hi = parseInt(hexMapped[1]!, 16);
    const lo = parseInt(hexMapped[2]!, 16);
    return ipv4Class(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  if (/^fe[89ab][0-9a-f]:/.test(h)) return 'link-local';
  if (/^f[cd][0-9a-f]{2}:/.test(h)) return 'private';
  return undefined;
}

/**
 * Where a URI or URI template points: link-local (cloud metadata), loopback, a private range,
 * a local file — or undefined for anything else. The WHATWG URL parser normalises the tricks
 * (decimal or hex IPv4 such as http://2852039166/, IPv4-mapped IPv6) before the check.
 */
export function classifyAddress(uri: string): 'link-local' | 'loopback' | 'private' | 'file' | undefined {
  // [^{}] and not [^}]: an unclosed "{{{{…" then costs one step per brace, not a scan to the end each.
  const concrete = uri.replace(/\{[^{}]*\}/g, 'x');
  if (/^file:/i.test(concrete)) return 'file';
  let url: URL;
  try {
    url = new URL(concrete);
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (host === '') return undefined;
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  if (host === 'metadata.google.internal' || host === 'metadata' || host === 'instance-data') return 'link-local';
  if (host.endsWith('.internal') || host.endsWith('.local') || host.endsWith('.lan') || host.endsWith('.intranet') || host.endsWith('.corp')) return 'private';
  if (host.startsWith('[')) return ipv6Class(host);
  return ipv4Class(host);
}

// Percent-encodings of the characters that make a path climb (".", "/", "\"), their overlong
// UTF-8 forms, and "%25" (an encoded "%": double encoding). Fixed-length alternatives: linear.
const ENCODED_PATH_CHAR = /%(?:2e|2f|5c|25|c0%ae|c0%af|c1%9c|e0%80%ae)/giu;
const DECODED_PATH_CHAR: Record<string, string> = { '%2e': '.', '%2f': '/', '%5c': '\\', '%25': '%', '%c0%ae': '.', '%c0%af': '/', '%c1%9c': '\\', '%e0%80%ae': '.' };

/**
 * Whether the path of a resource URI or URI template climbs out of its root with `..` segments
 * (`resource://files/../../secrets`, `file:///../etc/passwd`): the root is `scheme://authority/`,
 * or `scheme:` for a URI without an authority. Percent-encoded (`%2e%2e`, `%252e`, overlong UTF-8)
 * and full-width dots and slashes, and backslashes, count as what they stand for; a template
 * expression (`{name}`) counts as one segment. A `..` that stays inside the root (`a/../b`) is
 * not reported. Attacker-controlled; linear in the URI's length.
 */
export function pathTraversal(uri: string): { root: string } | undefined {
  let text = uri;
  // Three rounds undo double and triple encoding; a fourth would change nothing a client does.
  for (let round = 0; round < 3; round++) {
    const decoded = text.replace(ENCODED_PATH_CHAR, (m) => DECODED_PATH_CHAR[m.toLowerCase()] ?? m);
    if (decoded === text) break;
    text = decoded;
  }
  if (!text.includes('.') && !/[\uff0e\u2024]/u.test(text)) return undefined;
  text = text.normalize('NFKC').replace(/\u2024/gu, '.').replace(/\\/g, '/').replace(/\{[^{}]*\}/g, 'x');
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]{0,63}:/.exec(text);
  let rest = scheme ? text.slice(scheme[0].length) : text;
  let root = scheme ? scheme[0] : '';
  const end = (s: string) => {
    const q = s.search(/[?#]/);
    return q < 0 ? s : s.slice(0, q);
  };
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = end(slash < 0 ? rest.slice(2) : rest.slice(2, slash));
    if (authority === '..') return { root: `${root}//` };
    root = `${root}//${authority}/`;
    rest = slash < 0 ? '' : rest.slice(slash);
  } else if (rest.startsWith('/')) root = `${root}/`;
  let depth = 0;
  for (const segment of end(rest).split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (--depth < 0) return { root: printable(root, 80) };
    } else depth++;
  }
  return undefined;
}

/** A string a model may read inside a definition: a value, or an object key. */
export interface ReadableText {
  /** JSON Pointer (RFC 6901) of the value, or of the member whose key this is; each token made printable and cut to 40 characters. */
  pointer: string;
  text: string;
  /** True for an object key (a property name, a `_meta` or `annotations` key…). */
  key: boolean;
  /** Read as a name too: a `required` entry, a string without white space, schema syntax with white space. */
  name?: boolean;
  /** Read as a name only: schema syntax without white space. */
  nameOnly?: boolean;
  /** The key of the object that holds this member ("properties" for a schema property name). */
  parentKey?: string;
}

/** In a JSON Schema, keywords whose string values are syntax, not prose (their keys still count). */
const SCHEMA_SYNTAX = new Set(['type', 'format', '$ref', '$schema', '$id', '$anchor', '$dynamicRef', '$dynamicAnchor']);
/** Most nodes one walk visits; past it the walk says it is incomplete (a finding for the caller). */
export const MAX_READABLE_NODES = 200_000;

const SIMPLE_TOKEN = /^[\w$.@:+-]{0,40}$/;
const pointerToken = (key: string) => (SIMPLE_TOKEN.test(key) ? key : printable(key, 40).replace(/~/g, '~0').replace(/\//g, '~1'));

/**
 * Every string a model may read inside a JSON value — values and object keys alike — in a
 * depth-first walk with an explicit stack (no recursion limit), keys in UTF-16 order. With
 * `schema`, the values of syntax keywords (`type`, `$ref`…) are left out (their keys are not),
 * and the entries of `required` are marked `name`. Bounded by `maxNodes`: `complete` is false when the walk had to stop, and the caller
 * must report that rather than pass what it did not see.
 */
export function readableTexts(value: unknown, options: { schema?: boolean; maxNodes?: number } = {}): { texts: ReadableText[]; complete: boolean } {
  const texts: ReadableText[] = [];
  let budget = options.maxNodes ?? MAX_READABLE_NODES;
  const stack: { node: unknown; pointer: string; parentKey: string | undefined }[] = [{ node: value, pointer: '', parentKey: undefined }];
  while (stack.length > 0) {
    if (--budget < 0) return { texts, complete: false };
    const { node, pointer, parentKey } = stack.pop()!;
    if (typeof node === 'string') {
      const identifier = node.length > 0 && node.length <= 1024 && !/[\s\x00-\x20\x85\ufeff]/.test(node);
      if (options.schema && parentKey !== undefined && SCHEMA_SYNTAX.has(parentKey)) texts.push(identifier ? { pointer, text: node, key: false, nameOnly: true } : { pointer, text: node, key: false, name: true });
      else if (identifier || (options.schema && parentKey === 'required')) texts.push({ pointer, text: node, key: false, name: true });
      else {
        texts.push({ pointer, text: node, key: false });
        // Padded with white space at its ends only: that name, read as a name.
        const m = /^\s+(\S{1,1024})\s*$|^(\S{1,1024})\s+$/.exec(node.length <= 4096 ? node : '');
        const name = m ? (m[1] ?? m[2])! : undefined;
        if (name !== undefined && !/[\x00-\x20\x85\ufeff]/.test(name)) texts.push({ pointer, text: name, key: false, nameOnly: true });
      }
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push({ node: node[i], pointer: `${pointer}/${i}`, parentKey });
    } else if (typeof node === 'object' && node !== null) {
      const map = node instanceof Map ? (node as Map<string, unknown>) : undefined;
      const keys = map ? [...map.keys()].sort() : Object.keys(node).sort();
      const tokens = keys.map(pointerToken);
      for (let i = 0; i < keys.length; i++) {
        const member: ReadableText = { pointer: `${pointer}/${tokens[i]!}`, text: keys[i]!, key: true };
        if (parentKey !== undefined) member.parentKey = parentKey;
        texts.push(member);
      }
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i]!;
        stack.push({ node: map ? map.get(k) : (node as Record<string, unknown>)[k], pointer: `${pointer}/${tokens[i]!}`, parentKey: k });
      }
    }
  }
  return { texts, complete: true };
}
