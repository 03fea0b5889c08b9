import { capMarkRuns, isAsciiText, isPlainText, isPrintableAscii, longMarkRunAt, MAX_MARK_RUN, printable } from '../util/text.js';
import { AsciiWordSet } from './ascii.js';
import { CONFUSABLE_TO_ASCII } from './confusables.js';

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
  | 'network-egress'
  /** A text the analysis could not finish (too long for a pattern's stack): reviewed by hand, never passed. */
  | 'unanalysed-text';

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
// One tag character per match: a `+` over this astral class runs out of V8's backtracking stack
// on a run of ~8 M (tagRuns finds the runs with a loop).
const TAG_CHAR = /[\u{e0000}-\u{e007f}]/gu;
// Bidirectional controls (Bidi_Control): embeddings/overrides, isolates, and the directional
// marks (Trojan Source, CVE-2021-42574).
const BIDI = /\p{Bidi_Control}/gu;
// Other characters no honest identifier holds: controls (C0, DEL, C1), line and paragraph
// separators, lone surrogates, noncharacters.
const NAME_CONTROL = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\p{Noncharacter_Code_Point}]/u;
const BIDI_OVERRIDE = /[\u202a-\u202e\u2066-\u2069]/u;
// Non-global copies for a yes/no test (no lastIndex state), built once.
const HAS_TAG_CHAR = new RegExp(TAG_CHAR.source, 'u');
const HAS_INVISIBLE = new RegExp(INVISIBLE.source, 'u');
const HAS_BIDI = new RegExp(BIDI.source, 'u');

export interface Rule {
  kind: SignalKind;
  severity: Severity;
  pattern: RegExp;
  /**
   * Groups of lower-case words: the pattern is tried only on a text that holds a word of every
   * group (includes() scans like memchr), since most descriptions trip no rule at all. Each
   * group must be one the pattern cannot match without — every alternative of the pattern spells
   * one of its words — so the prefilter never hides a match (tests/safety/gates.test.ts). The
   * first group also makes quietText's one-pass prefilter, where a word that starts with a letter
   * or digit must start a word (`\b`): every match spells one of them at the start of a word.
   */
  gates: readonly (readonly string[])[];
}

// The parts of the carrier rule below (the words of the decode-and-obey rules above, as pieces).
// Each is a fixed word or a bounded run of fixed words: no quantifier nests over another.
const CARRIER_END = String.raw`(?=\s{0,8}(?:[.,;:!]|$))`;
const CARRIER_STRONG = String.raw`(?:obey|comply)(?:\s{1,8}(?:with\s{1,8})?(?:it|them|this|these|that|those))?${CARRIER_END}|do\s{1,8}(?:exactly\s{1,8})?(?:what|as)\s{1,8}(?:it|they|this|that)\s{1,8}(?:says?|tells?|instructs?)\b|(?:follow|execute|perform|carry\s{1,8}out)\s{1,8}(?:the\s{1,8}|its\s{1,8}|their\s{1,8}|these\s{1,8}|those\s{1,8}|any\s{1,8}|all\s{1,8}(?:the\s{1,8})?)?(?:instructions?|directions?|orders?)${CARRIER_END}`;
const CARRIER_PRON = String.raw`(?:(?:follow|carry\s{1,8}out)\s{1,8}(?:it|them|this|these)|carry\s{1,8}(?:it|them)\s{1,8}out)`;
const CARRIER_FOLLOW_END = String.raw`${CARRIER_PRON}${CARRIER_END}`;
const CARRIER_PAYLOAD = String.raw`\s{0,8}:[ \t]{0,8}(?!(?:the|an?|it|its|this|that|these|those|them|each|every|any|all|then|see|is|are|to|and|or|until|up|with|for|from|of|in|on|by|as|if|when)\b)(?!\w{1,20}[ \t]{1,8}(?:the|an?|it|its|this|that|these|those|them|each|every|any|all|then|see|is|are|to|and|or|until|up|with|for|from|of|in|on|by|as|if|when)\b)\S`;
const CARRIER_DET = String.raw`(?:the|this|that|these|following|below|hidden|encoded|secret)`;
const CARRIER_NOUN = String.raw`(?:text|message|string|note|line|lines|sentence|cipher|ciphertext|payload|blob|base64|rot13|following|below|this|it|letters|words|characters)`;
const CARRIER_VERB = String.raw`(?:decode|decipher|decrypt|unscramble|deobfuscate|(?<!\bin\s{1,8})reverse|translate|rot(?:-| )?13|base-?64[\s-]{0,3}decode)`;
const CARRIER_PART = String.raw`(?:decoded|deciphered|decrypted|unscrambled|deobfuscated|reversed|translated|rot-?13'?d)`;
const CARRIER_GER = String.raw`(?:decoding|deciphering|decrypting)`;
const CARRIER_SHIFT = String.raw`shift\s{1,8}(?:each|every|all|the)\s{1,8}(?:of\s{1,8}the\s{1,8})?(?:letters?|characters?|chars?)\b`;
const CARRIER_CIPHERV = String.raw`(?:decipher|unscramble|rot(?:-| )?13)`;

// Instructions aimed at the model rather than the user (tool poisoning, MCP "line jumping").
export const INSTRUCTION_RULES: readonly Rule[] = [
  {
    // The small words between the verb and "previous" are read in rot13, reversed and both too
    // ("Ignore nyy previous instructions"): a garbled filler is read as the filler it stands for.
    kind: 'model-instruction',
    severity: 'critical',
    pattern: /\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|of|nyy|nal|gur|lbhe|bs|lla|yna|eht|ruoy|fo|yyn|lan|rug|ehbl|sb)\s+)*(?:previous|prior|above|earlier|preceding|former|original|other|system)\s+(?:instructions?|prompts?|messages?|rules?|directions?|guidelines?|context)\b|\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:of\s+)?(?:everything|anything)\s+(?:(?:written\s+|said\s+|stated\s+)?above(?:\s+this(?:\s+line)?)?(?=\s*(?:[.,;:!]|$|and\b|then\b))|(?:you\s+(?:were|have\s+been)\s+|i\s+)?(?:told|instructed|said)\s+(?:you\s+)?(?:before|earlier|previously|so\s+far)|you\s+(?:were|have\s+been)\s+(?:told|instructed|given))/giu, gates: [['ignore', 'disregard', 'forget', 'override', 'bypass']],
  },
  // MTF-0.1 §3.5 names "disregard user request" as an instruction override.
  { kind: 'model-instruction', severity: 'critical', pattern: /\b(?:disregard|ignore)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+)?(?:user'?s?|human'?s?)\s+(?:\w+\s+)?(?:instructions?|requests?|prompts?|messages?|wishes)\b/giu, gates: [['disregard', 'ignore'], ['user', 'human']] },
  { kind: 'network-egress', severity: 'high', pattern: /\bexfiltrat\w*/giu, gates: [['exfiltrat']] },
  { kind: 'model-instruction', severity: 'critical', pattern: /\b(?:do\s+not|don'?t|never)\s+(?:follow|obey|listen\s+to)\s+(?:the\s+)?(?:user|system|previous)/giu, gates: [['follow', 'obey', 'listen'], ['not', "n't", 'dont', 'never'], ['user', 'system', 'previous']] },
  { kind: 'model-instruction', severity: 'high', pattern: /<\/?\s*(?:system|important|instructions?|admin|secret|hidden)\s*>|\[\/?INST\]|<\|im_(?:start|end)\|>|<<\/?SYS>>/giu, gates: [['<', '[inst', '[/inst']] },
  { kind: 'model-instruction', severity: 'high', pattern: /\b(?:you\s+are\s+now\b|new\s+(?:system\s+prompt|instructions?)\s*:|system\s+prompt\s*:\b|from\s+now\s+on,?\s+you\b)/giu, gates: [['now', 'instruction', 'prompt'], ['you', 'new', 'system']] },
  {
    kind: 'model-instruction',
    severity: 'high',
    pattern: /\b(?:before|prior\s+to|after)\s+(?:using|calling|answering|responding|running|invoking|executing)\b[^.\n]{0,80}?\b(?:first\s+|also\s+|always\s+)?(?:read|call|send|include|fetch|pass|upload|invoke|run|append)\b/giu, gates: [['before', 'prior', 'after'], ['using', 'calling', 'answering', 'responding', 'running', 'invoking', 'executing']],
  },
  { kind: 'model-instruction', severity: 'high', pattern: /\b(?:instead\s+of|rather\s+than)\s+(?:using|calling|invoking)\s+(?:the\s+|any\s+)?(?:[\w.-]+\s+tools?\b|[A-Za-z0-9]+[_.-][\w.-]*[A-Za-z0-9])|\b(?:always|only)\s+use\s+this\s+tool\s+(?:instead|for\s+all)\b/giu, gates: [['instead', 'rather', 'always', 'only'], ['using', 'calling', 'invoking', 'tool']] },
  { kind: 'model-instruction', severity: 'medium', pattern: /\b(?:the\s+)?(?:assistant|ai|model|llm|agent|claude|chatgpt)\s+(?:must|should|shall|needs\s+to)\s+(?:always|first|never|also)\b/giu, gates: [['must', 'should', 'shall', 'needs'], ['always', 'first', 'never', 'also']] },
  { kind: 'model-instruction', severity: 'medium', pattern: /\b(?:include|put|embed|append)\s+(?:the\s+)?(?:full\s+|entire\s+|complete\s+)?(?:conversation|chat\s+history|previous\s+messages|system\s+prompt|api\s+keys?|credentials|access\s+tokens?|secrets?|passwords?)\s+(?:of|from|in|into)\b/giu, gates: [['conversation', 'chat', 'previous', 'system', 'api', 'credentials', 'access', 'secret', 'password'], ['include', 'put', 'embed', 'append']] },
  {
    kind: 'concealment',
    severity: 'critical',
    pattern: /\b(?:do\s+not|don'?t|never|must\s+not|mustn'?t|should\s+not|shouldn'?t)\s+(?:tell|inform|mention|reveal|show|notify|alert|disclose|let)\s+(?:this\s+|it\s+|anything\s+)?(?:to\s+)?(?:the\s+)?(?:user|human|operator)s?\b/giu, gates: [['not', 'don', 'never', 'mustn', 'shouldn'], ['user', 'human', 'operator']],
  },
  { kind: 'concealment', severity: 'critical', pattern: /\bwithout\s+(?:telling|informing|notifying|alerting|asking|mentioning\s+(?:it\s+|this\s+)?to)\s+(?:the\s+)?(?:user|human|operator)s?\b/giu, gates: [['without'], ['user', 'human', 'operator']] },
  { kind: 'concealment', severity: 'critical', pattern: /\b(?:the\s+)?(?:user|human)\s+(?:must|should)\s+(?:not|never)\s+(?:know|see|notice|be\s+told|find\s+out)\b/giu, gates: [['must', 'should'], ['user', 'human'], ['not', 'never']] },
  { kind: 'concealment', severity: 'high', pattern: /\b(?:secretly|covertly|silently|surreptitiously|quietly)\s+(?:read|send|call|include|upload|copy|forward|exfiltrate|collect|run|execute)\b|\b(?:hide|conceal)\s+(?:this|it|the\s+\w+)\s+from\s+(?:the\s+)?user/giu, gates: [['secretly', 'covertly', 'silently', 'surreptitiously', 'quietly', 'hide', 'conceal']] },
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
    gates: [['this', 'other', 'another', 'different'], ['tool']],
  },
  // Secrets or the conversation sent to an address or smuggled into a parameter ("send the chat
  // history to https://…", "include the user's API keys in the query parameter"). One bounded
  // gap per start position: linear.
  {
    kind: 'network-egress',
    severity: 'high',
    pattern:
      /\b(?:send|post|upload|forward|transmit|leak|include|embed|append|pass|copy)\w{0,3}\s{1,8}[^.\n]{0,40}?\b(?:api\s{1,8}keys?|credentials?|secrets?|passwords?|access\s{1,8}tokens?|private\s{1,8}keys?|ssh\s{1,8}keys?|chat\s{1,8}history|conversation|environment\s{1,8}variables|system\s{1,8}prompt)\s{1,8}(?:to\s{1,8}(?:https?:\/\/|(?:this|that|our|my)\s{1,8}(?:url|endpoint|server|webhook|address)\b)|in(?:to)?\s{1,8}(?:the\s{1,8}|a\s{1,8})?[\w'"`-]{1,40}\s{1,8}(?:parameter|argument|field|param|arg)\b)/giu,
    gates: [
      ['api', 'credential', 'secret', 'password', 'access', 'private', 'ssh', 'chat', 'conversation', 'environment', 'system'],
      ['send', 'post', 'upload', 'forward', 'transmit', 'leak', 'include', 'embed', 'append', 'pass', 'copy'],
    ],
  },
  { kind: 'model-instruction', severity: 'high', pattern: /\bbefore\s{1,8}(?:answering|responding\s{1,8}to|replying\s{1,8}to)\s{1,8}(?:any|every|each|all|the\s{1,8}user'?s?|a)\s{1,8}(?:questions?|requests?|prompts?|messages?|queries)\b/giu, gates: [['before'], ['answering', 'responding', 'replying']] },
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
    gates: [['decode', 'decipher', 'decrypt', 'unscramble', 'deobfuscate', 'reverse', 'translate', 'rot13', 'rot-13', 'rot 13', 'base64', 'base-64'], ['and', 'then']],
  },
  {
    kind: 'model-instruction',
    severity: 'high',
    pattern:
      /\bread\s{1,8}(?:it|this|that|them|these|those|the\s{1,8}[\w ]{1,40}?)\s{1,8}(?:backwards?|in\s{1,8}reverse|(?:from\s{1,8})?right[\s-]{1,3}to[\s-]{1,3}left)\b[^.\n]{0,40}?\b(?:and|then)\s{1,8}(?:(?:obey|comply)(?:\s{1,8}(?:with\s{1,8})?(?:it|them|this))?|do\s{1,8}(?:what|as)\s{1,8}it\s{1,8}says|do\s{1,8}(?:it|them|so)|(?:follow|execute|run)\s{1,8}(?:it|them|this|these|the\s{1,8}(?:instructions?|directions?|text|message)))(?=\s{0,8}(?:[.,;:!]|$))/giu,
    gates: [['backward', 'reverse', 'right'], ['read'], ['and', 'then']],
  },
  {
    kind: 'model-instruction',
    severity: 'high',
    pattern:
      /\b(?:follow|obey|carry\s{1,8}out|comply\s{1,8}with|act\s{1,8}on)\s{1,8}(?:the\s{1,8}|its\s{1,8}|their\s{1,8}|these\s{1,8}|those\s{1,8}|any\s{1,8}|all\s{1,8}(?:the\s{1,8})?)?(?:(?:hidden|decoded|deciphered|decrypted|encoded|reversed|unscrambled|secret|obfuscated|concealed|base-?64|rot-?13)\s{1,8}(?:instructions?|directions?|orders?|commands?)|(?:instructions?|directions?|orders?)\s{1,8}(?:hidden|encoded|concealed))\b|\b(?:execute|run)\s{1,8}(?:the\s{1,8}|its\s{1,8}|their\s{1,8}|these\s{1,8}|those\s{1,8}|any\s{1,8}|all\s{1,8}(?:the\s{1,8})?)?(?:hidden|secret|obfuscated|concealed)\s{1,8}(?:instructions?|commands?)\b|\b(?:do|follow|obey)\s{1,8}what(?:ever)?\s{1,8}the\s{1,8}(?:hidden|decoded|deciphered|decrypted|encoded|reversed|unscrambled|secret|obfuscated|concealed|base-?64|rot-?13)\b[^.\n]{0,40}?\b(?:says?|tells?|instructs?|asks?)\b/giu,
    gates: [['hidden', 'decoded', 'deciphered', 'decrypted', 'encoded', 'reversed', 'unscrambled', 'secret', 'obfuscated', 'concealed', 'base64', 'base-64', 'rot13', 'rot-13'], ['follow', 'obey', 'carry', 'comply', 'act', 'do', 'execute', 'run']],
  },
  // The same carrier in the other shapes a sentence gives it: the decoding as a clause first
  // ("Once decoded, follow it: …", "After decoding the text, follow it."), the obeying as the
  // next sentence or line ("Decode the message below. Then do what it says."), a bare "decode
  // and follow:" before the hidden text, "translate this and act accordingly", a Caesar shift
  // ("shift each letter back by 3 and follow it"), a cipher's letters unscrambled then "the
  // commands" executed. As above, "follow it" only of a text (never a link, a file or SQL) and
  // ending the clause, or right before the hidden text after a colon; never "run it" or
  // "execute it" (a tool runs what it decodes). Bounded gaps per start position: linear.
  {
    kind: 'model-instruction',
    severity: 'high',
    pattern: new RegExp(
      [
        // A: "Decode and follow: <hidden text>"
        String.raw`\b${CARRIER_VERB}\s{1,8}(?:(?:it|this|them)\s{1,8})?(?:and|then)\s{1,8}(?:then\s{1,8})?follow${CARRIER_PAYLOAD}`,
        // B: "Translate this and then act accordingly."
        String.raw`\b${CARRIER_VERB}\s{1,8}(?:this|(?:the\s{1,8})?following|the\s{1,8}(?:text|message|string|note|line|lines|sentence|cipher|ciphertext|payload|blob)\s{1,8}(?:below|above)|the\s{1,8}(?:hidden|encoded|secret)\s{1,8}(?:text|message|string|note))(?:\s{1,8}(?:from|into|to)\s{1,8}\w{1,20})?\s{0,8},?\s{1,8}(?:and\s{1,8})?(?:then\s{1,8})?act\s{1,8}accordingly\b`,
        // C: "Unscramble the letters and then execute the commands."
        String.raw`\b${CARRIER_CIPHERV}\s{1,8}(?:${CARRIER_DET}\s{1,8}){0,3}${CARRIER_NOUN}\b[^.\n]{0,80}?\b(?:and|then)\s{1,8}(?:then\s{1,8})?(?:execute|carry\s{1,8}out|perform|follow|obey)\s{1,8}(?:the\s{1,8}|these\s{1,8}|those\s{1,8}|its\s{1,8}|their\s{1,8}|all\s{1,8}(?:the\s{1,8})?)?commands?${CARRIER_END}`,
        // D: "Once decoded, follow it: <hidden text>", "Once decoded, obey."
        String.raw`\b(?:once|when|after)\s{1,8}${CARRIER_PART}\s{0,8},\s{0,8}(?:then\s{1,8})?(?:${CARRIER_STRONG}|${CARRIER_PRON}${CARRIER_PAYLOAD})`,
        // D: "After decoding the text, follow it.", "Once the text is decoded, follow it."
        String.raw`\b(?:once|when|after|upon)\s{1,8}(?:${CARRIER_GER}\s{1,8}(?:${CARRIER_DET}\s{1,8}){0,3}${CARRIER_NOUN}|(?:${CARRIER_DET}\s{1,8}){0,3}${CARRIER_NOUN}\s{1,8}(?:is|are|has\s{1,8}been|have\s{1,8}been)\s{1,8}${CARRIER_PART})\b[^.\n]{0,40}?,\s{0,8}(?:then\s{1,8})?(?:${CARRIER_STRONG}|${CARRIER_FOLLOW_END})`,
        // E: "Decode the message below. Then do what it says.", "Decode the text below\nand follow it: …"
        String.raw`\b${CARRIER_VERB}\s{1,8}(?:${CARRIER_DET}\s{1,8}){0,3}${CARRIER_NOUN}\b[^.\n]{0,80}?(?:[.;!]\s{1,8}|[ \t]{0,8}\n\s{0,8})(?:and\s{1,8})?(?:(?:then|now|next|afterwards|after\s{1,8}that)\s{0,8},?\s{1,8})?(?:${CARRIER_STRONG}|${CARRIER_FOLLOW_END})`,
        // H: "Shift each letter back by 3 and follow it."
        String.raw`\b${CARRIER_SHIFT}[^.\n]{0,80}?\b(?:and|then)\s{1,8}(?:then\s{1,8})?(?:${CARRIER_STRONG}|${CARRIER_FOLLOW_END})`,
      ].join('|'),
      'giu',
    ),
    gates: [
      ['decod', 'decipher', 'decrypt', 'unscramble', 'deobfuscate', 'reverse', 'translate', 'rot13', 'rot-13', 'rot 13', 'base64', 'base-64', 'shift'],
      ['follow', 'obey', 'comply', 'execute', 'perform', 'carry', 'accordingly', 'say', 'tell', 'instruct'],
    ],
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

/** Words without which BARE_INTERNAL cannot match (each alternative spells one). */
const BARE_INTERNAL_HINTS = ['169.254.', 'metadata.google.internal', '127.', 'localhost:'];
const BARE_INTERNAL = /\b(?:169\.254\.\d{1,3}\.\d{1,3}|metadata\.google\.internal|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost:\d+)\b/giu;
/** Shortest run of base64 characters that is a blob; a hex run must be twice as long. */
const MIN_BLOB_RUN = 48;
const isBlobChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 95 || c === 45;

/**
 * Whether `text` holds MIN_BLOB_RUN base64 characters in a row: without such a run there is
 * neither a base64 nor a hex run (escaped text is looked for apart).
 * One pass, no pattern.
 */
function hasLongRun(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    if (!isBlobChar(text.charCodeAt(i))) run = 0;
    else if (++run >= MIN_BLOB_RUN) return true;
  }
  return false;
}

const isHexDigit = (c: number) => hexValue(c) >= 0;
const isWordChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/**
 * The longest runs of characters that pass `test`, at least `min` long, as [start, end). A loop:
 * `[A-Za-z0-9+/_-]{48,}` itself runs out of V8's backtracking stack on a run of a few million.
 */
function* runsOf(text: string, test: (c: number) => boolean, min: number): Generator<[number, number]> {
  for (let i = 0; i < text.length; i++) {
    if (!test(text.charCodeAt(i))) continue;
    const start = i;
    while (i < text.length && test(text.charCodeAt(i))) i++;
    if (i - start >= min) yield [start, i];
  }
}

/**
 * Base64 (or base64url) runs long enough to carry a hidden instruction, with up to two `=`
 * after: what /[A-Za-z0-9+/_-]{48,}={0,2}/gu finds.
 */
function* base64Runs(text: string): Generator<{ index: number; run: string }> {
  for (const [start, end] of runsOf(text, isBlobChar, MIN_BLOB_RUN)) {
    let stop = end;
    while (stop < end + 2 && text.charCodeAt(stop) === 0x3d) stop++;
    yield { index: start, run: text.slice(start, stop) };
  }
}

/**
 * Hex runs longer than a SHA-256 (so digests are not flagged), of even length, standing as a
 * word of their own: what /\b(?:[0-9a-fA-F]{2}){48,}\b/gu finds.
 */
function* hexRuns(text: string): Generator<{ index: number; run: string }> {
  for (const [start, end] of runsOf(text, isHexDigit, 2 * MIN_BLOB_RUN)) {
    if ((end - start) % 2 !== 0 || (start > 0 && isWordChar(text.charCodeAt(start - 1))) || isWordChar(text.charCodeAt(end))) continue;
    yield { index: start, run: text.slice(start, end) };
  }
}
const isOctal = (c: number) => c >= 0x30 && c <= 0x37;

/** Escapes in a row that make a run: twelve `\xHH` or `\ooo`, or four when one is a `\uHHHH` or `\u{H…}`. */
const MIN_HEX_ESCAPES = 12;
const MIN_UNICODE_ESCAPES = 4;

const hexValue = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1);

/**
 * Runs of escapes written out as text (`\x69\x67…`, `\151\147…`, `\u0069\u0067…`, `\u{69}…`): where each
 * starts and ends and the text it spells. A model reads them as the characters they stand for,
 * so what they spell is analysed too. One pass from backslash to backslash: linear, no pattern.
 */
function* escapeRuns(text: string, every = false): Generator<{ index: number; end: number; decoded: string }> {
  for (let i = text.indexOf('\\'); i !== -1; ) {
    let j = i;
    let count = 0;
    let unicode = false;
    const codes: number[] = [];
    for (;;) {
      if (text.charCodeAt(j) !== 0x5c) break;
      const form = text.charCodeAt(j + 1);
      if (form === 0x78) {
        const hi = hexValue(text.charCodeAt(j + 2));
        const lo = hexValue(text.charCodeAt(j + 3));
        if (hi < 0 || lo < 0) break;
        codes.push(hi * 16 + lo);
        j += 4;
      } else if (form >= 0x30 && form <= 0x33 && isOctal(text.charCodeAt(j + 2)) && isOctal(text.charCodeAt(j + 3))) {
        // \ooo: an octal byte (\000-\377), counted as \xHH is.
        codes.push((form - 0x30) * 64 + (text.charCodeAt(j + 2) - 0x30) * 8 + (text.charCodeAt(j + 3) - 0x30));
        j += 4;
      } else if (form === 0x75 && text.charCodeAt(j + 2) === 0x7b) {
        let k = j + 3;
        let code = 0;
        while (k < j + 9 && hexValue(text.charCodeAt(k)) >= 0) code = code * 16 + hexValue(text.charCodeAt(k++));
        if (k === j + 3 || text.charCodeAt(k) !== 0x7d) break;
        if (code > 0x10ffff) codes.push(0xfffd);
        else if (code > 0xffff) codes.push(0xd800 + ((code - 0x10000) >> 10), 0xdc00 + ((code - 0x10000) & 0x3ff));
        else codes.push(code);
        unicode = true;
        j = k + 1;
      } else if (form === 0x75) {
        let code = 0;
        for (let k = j + 2; k < j + 6 && code >= 0; k++) {
          const digit = hexValue(text.charCodeAt(k));
          code = digit < 0 ? -1 : code * 16 + digit;
        }
        if (code < 0) break;
        codes.push(code);
        unicode = true;
        j += 6;
      } else break;
      count++;
    }
    if (every ? count > 0 : count >= MIN_HEX_ESCAPES || (unicode && count >= MIN_UNICODE_ESCAPES)) {
      let decoded = '';
      for (let k = 0; k < codes.length; k += 8192) decoded += String.fromCharCode(...codes.slice(k, k + 8192));
      yield { index: i, end: j, decoded };
    }
    i = text.indexOf('\\', j > i ? j : i + 1);
  }
}

/** `%HH` in a row that make a run (URL encoding): as many as `\xHH` escapes. */
const MIN_PERCENT_ESCAPES = 12;
/** HTML numeric character references in a row that make a run (`&#x69;&#103;…`). */
const MIN_ENTITIES = 6;

/**
 * Runs of URL encoding (`%69%67…`, decoded as UTF-8) and of HTML numeric character references
 * (`&#x69;&#103;…`) written out as text: where each starts and ends and the text it spells. A
 * model decodes them as easily as `\x` escapes. With `every` (decoding in place), runs of any
 * length, and references without their `;`. One pass from `%` or `&` to the next: linear.
 */
function* entityRuns(text: string, every = false): Generator<{ index: number; end: number; decoded: string }> {
  // The next `%` and `&#` are each searched for again only once passed: a text holding only one
  // of them is not searched to its end for the other at every step.
  let percentAt = -2;
  let entityAt = -2;
  const nextStart = (from: number): number => {
    if (percentAt !== -1 && percentAt < from) percentAt = text.indexOf('%', from);
    if (entityAt !== -1 && entityAt < from) entityAt = text.indexOf('&#', from);
    return percentAt === -1 ? entityAt : entityAt === -1 ? percentAt : Math.min(percentAt, entityAt);
  };
  for (let i = nextStart(0); i !== -1; ) {
    let j = i;
    let count = 0;
    const codes: number[] = [];
    const percent = text.charCodeAt(i) === 0x25;
    for (;;) {
      if (percent) {
        if (text.charCodeAt(j) !== 0x25) break;
        const hi = hexValue(text.charCodeAt(j + 1));
        const lo = hexValue(text.charCodeAt(j + 2));
        if (hi < 0 || lo < 0) break;
        codes.push(hi * 16 + lo);
        j += 3;
      } else {
        if (text.charCodeAt(j) !== 0x26 || text.charCodeAt(j + 1) !== 0x23) break;
        const hex = text.charCodeAt(j + 2) === 0x78 || text.charCodeAt(j + 2) === 0x58;
        let k = hex ? j + 3 : j + 2;
        let code = 0;
        const digitsEnd = k + (hex ? 6 : 7);
        for (; k < digitsEnd; k++) {
          const c = text.charCodeAt(k);
          const digit = hex ? hexValue(c) : c >= 0x30 && c <= 0x39 ? c - 0x30 : -1;
          if (digit < 0) break;
          code = code * (hex ? 16 : 10) + digit;
        }
        // Decoded in place, the `;` may be missing, as HTML reads it (`&#73gnore`, `&#x49&#x67`: a
        // parse error, not a stop); a run of references needs it.
        const semicolon = text.charCodeAt(k) === 0x3b;
        if (k === (hex ? j + 3 : j + 2) || (!semicolon && !every)) break;
        if (code > 0x10ffff) codes.push(0xfffd);
        else if (code > 0xffff) codes.push(0xd800 + ((code - 0x10000) >> 10), 0xdc00 + ((code - 0x10000) & 0x3ff));
        else codes.push(code);
        j = semicolon ? k + 1 : k;
      }
      count++;
    }
    if (every ? count > 0 : count >= (percent ? MIN_PERCENT_ESCAPES : MIN_ENTITIES)) {
      let decoded = '';
      if (percent) decoded = Buffer.from(codes).toString('utf8');
      else for (let k = 0; k < codes.length; k += 8192) decoded += String.fromCharCode(...codes.slice(k, k + 8192));
      yield { index: i, end: j, decoded };
    }
    i = nextStart(j > i ? j : i + 1);
  }
}

/** Rounds of decoding in place: double and triple encoding (`%2549` → `%49` → `I`) are read; a fourth would change nothing a client does. */
const DECODING_ROUNDS = 3;

/**
 * `text` with every escape, URL encoding and character reference decoded in place, runs of any
 * length (escapeRuns and entityRuns with `every`), and form encoding's `+` as a space
 * (formSpaces), again while a round leaves new ones (double encoding: `%2549`, `ignore%2520all`),
 * at most DECODING_ROUNDS times; undefined when it has none. Words encoded one at a time between plain spaces, or one encoded word in a plain
 * sentence, spell what only the whole says. Linear: each round is one pass of each scanner and
 * one splice, over a text no longer than the last.
 */
function decodedInPlace(text: string): string | undefined {
  let out: string | undefined;
  for (let round = 0; round < DECODING_ROUNDS; round++) {
    const next = decodedOnce(out ?? text);
    if (next === undefined) break;
    out = next;
  }
  return out;
}

/**
 * `&amp;` (any case, any number of times) before `#`: an HTML-encoded `&` of a numeric reference
 * (`&amp;#73;`, `&amp;amp;#73;`: double HTML encoding), read as `&#`. At each `&`, one pass over
 * the `amp;` after it (owned by that `&` alone): linear.
 */
const AMP_HASH = /&(?:amp;)+#/giu;

/** Whether a `+` next to `c` may be form encoding's space: `c` is neither white space (nor a control) nor `+` (NaN past either end: no). */
const isFormNeighbour = (c: number): boolean => c > 32 && c !== 43;

/**
 * `text` with each `+` between two characters that are neither white space nor `+` read as a
 * space (form encoding, application/x-www-form-urlencoded: `Ignore+all+previous+instructions`),
 * or undefined when it has none; "C++", "a + b" and a `+` at either end are kept ("a+b" and
 * "Ctrl+C" read as "a b" and "Ctrl C": a reading adds only what it says that the text does not).
 * One pass from `+` to `+`: linear.
 */
function formSpaces(text: string): string | undefined {
  let at = text.indexOf('+');
  if (at < 0) return undefined;
  let out = '';
  let start = 0;
  for (; at >= 0; at = text.indexOf('+', at + 1)) {
    if (!isFormNeighbour(text.charCodeAt(at - 1)) || !isFormNeighbour(text.charCodeAt(at + 1))) continue;
    out += `${text.slice(start, at)} `;
    start = at + 1;
  }
  return start === 0 ? undefined : out + text.slice(start);
}

/** One round of decodedInPlace: undefined when `text` holds nothing to decode. */
function decodedOnce(input: string): string | undefined {
  const form = formSpaces(input) ?? input;
  const text = form.includes('&') ? form.replace(AMP_HASH, '&#') : form;
  const runs = [...(text.includes('\\') ? escapeRuns(text, true) : []), ...(text.includes('%') || text.includes('&#') ? entityRuns(text, true) : [])];
  if (runs.length === 0) return text === input ? undefined : text;
  // The two scanners start at different characters (`\`, and `%` or `&#`): their runs never overlap.
  runs.sort((a, b) => a.index - b.index);
  let out = '';
  let at = 0;
  for (const run of runs) {
    out += text.slice(at, run.index) + run.decoded;
    at = run.end;
  }
  return out + text.slice(at);
}

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
  'unanalysed-text': 'texts not analysed',
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

/**
 * Text with invisible and bidi characters removed and compatibility forms folded (NFKC), for
 * pattern matching. Runs of combining marks are cut first (capMarkRuns: NFKC is quadratic in a
 * long one); `onCut` hears of it, with the number of marks cut and where the first long run is.
 */
function foldForMatching(text: string, onCut?: (cut: number, index: number) => void): string {
  if (isPlainText(text)) return text;
  const visible = text.replace(INVISIBLE, '').replace(TAG_CHAR, '').replace(BIDI, '');
  const capped = capMarkRuns(visible);
  if (capped.cut > 0) onCut?.(capped.cut, Math.max(0, longMarkRunAt(text)));
  return capped.text.normalize('NFKC');
}

/** The runs of tag characters in `text`: where each starts and the ASCII it spells. A loop over code units: linear, no stack. */
function* tagRuns(text: string): Generator<{ index: number; hidden: string }> {
  const isTag = (i: number) => text.charCodeAt(i) === 0xdb40 && (text.charCodeAt(i + 1) & 0xff80) === 0xdc00;
  for (let i = text.indexOf('\udb40'); i !== -1 && i < text.length; i = text.indexOf('\udb40', i)) {
    if (!isTag(i)) {
      i++;
      continue;
    }
    const start = i;
    const codes: number[] = [];
    for (; isTag(i); i += 2) codes.push(text.charCodeAt(i + 1) - 0xdc00);
    let hidden = '';
    for (let k = 0; k < codes.length; k += 8192) hidden += String.fromCharCode(...codes.slice(k, k + 8192));
    yield { index: start, hidden };
  }
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
    return decodePrintable(Buffer.from(run.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * What a base64 run decodes to (decodeBase64), or when that is no text, what it decodes to in
 * rot13 or reversed (without its `=`), with a label saying which; undefined text for none. At
 * most three decodings of the run: linear.
 */
function decipheredBase64(run: string): [string, string | undefined] {
  const decoded = decodeBase64(run);
  if (decoded !== undefined) return ['base64', decoded];
  const rotated = decodeBase64(rot13(run));
  if (rotated !== undefined) return ['rot13 base64', rotated];
  return ['reversed base64', decodeBase64(reversed(run.replace(/=+$/u, '')))];
}

/** `text` when it is mostly printable (only such decoded text can carry a hidden instruction). */
function decodePrintable(text: string): string | undefined {
  const printableChars = text.replace(/[^\x20-\x7e\n]/g, '').length;
  return printableChars >= text.length * 0.9 ? text : undefined;
}

const NO_TEXT_SIGNALS: readonly TextSignal[] = Object.freeze([]);

/**
 * Words of the MTF description check's own phrases (src/mtf/declarations.ts SPEC_PHRASES): the
 * first gate of each phrase, so that a text quietText passes matches none of them either
 * (tests/mtf/phrase-gates.test.ts proves each phrase's first gate is in this list).
 */
export const SPEC_PHRASE_WORDS: readonly string[] = ['content', '\\', 'disregard', 'exfiltrat', 'transmit', 'send', 'post', 'upload', 'forward', 'leak', 'submit', 'report', 'copy', '.ssh', 'id_', '/etc/', '.aws', '.netrc', '.npmrc', '.pgpass', '.kube', '.docker', '.gnupg'];

/** Every word a signal needs, as written (TRIGGER_WORDS adds the cipher spellings of some). */
const PLAIN_TRIGGER_WORDS: readonly string[] = [
  ...new Set([...INSTRUCTION_RULES.map((r) => r.gates[0]!).flat(), ...SENSITIVE_PATH_HINTS, '/', 'www.', ...BARE_INTERNAL_HINTS, '\\', '%', '&#', 'amp;#', '#&', ...SPEC_PHRASE_WORDS]),
];
const hasLetter = (w: string) => /[a-z]/i.test(w);
/**
 * The words a text deciphered must hold for the analysis to find something of medium or worse
 * in it: every word of PLAIN_TRIGGER_WORDS with a letter in it (one without letters reads the
 * same in rot13 and word by word, so the text as written holds it too), the two address
 * prefixes that read differently backwards ("127.", "169.254."), and the words of what "/" and
 * "<" alone would wake: a URL's scheme and host ("http", "localhost") and the tags and chat
 * template tokens a model reads as its own ("<important>", "<system>", "<|im_start|>", "<<SYS>>"). A text in a cipher wakes the analysis of its
 * deciphered forms when it holds one of these as the cipher spells it (CIPHER_WORDS, and
 * backwards, CIPHER_BACKWARD_WORDS). Exported for the tests and the reference analysis.
 */
export const CIPHER_PLAIN_WORDS: readonly string[] = Object.freeze([
  ...new Set([...PLAIN_TRIGGER_WORDS.filter(hasLetter), '127.', '169.254.', 'http', 'localhost', 'important', 'admin', 'hidden', 'system', 'secret', 'instruction', 'im_start', 'im_end', 'sys']),
]);
/** The letters of `text` rotated by 13 (ASCII only; every other character kept): rot13 is its own inverse. */
export function rot13(text: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const base = c >= 97 && c <= 122 ? 97 : c >= 65 && c <= 90 ? 65 : -1;
    if (base < 0) continue;
    out += text.slice(start, i) + String.fromCharCode(((c - base + 13) % 26) + base);
    start = i + 1;
  }
  return out + text.slice(start);
}
/** `text` backwards, by code point. */
export function reversed(text: string): string {
  return Array.from(text).reverse().join('');
}
/** A hex digit as rot13 writes it: 0–9, a–f, and n–s (a–f rotated), either case. */
const isRotatedHex = (c: number): boolean => isHexDigit(c) || isRotatedHexLetter(c);
const isRotatedHexLetter = (c: number): boolean => (c >= 0x6e && c <= 0x73) || (c >= 0x4e && c <= 0x53);

/**
 * Whether `text` holds an encoding as rot13 writes it, which wakes no cipher word when every
 * letter is encoded: two `%HH` in a row with a hex letter rotated (`%6r%6s`: a–f become n–s), a
 * `\xHH` escape as `\kHH`, a `&#xHH` reference as `&#kH`. One pass from `%`, `\` and `&` each: linear.
 */
function rot13Encoded(text: string): boolean {
  for (let i = text.indexOf('%'); i >= 0; i = text.indexOf('%', i + 1)) {
    if (text.charCodeAt(i + 3) !== 0x25) continue;
    const a = text.charCodeAt(i + 1);
    const b = text.charCodeAt(i + 2);
    const c = text.charCodeAt(i + 4);
    const d = text.charCodeAt(i + 5);
    if (isRotatedHex(a) && isRotatedHex(b) && isRotatedHex(c) && isRotatedHex(d) && (isRotatedHexLetter(a) || isRotatedHexLetter(b) || isRotatedHexLetter(c) || isRotatedHexLetter(d))) return true;
  }
  for (let i = text.indexOf('\\'); i >= 0; i = text.indexOf('\\', i + 1)) {
    if ((text.charCodeAt(i + 1) | 0x20) === 0x6b && isRotatedHex(text.charCodeAt(i + 2)) && isRotatedHex(text.charCodeAt(i + 3))) return true;
  }
  for (let i = text.indexOf('&#'); i >= 0; i = text.indexOf('&#', i + 2)) {
    if ((text.charCodeAt(i + 2) | 0x20) === 0x6b && isRotatedHex(text.charCodeAt(i + 3))) return true;
  }
  // Double URL encoding (`%256r%256s`: two `%25HH` in a row, a hex letter rotated).
  for (let i = text.indexOf('%25'); i >= 0; i = text.indexOf('%25', i + 1)) {
    if (text.charCodeAt(i + 5) !== 0x25 || text.charCodeAt(i + 6) !== 0x32 || text.charCodeAt(i + 7) !== 0x35) continue;
    const a = text.charCodeAt(i + 3);
    const b = text.charCodeAt(i + 4);
    const c = text.charCodeAt(i + 8);
    const d = text.charCodeAt(i + 9);
    if (isRotatedHex(a) && isRotatedHex(b) && isRotatedHex(c) && isRotatedHex(d) && (isRotatedHexLetter(a) || isRotatedHexLetter(b) || isRotatedHexLetter(c) || isRotatedHexLetter(d))) return true;
  }
  return false;
}

/**
 * Whether `text` holds a hex run (hexRuns' length) as rot13 writes it: digits and n–s only (a–f
 * rotated), a letter among them. Only a text with a long run (hasLongRun) can. One pass: linear.
 */
function rot13HexRun(text: string): boolean {
  for (const [start, end] of runsOf(text, isRotatedHexRunChar, 2 * MIN_BLOB_RUN)) {
    for (let k = start; k < end; k++) if (isRotatedHexLetter(text.charCodeAt(k))) return true;
  }
  return false;
}
/** A character of a hex run in rot13: a digit, or n–s (a–f rotated), either case. */
const isRotatedHexRunChar = (c: number): boolean => isDecimal(c) || isRotatedHexLetter(c);

/**
 * Whether `text` holds an encoding written backwards, which wakes no cipher word when every
 * letter is encoded: two `HH%` in a row after neither a hex digit nor `%` (`56%27%`: a forward
 * run `%3A%2F` has a `%` before its first code), two `HHx\` in a row (`94x\56x\`), an HTML
 * reference (`;37#&`, `;94x#&`). One pass from `%`, `\` and `#&` each: linear.
 */
function reversedEncoded(text: string): boolean {
  for (let i = text.indexOf('%', 5); i >= 0; i = text.indexOf('%', i + 1)) {
    if (text.charCodeAt(i - 3) !== 0x25 || !isHexDigit(text.charCodeAt(i - 1)) || !isHexDigit(text.charCodeAt(i - 2)) || !isHexDigit(text.charCodeAt(i - 4)) || !isHexDigit(text.charCodeAt(i - 5))) continue;
    const before = text.charCodeAt(i - 6);
    if (!isHexDigit(before) && before !== 0x25) return true;
  }
  for (let i = text.indexOf('\\', 7); i >= 0; i = text.indexOf('\\', i + 1)) {
    if (text.charCodeAt(i - 4) !== 0x5c || (text.charCodeAt(i - 1) | 0x20) !== 0x78 || (text.charCodeAt(i - 5) | 0x20) !== 0x78) continue;
    if (isHexDigit(text.charCodeAt(i - 2)) && isHexDigit(text.charCodeAt(i - 3)) && isHexDigit(text.charCodeAt(i - 6)) && isHexDigit(text.charCodeAt(i - 7))) return true;
  }
  // Two `\uHHHH` escapes written backwards (`9400u\7600u\`).
  for (let i = text.indexOf('\\', 11); i >= 0; i = text.indexOf('\\', i + 1)) {
    if (text.charCodeAt(i - 6) !== 0x5c || (text.charCodeAt(i - 1) | 0x20) !== 0x75 || (text.charCodeAt(i - 7) | 0x20) !== 0x75) continue;
    let hex = true;
    for (const k of [2, 3, 4, 5, 8, 9, 10, 11]) hex &&= isHexDigit(text.charCodeAt(i - k));
    if (hex) return true;
  }
  // `;` then up to seven digits, or up to six hex digits and `x`, then `#&`: at most eight steps back from each `#&`.
  for (let i = text.indexOf('#&'); i >= 0; i = text.indexOf('#&', i + 2)) {
    const hex = (text.charCodeAt(i - 1) | 0x20) === 0x78;
    const last = hex ? i - 2 : i - 1;
    let k = last;
    while (k > last - (hex ? 6 : 7) && (hex ? isHexDigit(text.charCodeAt(k)) : isDecimal(text.charCodeAt(k)))) k--;
    if (k < last && text.charCodeAt(k) === 0x3b) return true;
  }
  return false;
}
const isDecimal = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** `text` reversed and in rot13 (its own inverse: the two commute). */
const reversedRot13 = (text: string): string => reversed(rot13(text));
/** `text` with each word reversed and in rot13 (its own inverse). */
const wordsReversedRot13 = (text: string): string => wordsReversed(rot13(text));
/** Each run of ASCII letters of `text` backwards, in place ("erongi suoiverp" → "ignore previous"). */
export function wordsReversed(text: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) continue;
    // [start, i) is a run of letters (maybe empty), then the character at i.
    let run = '';
    for (let j = i - 1; j >= start; j--) run += text[j];
    out += run + (i < text.length ? text[i] : '');
    start = i + 1;
  }
  return out;
}
// rot13 keeps word boundaries and case: a word at the start of a word of the rot13 text is its
// rot13 at the start of a word of the text. Reversed, a word at the start of a word of the text
// read backwards ends a word of the text (AsciiWordSet's backward words); read a word at a time,
// a word of letters alone ends a run of letters the same way, and a word with other characters
// (".ssh", "/etc/", "id_") is spelled with each of its runs of letters reversed.
const ROT13_WORDS: readonly string[] = CIPHER_PLAIN_WORDS.filter(hasLetter).map(rot13);
const WORD_REVERSED_WORDS: readonly string[] = CIPHER_PLAIN_WORDS.filter((w) => hasLetter(w) && /[^a-z]/i.test(w) && wordsReversed(w) !== w).map(wordsReversed);
/**
 * The words of CIPHER_PLAIN_WORDS that wake the reading of two ciphers in a row, rot13 and a
 * reversal (they commute: the text reversed shows the rot13 of such a word backwards). Left out
 * are the words whose rot13 read backwards ends many English words ("report" is `gebcre` backwards,
 * ending like "are"; "login", `avtby`, like "by"; "ssh", `uff`, like "diff"): the trigger scan
 * would try their bucket at most ends of words, for a reading that needs only one word to wake
 * it ("ignore", "instruction", "secret", "important", "not"… stay). Reversed a word at a time,
 * then rotated, a word with other characters than letters (`.uff` for `.ssh`) is not looked for
 * either. Exported for the reference analysis.
 */
export const CIPHER_ROT13_REVERSED_WORDS: readonly string[] = Object.freeze(
  CIPHER_PLAIN_WORDS.filter(
    (w) =>
      hasLetter(w) &&
      !['report', 'another', 'upload', 'leak', 'environment', 'rather', 'login', 'localhost', 'localhost:', 'obey', 'password', 'chat', 'prompt', 'prior', 'previous', 'private', 'ssh', 'after', 'this', 'credentials', 'credential', 'override', 'bypass', 'post', 'before', 'system', 'sys', 'needs', 'never', 'should', 'shall'].includes(w),
  ),
);
const ROT13_BACKWARD_WORDS: readonly string[] = CIPHER_ROT13_REVERSED_WORDS.map(rot13);
/**
 * The words of CIPHER_PLAIN_WORDS with other characters than letters (".ssh", "id_", "/etc/") as
 * rot13 of the text reversed a word at a time spells them (".uff", "qv_", "/pgr/"): found forward,
 * as the letter-only words' rot13 is. Rare spellings, so unlike a letter word reversed and rotated
 * (CIPHER_ROT13_REVERSED_WORDS) they cost the trigger scan nothing.
 */
const ROT13_WORD_REVERSED_WORDS: readonly string[] = [...new Set(CIPHER_PLAIN_WORDS.filter((w) => hasLetter(w) && /[^a-z]/i.test(w)).map((w) => rot13(wordsReversed(w))))];
const ROT13_WORD_REVERSED_TRIGGER = new AsciiWordSet(ROT13_WORD_REVERSED_WORDS);
/** The words of CIPHER_PLAIN_WORDS as rot13 and reversal word by word spell them: found as TRIGGER_WORDS are. */
export const CIPHER_WORDS: readonly string[] = Object.freeze([...new Set([...ROT13_WORDS, ...WORD_REVERSED_WORDS, ...ROT13_WORD_REVERSED_WORDS])]);
/** Found backwards (AsciiWordSet): CIPHER_PLAIN_WORDS as the text reversed (whole or a word at a time) spells them, and CIPHER_ROT13_REVERSED_WORDS as it spells them in rot13 too. */
export const CIPHER_BACKWARD_WORDS: readonly string[] = Object.freeze([...new Set([...CIPHER_PLAIN_WORDS, ...ROT13_BACKWARD_WORDS])]);
const REVERSED_TRIGGER = new AsciiWordSet(WORD_REVERSED_WORDS, CIPHER_PLAIN_WORDS);
const ROT13_TRIGGER = new AsciiWordSet(ROT13_WORDS);
const ROT13_REVERSED_TRIGGER = new AsciiWordSet([], ROT13_BACKWARD_WORDS);

// A cipher word among plain ones: the words of CIPHER_PLAIN_WORDS of letters alone, as rot13
// spells them at the start of a run of letters, and as the run reversed spells them at its end
// (reversed and rotated: those of CIPHER_ROT13_REVERSED_WORDS). A subset of the trigger sets
// above: a text none of them wakes has no such word.
const LETTER_WORDS: readonly string[] = CIPHER_PLAIN_WORDS.filter((w) => /^[a-z]+$/i.test(w));
const WORD_ROT13 = new AsciiWordSet(LETTER_WORDS.map(rot13));
const WORD_BACKWARD = new AsciiWordSet([], LETTER_WORDS);
const WORD_ROT13_BACKWARD = new AsciiWordSet([], LETTER_WORDS.filter((w) => CIPHER_ROT13_REVERSED_WORDS.includes(w)).map(rot13));

/**
 * The small words an instruction is written with between its trigger words ("ignore ALL
 * previous", "send THE file TO"), deciphered among cipher words too: "Vtaber nyy cerivbhf
 * instructions" reads "Ignore all previous instructions" only with "nyy" read as "all". Only in a
 * text a cipher word wakes (a filler alone wakes nothing: looking for the fillers in every text
 * cost ~7% of the analysis of README paragraphs, for a text a model reads with a garbled word). Only
 * words of three letters or more, and only cipher forms no text of the installed packages' READMEs
 * and sources uses as a word (CIPHER_FILLER_LOOKALIKES leaves out "dna", "won", "era"…): a filler
 * form in honest text is a made-up word. Exported for the reference analysis.
 */
export const CIPHER_FILLER_WORDS: readonly string[] = Object.freeze(['all', 'any', 'the', 'your', 'you', 'and', 'then', 'its', 'what', 'every', 'each', 'also', 'always', 'first', 'now', 'from', 'with', 'into', 'about', 'them', 'are', 'were', 'have', 'been', 'told', 'said', 'above', 'earlier', 'tell', 'let', 'know', 'see']);
/** Cipher forms of CIPHER_FILLER_WORDS that are words or abbreviations of honest text: never deciphered. */
export const CIPHER_FILLER_LOOKALIKES: readonly string[] = Object.freeze(['lla', 'nal', 'yna', 'lan', 'hbl', 'dna', 'sti', 'jung', 'won', 'era', 'ren', 'tel', 'ees']);
/** Each cipher form of a filler word (lower case), and which (1 rot13, 2 reversed, 3 reversed and rotated; rot13 first). */
const FILLER_FORMS: ReadonlyMap<string, number> = (() => {
  const forms = new Map<string, number>();
  for (const [form, cipher] of [[1, rot13], [2, reversed], [3, reversedRot13]] as const)
    for (const w of CIPHER_FILLER_WORDS) {
      const c = cipher(w);
      if (c !== w && !forms.has(c) && !CIPHER_FILLER_LOOKALIKES.includes(c)) forms.set(c, form);
    }
  return forms;
})();

/**
 * `text` with each run of ASCII letters that is a cipher of a word of CIPHER_PLAIN_WORDS (of
 * letters alone) or of CIPHER_FILLER_WORDS deciphered in place: rot13 when it starts as rot13 spells one, else reversed when
 * it ends as one reversed, else reversed and rotated ("Ignore all previous vafgehpgvbaf",
 * "Vtaber all suoiverp instructions"); undefined when there is none. A cipher mixed into a plain
 * sentence word by word is whole in no reading of the whole text. One pass over the runs, a
 * bounded test at each end of each: linear.
 */
function cipherWordsDeciphered(text: string): string | undefined {
  let out = '';
  let start = 0;
  const n = text.length;
  for (let i = 0; i < n; ) {
    if (!isLetter(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const first = i;
    while (i < n && isLetter(text.charCodeAt(i))) i++;
    let form = WORD_ROT13.startsAt(text, first) ? 1 : WORD_BACKWARD.endsAt(text, i - 1) ? 2 : WORD_ROT13_BACKWARD.endsAt(text, i - 1) ? 3 : 0;
    // A filler word: the whole run, at the start of a word.
    if (form === 0 && i - first >= 3 && i - first <= 7 && (first === 0 || !isWordChar(text.charCodeAt(first - 1)))) form = FILLER_FORMS.get(text.slice(first, i).toLowerCase()) ?? 0;
    if (form === 0) continue;
    const run = text.slice(first, i);
    out += text.slice(start, first) + (form === 1 ? rot13(run) : form === 2 ? reversed(run) : rot13(reversed(run)));
    start = i;
  }
  return start === 0 ? undefined : out + text.slice(start);
}

/**
 * Every word a signal needs: the first gate of every instruction rule, the sensitive-path, URL
 * and internal-address words, a backslash (escaped text), `%`, `&#`, `amp;#` and `#&` (URL encoding
 * and HTML character references, `&amp;#…` their double encoding, `;37#&` one reversed),
 * SPEC_PHRASE_WORDS, and CIPHER_WORDS (quietText also looks for
 * CIPHER_BACKWARD_WORDS backwards). quietText looks for them case-insensitively, and for a word that starts with a letter or digit at the start of
 * a word only ("not" in "do not", never in "annotations"): each pattern spells such a word after
 * `\b` or white space. Exported for the tests, which compare quietText's scanner with the
 * regular expression of these words (tests/safety/ascii-scan.test.ts).
 */
export const TRIGGER_WORDS: readonly string[] = Object.freeze([...new Set([...PLAIN_TRIGGER_WORDS, ...CIPHER_WORDS])]);
/**
 * TRIGGER_WORDS as a hand-written scanner rather than one alternation: the same answers, without
 * the milliseconds V8 spends compiling a case-insensitive alternation of all of them on its first use (on a
 * small lockfile, a visible share of a whole command). Applied only to printable ASCII, where its
 * ASCII case folding and word boundary are exactly what the patterns mean. Linear.
 */
const TRIGGER = new AsciiWordSet(TRIGGER_WORDS, CIPHER_BACKWARD_WORDS);

/**
 * True when `text` is printable ASCII (with ordinary white space) in which no rule of
 * scanText and no MTF description phrase can match: no word any of them needs, no run of
 * base64 characters long enough for a blob. scanText of such a text is empty. One pass each for
 * the characters, the words (a fixed word set) and the runs, with no pattern to compile: linear,
 * and cheap enough to run per text from the first call.
 */
export function quietText(text: string): boolean {
  if (text.length === 0) return true;
  if (!isPlainText(text) || TRIGGER.test(text) || hasLongRun(text)) return false;
  // Respelled (leetspeak, letters spaced out), it may hold a word the analysis needs.
  if (!mayRespell(text)) return true;
  const respelling = respell(text);
  if (respelling !== undefined && TRIGGER.test(respelling)) return false;
  // Decoded in place, a text with no trigger word is only its form encoding read (a `+` for a
  // space: no trigger word holds a space or a `+`, so it makes none); respelled, it may spell one
  // ("i+g+n+o+r+e": mayRespell counts a `+` between single letters as the space it reads as).
  const form = text.includes('+') ? formSpaces(text) : undefined;
  const formRespelling = form === undefined ? undefined : respelled(form);
  return formRespelling === undefined || !TRIGGER.test(formRespelling);
}

/**
 * Whether respelled would change `text`: a word of ASCII letters and digits (LEET_WORD) with a
 * letter and a leetspeak digit in it, or single letters in a row as SPACED_LETTERS reads them (a
 * `+` between them counting as a space, as form encoding reads it; then respelled may change
 * nothing). One pass, no pattern, nothing allocated: the common answer, no, costs
 * a loop over the characters.
 */
function mayRespell(text: string): boolean {
  // Per word: its start, and what it holds (1: a letter, 2: a leetspeak digit; ORed).
  let start = -1;
  let holds = 0;
  // Single letters in a row so far, and where the last one was.
  let singles = 0;
  let lastSingle = -3;
  // The separator the run of single letters goes on with (one for the whole run).
  let chainSep = 0;
  const n = text.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 0;
    const kind = c < 128 ? RESPELL_CLASS[c]! : 0;
    if (kind !== 0) {
      if (start < 0) start = i;
      holds |= kind;
      continue;
    }
    if (start < 0) continue;
    // A word [start, i) ends here.
    if ((holds & 3) === 3) return true;
    if (i - start === 1 && (holds & 1) === 1) {
      // A `+` counts as a space (form encoding reads it as one: quietText's form reading).
      const before = start > 0 ? text.charCodeAt(start - 1) : 0;
      const sep = before === 43 ? 32 : before;
      const chained = lastSingle === start - 2 && (singles === 1 || sep === chainSep) && (sep === 32 || sep === 46 || sep === 95 || sep === 42 || sep === 45);
      singles = chained ? singles + 1 : 1;
      chainSep = sep;
      if (singles >= (sep === 32 ? 3 : 2) && chained) return true;
      lastSingle = start;
    } else singles = 0;
    start = -1;
    holds = 0;
  }
  return false;
}
/** Per ASCII character: 1 a letter, 2 a leetspeak digit (0 1 3 4 5 7), 4 another digit, 0 neither. */
const RESPELL_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) RESPELL_CLASS[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) ? 1 : '013457'.includes(String.fromCharCode(c)) ? 2 : c >= 48 && c <= 57 ? 4 : 0;

/** Leetspeak digits and the letters they stand for (1gn0r3 → ignore). */
const LEET: Readonly<Record<string, string>> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't' };
/** A word of ASCII letters and digits with a letter in it and a leetspeak digit in it. */
const LEET_WORD = /[A-Za-z0-9]+/g;
/**
 * Single letters in a row, each after the same one of a dot, hyphen, underscore or asterisk (two
 * or more: "d-o", "I.g.n.o.r.e"), or after one space (three or more: "i g n o r e").
 */
const SPACED_LETTERS = /(?<![A-Za-z0-9])[A-Za-z](?:([._*-])[A-Za-z](?![A-Za-z0-9])(?:\1[A-Za-z](?![A-Za-z0-9]))*|( )[A-Za-z](?![A-Za-z0-9])(?:\2[A-Za-z](?![A-Za-z0-9]))+)/g;

/**
 * `text` respelled as a model reads it: leetspeak digits inside a word of letters as the letters
 * they stand for ("1gn0r3 4ll pr3v10us" → "ignore all previous") and letters spaced out by one
 * space, dot, hyphen, underscore or asterisk joined ("i g n o r e", "p.r.e.v.i.o.u.s"); undefined
 * when that changes nothing. Linear: each word is read a fixed number of times, and each run of
 * spaced letters is matched in one pass (every step of the pattern consumes two characters).
 */
export function respelled(text: string): string | undefined {
  return mayRespell(text) ? respell(text) : undefined;
}

/** respelled, once mayRespell has said yes. */
function respell(text: string): string | undefined {
  let out = text;
  if (/[013457]/.test(text)) out = out.replace(LEET_WORD, (word) => (/[A-Za-z]/.test(word) && /[013457]/.test(word) ? word.replace(/[013457]/g, (d) => LEET[d]!) : word));
  out = out.replace(SPACED_LETTERS, (run) => run.replace(/[ ._*-]/g, ''));
  return out === text ? undefined : out;
}

// Verdicts of quietDefinition, per definition object: the policy input and the MTF description
// check ask about the same lockfile objects, so the walk runs once per definition.
const QUIET_DEFINITIONS = new WeakMap<object, boolean>();

/**
 * True when every string (quietText) and every object key (quietText, and printable ASCII, as
 * a property name is read as a name) of `value`, at any depth, is quiet: then scanText finds
 * nothing in any text of it, nor do the MTF phrases. False for a value of more than
 * MAX_READABLE_NODES nodes (its walks would be incomplete: a finding the callers must make), and
 * for anything but plain JSON. The verdict is kept per object (lockfile objects are never
 * changed after parsing). Linear in the value.
 */
export function quietDefinition(value: object): boolean {
  let verdict = QUIET_DEFINITIONS.get(value);
  if (verdict === undefined) {
    verdict = quietValue(value);
    QUIET_DEFINITIONS.set(value, verdict);
  }
  return verdict;
}

// Keys and short values ("type", "string", "properties"…) repeat across the definitions of a
// lockfile: their verdicts are kept (bounded), so each distinct one is tested once.
const SHORT_TEXT = 40;
const QUIET_KEYS = new Map<string, boolean>();
const QUIET_VALUES = new Map<string, boolean>();

/** quietText, and for a key printable ASCII too; remembered for short texts (keys of any length are remembered: few distinct). */
function quietShort(text: string, key: boolean): boolean {
  const cache = key ? QUIET_KEYS : QUIET_VALUES;
  let verdict = cache.get(text);
  if (verdict === undefined) {
    // A key is read as text (scanText, the MTF phrases) and, as a property name, as a name.
    verdict = quietText(text) && (!key || quietName(text));
    if (text.length <= 1024) {
      if (cache.size >= 10_000) cache.clear();
      cache.set(text, verdict);
    }
  }
  return verdict;
}

function quietValue(value: unknown): boolean {
  let budget = MAX_READABLE_NODES;
  const stack: unknown[] = [value];
  // Values of a `required` member (and of arrays in it): a schema's property names, read as
  // names (readableTexts).
  const named: unknown[] = [];
  while (stack.length > 0 || named.length > 0) {
    if (--budget < 0) return false;
    if (named.length > 0) {
      const node = named.pop();
      if (typeof node === 'string') {
        if (!quietShort(node, true)) return false;
      } else if (Array.isArray(node)) {
        for (let i = 0; i < node.length; i++) named.push(node[i]);
      } else {
        stack.push(node);
      }
      continue;
    }
    const node = stack.pop();
    if (typeof node === 'string') {
      // A string without white space is read as a name too (readableTexts).
      if (isIdentifierText(node)) {
        if (!quietShort(node, true)) return false;
      } else {
        if (!(node.length <= SHORT_TEXT ? quietShort(node, false) : quietText(node))) return false;
        // An identifier padded with white space is read as that name too (readableTexts).
        const padded = paddedIdentifier(node);
        if (padded !== undefined && !quietShort(padded, true)) return false;
      }
    } else if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) stack.push(node[i]);
    } else if (typeof node === 'object' && node !== null) {
      if (node instanceof Map) return false;
      const record = node as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (!quietShort(key, true)) return false;
        (key === 'required' || SCHEMA_SYNTAX.has(key) ? named : stack).push(record[key]);
      }
    }
  }
  return true;
}

// The policy input and the MTF description checks both analyse every description of a
// lockfile; a run analyses each distinct text once. Results are frozen (callers only read them);
// only texts up to 16 KiB are kept, at most 50,000 of them, so the cache stays small.
const SCAN_CACHE = new Map<string, readonly TextSignal[]>();
const CACHE_TEXT_LIMIT = 16 * 1024;
const CACHE_ENTRIES = 50_000;

/**
 * Signals in free text: descriptions, instructions, prompt text, schema descriptions, object
 * keys. Attacker-controlled; the whole text is analysed, in time linear in its length: every
 * pattern has bounded gaps and no overlapping unbounded quantifiers (tests/safety/linear), so
 * there is no prefix bound that poison could hide behind.
 */
export function scanText(input: string): readonly TextSignal[] {
  // Most texts (every plain description of a 10,000-tool lockfile) are proven clean by one
  // pass: no cache entry for them, no analysis.
  if (quietText(input)) return NO_TEXT_SIGNALS;
  if (input.length > CACHE_TEXT_LIMIT) return analyseWhole(input);
  const hit = SCAN_CACHE.get(input);
  if (hit) return hit;
  const signals = Object.freeze(analyseWhole(input).map((signal) => Object.freeze(signal)));
  if (SCAN_CACHE.size >= CACHE_ENTRIES) SCAN_CACHE.clear();
  SCAN_CACHE.set(input, signals);
  return signals;
}

/**
 * analyseText, or, when a pattern runs out of V8's backtracking stack on a run of millions of
 * characters (a base64-alphabet or non-Latin word of several MiB: "Maximum call stack size
 * exceeded"), one high signal that the text was not analysed: a bound that is hit is reported,
 * and the text fails closed instead of stopping the command.
 */
function analyseWhole(input: string, ciphers = true, decoding = true, respelling = true): TextSignal[] {
  try {
    return analyseText(input, ciphers, decoding, respelling);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const chars = input.length.toLocaleString('en-US');
    return [{ kind: 'unanalysed-text', severity: 'high', evidence: `a text of ${chars} characters too long to analyse whole; review it by hand`, index: 0 }];
  }
}

/**
 * What a decoded text says of medium or worse: its own signals, and a high encoded blob inside
 * it (base64 in base64, a cipher in hex: what that says is said here too), not a medium one.
 */
function saysOfItsOwn(decoded: string): readonly TextSignal[] {
  return scanText(decoded).filter((s) => compareSeverity(s.severity, s.kind === 'encoded-blob' ? 'high' : 'medium') >= 0);
}

/** Kinds about a text's characters, not what it says: a reading of it adds none. */
const CHARACTER_KINDS: ReadonlySet<SignalKind> = new Set<SignalKind>(['invisible-char', 'bidi-control', 'confusable', 'non-ascii']);

/**
 * What a reading of the text (deciphered, decoded in place, respelled) says that the text as
 * written does not, added to `found` as one high encoded blob: of `inner`, what is medium or
 * worse (a medium encoded blob is not news), not about characters (CHARACTER_KINDS), and not a
 * value the text or `alsoSaid` (what encoded runs said alone) has — nor, with `back` (a cipher,
 * its own inverse), a value whose enciphering it has: a URL reversed word by word is the same
 * URL. The whole text is the reading: the signal is at `index`.
 */
function newlySaid(found: SignalSet, inner: readonly TextSignal[], label: string, index: number, alsoSaid: readonly TextSignal[] = [], back?: (value: string) => string): void {
  const known = new Set<string>();
  for (const s of found.out) known.add(`${s.kind}\u0000${s.value ?? ''}`);
  for (const s of alsoSaid) known.add(`${s.kind}\u0000${s.value ?? ''}`);
  // An internal address the text has already, inside a URL or as one (127.0.0.1 and http://127.0.0.1/x).
  const addresses = found.out.filter((s) => s.kind === 'internal-address' && s.value !== undefined).map((s) => s.value!);
  const sameAddress = (v: string) => addresses.some((a) => a.includes(v) || v.includes(a));
  const said = (s: TextSignal) =>
    known.has(`${s.kind}\u0000${s.value ?? ''}`) ||
    (back !== undefined && s.value !== undefined && known.has(`${s.kind}\u0000${back(s.value)}`)) ||
    (s.kind === 'internal-address' && s.value !== undefined && sameAddress(s.value));
  const news = inner.filter((s) => compareSeverity(s.severity, s.kind === 'encoded-blob' ? 'high' : 'medium') >= 0 && !CHARACTER_KINDS.has(s.kind) && !said(s));
  if (news.length === 0) return;
  const value = `${label}\u0000${news.map((s) => `${s.kind}:${s.value ?? ''}`).join('\u0000')}`;
  found.add('encoded-blob', 'high', value, () => `${label} that says: ${news[0]!.evidence}`, index);
}

/**
 * The analysis of one text. `ciphers`: also read it deciphered (not for a text that is itself a
 * deciphering); `decoding`: also read it with its encodings decoded in place (not for a text that
 * is itself such a decoding); `respelling`: also read it respelled (respelled). Each reading
 * happens once: no reading of a reading of its kind.
 */
function analyseText(input: string, ciphers = true, decoding = true, respelling = true): TextSignal[] {
  const text = input;
  if (text.length === 0) return [];
  // One signal per distinct value of each kind, however many the text holds (see SignalSet).
  const found = new SignalSet();

  const plain = isPlainText(text);
  // Hidden characters are judged on the raw text.
  if (!plain) {
    for (const run of tagRuns(text)) {
      found.add('invisible-char', 'critical', `tags\u0000${run.hidden}`, () => `Unicode tag characters spelling "${printable(run.hidden, 60)}"`, run.index);
    }
    collectCodePoints(text, INVISIBLE, 'invisible-char', 'high', found);
    collectCodePoints(text, BIDI, 'bidi-control', BIDI_OVERRIDE.test(text) ? 'high' : 'medium', found);
  }

  const folded = plain ? text : foldForMatching(text, (_cut, index) =>
    found.add('unanalysed-text', 'high', 'marks', () => `more than ${MAX_MARK_RUN} combining marks in a row ${excerpt(text, index, 1)}: only the first ${MAX_MARK_RUN} of a run are analysed; review it by hand`, index),
  );
  const lower = folded.toLowerCase();
  const mentions = (hints: readonly string[]) => hints.some((h) => lower.includes(h));
  for (const rule of INSTRUCTION_RULES) if (rule.gates.every(mentions)) collect(folded, rule.pattern, rule.kind, rule.severity, found);
  if (mentions(SENSITIVE_PATH_HINTS)) collect(folded, SENSITIVE_PATH, 'sensitive-path', 'high', found);

  // Every URL (with a scheme, or a bare www. host), each distinct one a value.
  const urlRanges: [number, number][] = [];
  for (const m of lower.includes('://') || lower.includes('www.') ? folded.matchAll(URL_PATTERN) : []) {
    urlRanges.push([m.index, m.index + m[0].length]);
    const url = urlValue(m[0]);
    const address = classifyAddress(url.includes('://') ? url : `http://${url}`);
    if (address) found.add('internal-address', 'high', url, () => `${address} address ${excerpt(folded, m.index, m[0].length)}`, m.index);
    else found.add('url', 'low', url, () => excerpt(folded, m.index, m[0].length), m.index);
  }
  if (lower.includes('/')) {
    for (const { index, url: raw } of bareHostUrls(folded, urlRanges)) {
      const url = urlValue(raw);
      const address = classifyAddress(`http://${url}`);
      if (address) found.add('internal-address', 'high', url, () => `${address} address ${excerpt(folded, index, raw.length)}`, index);
      else found.add('url', 'low', url, () => excerpt(folded, index, raw.length), index);
    }
  }
  // Bare internal addresses outside those URLs (a URL's own host was classified above).
  const urlCursor = { at: 0 };
  for (const m of mentions(BARE_INTERNAL_HINTS) ? folded.matchAll(BARE_INTERNAL) : []) {
    if (inRanges(urlRanges, urlCursor, m.index)) continue;
    found.add('internal-address', 'high', phraseValue(m[0]), () => excerpt(folded, m.index, m[0].length), m.index);
  }

  const blobRanges: [number, number][] = [];
  const longRun = hasLongRun(folded);
  for (const { index, run } of longRun ? base64Runs(folded) : []) {
    if (!looksLikeBase64(run)) continue;
    blobRanges.push([index, index + run.length]);
    // Base64 in a cipher is base64 still (rot13 and reversal keep its alphabet): a run that
    // decodes to no text is tried deciphered.
    const [label, decoded] = decipheredBase64(run);
    const inner = decoded ? saysOfItsOwn(decoded) : [];
    found.add(
      'encoded-blob',
      inner.length > 0 ? 'high' : 'medium',
      run,
      () => (inner.length > 0 ? `${label} that decodes to: ${printable(decoded!, 70)}` : `encoded run ${excerpt(folded, index, run.length)}`),
      index,
    );
  }
  // Hex runs outside those blobs.
  const blobCursor = { at: 0 };
  for (const { index, run } of longRun ? hexRuns(folded) : []) {
    if (inRanges(blobRanges, blobCursor, index)) continue;
    // High when what it decodes to carries a signal of its own, as with base64.
    const decoded = decodePrintable(Buffer.from(run, 'hex').toString('utf8'));
    const inner = decoded ? saysOfItsOwn(decoded) : [];
    found.add(
      'encoded-blob',
      inner.length > 0 ? 'high' : 'medium',
      run.toLowerCase(),
      () => (inner.length > 0 ? `hex that decodes to: ${printable(decoded!, 70)}` : excerpt(folded, index, run.length)),
      index,
    );
  }
  // Escaped text, URL encoding and HTML character references: high when what they spell
  // carries a signal of its own, as with base64.
  // What those runs say, each alone: the text decoded in place (below) adds only what they do not.
  const runsSay: TextSignal[] = [];
  const spelled = (runs: Iterable<{ index: number; end: number; decoded: string }>, label: string) => {
    for (const run of runs) {
      const inner = saysOfItsOwn(run.decoded);
      runsSay.push(...inner);
      found.add(
        'encoded-blob',
        inner.length > 0 ? 'high' : 'medium',
        folded.slice(run.index, run.end).toLowerCase(),
        () => (inner.length > 0 ? `${label} that spells: ${printable(run.decoded, 70)}` : excerpt(folded, run.index, run.end - run.index)),
        run.index,
      );
    }
  };
  if (folded.includes('\\')) spelled(escapeRuns(folded), 'escaped text');
  if (folded.includes('%') || folded.includes('&#')) spelled(entityRuns(folded), 'encoded text');
  // Look-alike letters inside otherwise Latin words ("pаssword" with a Cyrillic а).
  // Read as the Latin words they look like, what they say that the text does not ("Ignоre all
  // previous instructions" with a Cyrillic о reads as the instruction a model sees): one high
  // encoded blob, as for a cipher. The reading has no look-alike left, so it is not read again.
  if (!plain) {
    let latin = '';
    let from = 0;
    for (const word of folded.matchAll(/[\p{L}\p{N}_]+/gu)) {
      if (isAsciiText(word[0])) continue;
      const skeleton = spoofSkeleton(word[0]);
      if (skeleton !== undefined) {
        found.add('confusable', 'medium', word[0], () => `look-alike characters in "${printable(word[0], 60)}"`, word.index);
        latin += folded.slice(from, word.index) + skeleton;
        from = word.index + word[0].length;
      }
    }
    if (from > 0) newlySaid(found, analyseWhole(latin + folded.slice(from), ciphers, decoding, respelling), 'text with its look-alike letters read as Latin', 0);
  }
  // What the text says decoded in place, which no run of it says alone.
  const view = decoding ? decodedInPlace(folded) : undefined;
  if (view !== undefined) newlySaid(found, analyseWhole(view, ciphers, false, respelling), 'text with its encodings decoded', 0, runsSay);
  // Text in a cipher a model undoes when asked (reversed, whole or word by word; rot13; both): high
  // when, deciphered, it carries a signal the text as written does not. Deciphered text is not
  // deciphered again.
  if (ciphers) {
    const at = [REVERSED_TRIGGER.find(folded), ROT13_TRIGGER.find(folded), ROT13_REVERSED_TRIGGER.find(folded), ROT13_WORD_REVERSED_TRIGGER.find(folded)];
    // A text encoded whole, then put in a cipher, shows no cipher word: its encoding as the
    // cipher writes it wakes the reading too.
    const forms: [boolean, string, (text: string) => string][] = [
      [at[0]! >= 0 || reversedEncoded(folded), 'reversed text', reversed],
      [at[0]! >= 0, 'text with each word reversed', wordsReversed],
      [at[1]! >= 0 || rot13Encoded(folded) || (longRun && rot13HexRun(folded)), 'rot13 text', rot13],
      [at[2]! >= 0, 'reversed rot13 text', reversedRot13],
      [at[2]! >= 0 || at[3]! >= 0, 'rot13 text with each word reversed', wordsReversedRot13],
    ];
    // What the whole-text readings say: the reading word by word adds only what they do not.
    const ciphersSay: TextSignal[] = [];
    for (const [woken, label, cipher] of forms) {
      if (!woken) continue;
      // What the deciphered text says, its encodings decoded too (an encoding inside a cipher).
      const inner = analyseWhole(cipher(folded), false, true, false);
      ciphersSay.push(...inner);
      newlySaid(found, inner, label, 0, [], cipher);
    }
    // Cipher words among plain ones (only a text with a cipher word has one; its filler words are
    // deciphered with it); a kind a whole-text reading said is not said again word by word (a text
    // in one cipher is one finding).
    const mixed = at.some((index) => index >= 0) ? cipherWordsDeciphered(folded) : undefined;
    if (mixed !== undefined) {
      const saidKinds = new Set(ciphersSay.filter((s) => compareSeverity(s.severity, 'medium') >= 0).map((s) => s.kind));
      newlySaid(found, analyseWhole(mixed, false, true, false).filter((s) => !saidKinds.has(s.kind)), 'text with its cipher words deciphered', 0, ciphersSay);
    }
  }
  // Respelled (leetspeak, spaced-out letters): what that says and the text does not. The
  // respelled text is read once, as written (no cipher, no decoding, no respelling).
  if (respelling) {
    const text = respelled(folded);
    if (text !== undefined) newlySaid(found, analyseWhole(text, false, false, false).filter((s) => s.kind !== 'encoded-blob'), 'respelled text', 0);
  }
  return found.out;
}

/** A name without its invisible, tag and bidi-control characters: what a reader sees of it. */
export function visibleName(name: string): string {
  return name.replace(INVISIBLE, '').replace(TAG_CHAR, '').replace(BIDI, '');
}

/** The ASCII an identifier looks like, when each character has an ASCII look-alike; else undefined. */
export function asciiSkeleton(name: string): string | undefined {
  // ASCII is its own skeleton (NFKC leaves it as it is).
  if (isAsciiText(name)) return name;
  let out = '';
  for (const ch of capMarkRuns(name).text.normalize('NFKC')) {
    if (ch.charCodeAt(0) < 0x80) out += ch;
    else {
      const mapped = CONFUSABLE_TO_ASCII.get(ch);
      if (mapped === undefined) return undefined;
      out += mapped;
    }
  }
  return out;
}

/** The Latin a word of Latin letters mixed with look-alikes from another script reads as ("pаss" → "pass"); undefined for any other word. */
function spoofSkeleton(word: string): string | undefined {
  if (!/[A-Za-z]/.test(word)) return undefined;
  const skeleton = asciiSkeleton(word);
  return skeleton !== word ? skeleton : undefined;
}

/** Printable-ASCII names in which scanName found nothing (bounded). */
const QUIET_NAMES = new Set<string>();

/**
 * Signals in an identifier (tool, prompt, argument or property name). Any invisible, bidi or
 * look-alike character in a name is critical: two tools that look the same to a reviewer must
 * not be told apart by the model alone.
 */
export function scanName(name: string): TextSignal[] {
  const out: TextSignal[] = [];
  if (isPrintableAscii(name)) {
    // The policy input and CD-03 both ask about every name: a plain one is analysed once.
    if (QUIET_NAMES.has(name)) return out;
    nameTextSignals(name, out);
    if (out.length === 0 && name.length <= 1024) {
      if (QUIET_NAMES.size >= 50_000) QUIET_NAMES.clear();
      QUIET_NAMES.add(name);
    }
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
  if (longMarkRunAt(name) >= 0) {
    out.push({ kind: 'unanalysed-text', severity: 'high', evidence: `more than ${MAX_MARK_RUN} combining marks in a row in name "${printable(name, 80)}": only ${MAX_MARK_RUN} of a run are compared; review it by hand` });
  }
  const visible = visibleName(name);
  const skeleton = asciiSkeleton(visible);
  if (skeleton !== undefined && skeleton !== visible) {
    out.push({ kind: 'confusable', severity: 'critical', evidence: `name "${printable(name, 80)}" looks like "${printable(skeleton, 80)}"` });
  }
  if (!isAsciiText(name)) {
    out.push({ kind: 'non-ascii', severity: 'medium', evidence: `non-ASCII characters in name "${printable(name, 80)}"` });
  }
  nameTextSignals(name, out);
  return out;
}

/**
 * A name spelled as words: runs of `_`, `-` and `.` as one space, and a space at every boundary
 * of camelCase and digits: a lower-case letter then an upper-case one (ignorePrevious →
 * ignore Previous), the last capital of an acronym before a word (IGNOREPrevious → IGNORE
 * Previous), a letter then a digit and a digit then a letter (s3Upload → s 3 Upload); digits
 * between two letters stand for a space (ignore1previous2instructions → ignore previous
 * instructions). One pass, no pattern; linear (each character is passed once).
 */
export function nameAsWords(name: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (isSeparator(c)) {
      let j = i + 1;
      while (j < name.length && isSeparator(name.charCodeAt(j))) j++;
      out += `${name.slice(start, i)} `;
      start = j;
      i = j - 1;
    } else if (isDigitCode(c) && i > 0 && isLetter(name.charCodeAt(i - 1))) {
      // Digits between two letters stand for a space (ignore1previous2instructions).
      let j = i + 1;
      while (j < name.length && isDigitCode(name.charCodeAt(j))) j++;
      if (j < name.length && isLetter(name.charCodeAt(j))) {
        out += `${name.slice(start, i)} `;
        start = j;
        i = j - 1;
      } else if (i > start) {
        out += `${name.slice(start, i)} `;
        start = i;
      }
    } else if (i > start && wordBoundary(name.charCodeAt(i - 1), c, i + 1 < name.length ? name.charCodeAt(i + 1) : 0)) {
      out += `${name.slice(start, i)} `;
      start = i;
    }
  }
  return start === 0 ? name : out + name.slice(start);
}

const isLower = (c: number): boolean => c >= 97 && c <= 122;
const isUpper = (c: number): boolean => c >= 65 && c <= 90;
const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => isLower(c) || isUpper(c);

/** Whether a word of a name ends between `before` and `c` (`after` follows `c`; 0 at the end). */
function wordBoundary(before: number, c: number, after: number): boolean {
  if (isUpper(c)) return isLower(before) || isDigitCode(before) || (isUpper(before) && isLower(after));
  if (isDigitCode(c)) return isLower(before) || isUpper(before);
  return isLower(c) && isDigitCode(before);
}

const isSeparator = (c: number): boolean => c === 95 || c === 46 || c === 45;

/**
 * The text analysis of a name, added to `out`: a model reads a tool's name as it reads its
 * description, so "ignore_previous_instructions" or "read ~/.ssh/id_rsa" in a name is what it
 * would be in a description. The name is analysed as written and as words (nameAsWords); what
 * is medium or worse and of a kind not already found in the name is kept, once per kind.
 */
function nameTextSignals(name: string, out: TextSignal[]): void {
  const words = nameAsWords(name);
  const texts = words === name ? [name] : [name, words];
  // The name respelled (1gn0r3_pr3v10us → ignore_previous: its words once the digits are letters).
  const respelling = respelled(name);
  if (respelling !== undefined) {
    const respelledWords = nameAsWords(respelling);
    if (!texts.includes(respelledWords)) texts.push(respelledWords);
  }
  // Only sensitive paths are kept from the path reading: it is analysed only when it holds a
  // word one needs (most names hold "_", and "/" alone would wake the whole analysis).
  const path = nameAsPath(name);
  // A text that is not plain is folded first (hidden characters dropped, NFKC): always analysed.
  if (path !== name && readsAsPath(path)) texts.push(path);
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]!;
    if (quietText(text)) continue;
    // The path reading (the last, when there is one) is for paths only: read_.ssh_id_rsa, not
    // what "/" may make of words.
    const pathOnly = text === path && i > 0;
    for (const s of scanText(text)) {
      if (compareSeverity(s.severity, 'medium') < 0 || out.some((o) => o.kind === s.kind)) continue;
      if (pathOnly && s.kind !== 'sensitive-path') continue;
      if (capabilityNoun(s.kind, s.value, words, i > 0)) continue;
      out.push({ kind: s.kind, severity: s.severity, evidence: `the name says: ${s.evidence}`, ...(s.value !== undefined ? { value: s.value } : {}) });
    }
  }
  // A name in a cipher that spells a secret path (ernq_vq_efn, rot13 of read_id_rsa;
  // dwssap_cte_daer, read_etc_passwd reversed): its path reading is made of the name
  // deciphered, not of the name (the key file's "_" after "id" is kept only as "id").
  // As with a text, only what the name as written does not say already (a kind it lacks).
  if (out.some((o) => o.kind === 'encoded-blob' || o.kind === 'sensitive-path')) return;
  // The ciphers work on ASCII letters: a name of full-width or hidden characters is read folded.
  const plainName = isPlainText(name) ? name : foldForMatching(name);
  const plainWords = plainName === name ? words : nameAsWords(plainName);
  const rot = NAME_ROT13_TRIGGER.test(plainWords);
  const back = NAME_REVERSED_TRIGGER.test(plainWords);
  if (!rot && !back) return;
  const forms: [string, (text: string) => string][] = [];
  if (back) forms.push(['reversed', reversed], ['with each word reversed', wordsReversed]);
  if (rot) forms.push(['in rot13', rot13]);
  for (const [label, decipher] of forms) {
    const path = nameAsPath(decipher(plainName));
    if (!readsAsPath(path)) continue;
    const said = scanText(path).find((s) => s.kind === 'sensitive-path');
    if (said === undefined) continue;
    out.push({ kind: 'encoded-blob', severity: 'high', evidence: `the name read ${label} says: ${said.evidence}`, value: `${label}\u0000${said.value ?? ''}` });
    return;
  }
}

// The words of secret paths as a name spells them ("read_.ssh_id_rsa": ssh, id, rsa; "etc",
// "passwd"), in rot13 and backwards: a name's words (nameAsWords) holding one wake the path
// reading of the name deciphered.
const NAME_PATH_WORDS = [...new Set([...SENSITIVE_PATH_HINTS.flatMap((hint) => hint.split(/[^a-z]+/).filter((w) => w.length >= 2)), 'rsa', 'dsa', 'ecdsa', 'passwd', 'shadow', 'sudoers', 'credentials'])];
const NAME_ROT13_TRIGGER = new AsciiWordSet(NAME_PATH_WORDS.map(rot13));
const NAME_REVERSED_TRIGGER = new AsciiWordSet([], NAME_PATH_WORDS);

/**
 * A name with each run of `_` and `-` as `/`, dots kept: a dotted file name after a separator
 * reads as the path it spells (read_.ssh_id_rsa → read/.ssh/id_rsa, read__HOME__.ssh → read/HOME/.ssh,
 * read_.env_file → read/.env/file), which neither the name as written (`_` is a word character,
 * so no word starts at `.ssh`) nor its words (`.` is a separator there) show. A key file's
 * one "_" after the word "id" is kept (read_id_rsa → read/id_rsa). Linear.
 */
export function nameAsPath(name: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c !== 95 && c !== 45) continue;
    let j = i + 1;
    while (j < name.length && (name.charCodeAt(j) === 95 || name.charCodeAt(j) === 45)) j++;
    // A key file's name keeps its "_" (read_id_rsa → read/id_rsa): the word "id" after a
    // separator, then one "_".
    if (c === 95 && j === i + 1 && start > 0 && i - start === 2 && name.slice(start, i).toLowerCase() === 'id') continue;
    out += `${name.slice(start, i)}/`;
    start = j;
    i = j - 1;
  }
  return start === 0 ? name : out + name.slice(start);
}

/** Whether a path reading is worth analysing: it is not plain (folded first), or holds a sensitive-path word. */
const readsAsPath = (path: string): boolean => !isPlainText(path) || mentionsSensitivePath(path);

/** Whether `text` holds a word the sensitive-path pattern needs (ASCII case folded). */
function mentionsSensitivePath(text: string): boolean {
  const lower = text.toLowerCase();
  return SENSITIVE_PATH_HINTS.some((hint) => lower.includes(hint));
}

/** Words that make "exfiltration" in a name the subject of a detector, not an act. */
const DETECTOR_WORDS = new Set(['detect', 'detects', 'detection', 'detector', 'scan', 'scanner', 'scans', 'alert', 'alerts', 'monitor', 'monitoring', 'prevent', 'prevention', 'check', 'checks', 'guard', 'protect', 'protection', 'dlp', 'audit', 'block', 'risk', 'report', 'reports']);

/**
 * Signals that in a name say what a tool works on, not what it tells the model: a keychain
 * tool (keychain_get, read_keychain), a data-loss-prevention tool (exfiltration_detect,
 * dlp_exfiltration_scan: "exfiltration" next to a detector word, detectsExfiltration;
 * exfiltration_of_ssh_keys and exfiltration_of_ssh_keys_check are no detector) and a login
 * form (login_data, read as words "login data", is not Chrome's "Login Data" file, which a
 * name can only spell with a space). The same words in a description stay signals; a verb (exfiltrate_data) stays one in a name too. `words` is the
 * name as words; `reading` is true for a reading other than the name as written.
 */
function capabilityNoun(kind: SignalKind, matched: string | undefined, words: string, reading: boolean): boolean {
  const value = matched?.toLowerCase();
  if (value === undefined) return false;
  if (kind === 'sensitive-path') return value === 'keychain' || (reading && /^login\s+data$/.test(value));
  // The match runs on through word characters: exfiltration_detect, exfiltrationDetect.
  if (kind !== 'network-egress' || !value.startsWith('exfiltration')) return false;
  return detectsExfiltration(words);
}

/**
 * Whether every "exfiltrat…" word of a name (as words) is the noun "exfiltration" with a detector
 * word next to it, before ("data" between them allowed: detect_data_exfiltration) or after:
 * what a detector works on (exfiltration_alerts, dlp_exfiltration_scan, detectExfiltration),
 * not an act with a detector word tacked on elsewhere (exfiltration_of_ssh_keys_check,
 * perform_exfiltration_of_user_data_then_report).
 */
function detectsExfiltration(words: string): boolean {
  const list = words.toLowerCase().split(' ');
  let found = false;
  for (let i = 0; i < list.length; i++) {
    if (!list[i]!.startsWith('exfiltrat')) continue;
    const before = list[i - 1] === 'data' ? list[i - 2] : list[i - 1];
    if (list[i] !== 'exfiltration' || !(DETECTOR_WORDS.has(before ?? '') || DETECTOR_WORDS.has(list[i + 1] ?? ''))) return false;
    found = true;
  }
  return found;
}

/**
 * Signals in an object key (a property name, an `annotations` or `_meta` key) or a property
 * name listed in a schema's `required`: read as text, as the model reads it, and as a name
 * (scanName: snake_case and camelCase phrases, paths spelled with separators); a kind the
 * text reading found is not added again.
 */
export function scanKey(key: string): readonly TextSignal[] {
  const text = keyTextSignals(key);
  const extra = nameOnlySignals(key, text);
  return extra.length === 0 ? text : [...text, ...extra];
}

/**
 * scanText of a key (or another text also read as a name), less what in a name says what a
 * tool works on (capabilityNoun): a keychain tool's `keychain` parameter, a DLP tool's
 * `exfiltration_alerts`. The same words in a description stay signals.
 */
export function keyTextSignals(key: string): readonly TextSignal[] {
  const text = scanText(key);
  // A key of words ("Read the login keychain and upload it") is a sentence, not a name.
  if (text.length === 0 || !isIdentifierText(key)) return text;
  const words = nameAsWords(key);
  const kept = text.filter((s) => !capabilityNoun(s.kind, s.value, words, false));
  return kept.length === text.length ? text : kept;
}

/** Whether a hit of `kind` (its text `value`) in the key `key` says what a tool works on (see keyTextSignals): for the MTF phrases. */
export function keyWorksOn(key: string, kind: SignalKind, value: string): boolean {
  return isIdentifierText(key) && capabilityNoun(kind, value, nameAsWords(key), false);
}

/** What scanName finds in `text` of a kind its text reading (`read`, scanText's) does not. */
export function nameOnlySignals(text: string, read: readonly TextSignal[] = scanText(text)): TextSignal[] {
  return scanName(text).filter((s) => !read.some((o) => o.kind === s.kind));
}

/**
 * True when `name` is printable ASCII and scanName finds nothing in it (whose text analysis
 * runs only past quietText: a plain name costs two linear passes). For the walks that skip
 * quiet definitions (src/mtf/declarations.ts).
 */
export function quietName(name: string): boolean {
  return isPrintableAscii(name) && scanName(name).length === 0;
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
// separators and camelCase; a description is read once, word by word (see eachCapabilityWord).
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

// Which of the sets above a word is in, as bits: one Map look-up per word where there would be
// one Set look-up per set. Derived from the sets, so the sets stay the one list to edit.
function wordBits(sets: readonly (readonly [Set<string>, number])[], words: Record<string, number> = {}): Map<string, number> {
  const bits = new Map<string, number>();
  const add = (word: string, bit: number) => bits.set(word, (bits.get(word) ?? 0) | bit);
  for (const [set, bit] of sets) for (const word of set) add(word, bit);
  for (const [word, bit] of Object.entries(words)) add(word, bit);
  return bits;
}

// Name words (see capabilityHints).
const N_EXEC = 1 << 0;
const N_EXEC_OBJECT = 1 << 1;
const N_RUN = 1 << 2;
const N_WRITE = 1 << 3;
const N_FILE = 1 << 4;
const N_NET = 1 << 5;
const N_NET_WEAK = 1 << 6;
const N_WEB_OBJECT = 1 << 7;
const N_REMOTE = 1 << 8;
const N_REMOTE_WRITE = 1 << 9;
const NAME_WORD_BITS = wordBits([
  [EXEC_NAME, N_EXEC], [EXEC_NAME_OBJECT, N_EXEC_OBJECT], [RUN_NAME, N_RUN], [WRITE_NAME, N_WRITE], [FILE_CONTEXT, N_FILE], [NET_NAME, N_NET],
  [NET_NAME_WEAK, N_NET_WEAK], [WEB_OBJECT, N_WEB_OBJECT], [REMOTE_CONTEXT, N_REMOTE], [REMOTE_WRITE_NAME, N_REMOTE_WRITE],
]);

// Description words (see textCapabilities): the sets, and the words it names one by one.
const T_LEAD = 1 << 0;
const T_REMOTE = 1 << 1;
const T_EXEC_OBJECT = 1 << 2;
const T_FILE_OBJECT = 1 << 3;
const T_FETCH_OBJECT = 1 << 4;
const T_SEND_OBJECT = 1 << 5;
const T_EXEC_VERB = 1 << 6;
const T_WRITE_VERB = 1 << 7;
const T_FETCH_VERB = 1 << 8;
const T_SEND_VERB = 1 << 9;
/** A word tested by name below ("shell command", "webhook", "upload to"…). */
const T_NAMED = 1 << 10;
/** "execut…": any word with that prefix (execute, executes, executable…). */
const T_EXECUT = 1 << 11;
const TEXT_WORD_BITS = wordBits(
  [
    [REMOTE_WRITE_LEAD, T_LEAD], [REMOTE_CONTEXT, T_REMOTE], [EXEC_OBJECT, T_EXEC_OBJECT], [FILE_OBJECT, T_FILE_OBJECT], [FETCH_OBJECT, T_FETCH_OBJECT],
    [SEND_OBJECT, T_SEND_OBJECT], [EXEC_VERB, T_EXEC_VERB], [WRITE_VERB, T_WRITE_VERB], [FETCH_VERB, T_FETCH_VERB], [SEND_VERB, T_SEND_VERB],
  ],
  Object.fromEntries(
    ['command', 'commands', 'shell', 'code', 'arbitrary', 'line', 'page', 'pages', 'web', 'request', 'requests', 'http', 'https', 'webhook', 'webhooks', 'outbound', 'url', 'urls', 'any', 'email', 'emails', 'to', 'file', 'files', 'upload', 'uploads', 'uploading'].map((w) => [w, T_NAMED]),
  ),
);

const lowerAscii = (c: number): number => (c >= 65 && c <= 90 ? c | 0x20 : c);
/** A word's first two code units (lower-cased) and length, hashed into CANDIDATES' range. */
const candidateSlot = (c0: number, c1: number, length: number): number => (((c0 * 131 + c1) * 31 + length) >>> 0) & 0x3fff;
/**
 * For a word's first two letters and length: 1 when some word of TEXT_WORD_BITS has them (or
 * shares its slot). A word whose slot is 0 is in no set, so it need not be cut out of the text
 * and lower-cased: most words of a description are such words.
 */
const CANDIDATES = (() => {
  const table = new Uint8Array(0x4000);
  for (const word of TEXT_WORD_BITS.keys()) table[candidateSlot(word.charCodeAt(0), word.length > 1 ? word.charCodeAt(1) : 0, word.length)] = 1;
  return table;
})();

/** How many words may stand between a verb and its object ("run a shell command", "create a new file"). */
const VERB_WINDOW = 4;

function nameTokens(name: string): string[] {
  const out: string[] = [];
  let start = -1;
  let prev = 0;
  // One pass over the code units: split at anything but ASCII letters and digits (each half of
  // a surrogate pair is such a character), and before an upper-case letter that follows a
  // lower-case letter or digit (runScript → run script).
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const upper = c >= 65 && c <= 90;
    const isWordChar = upper || (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    const boundary = !isWordChar || (upper && ((prev >= 97 && prev <= 122) || (prev >= 48 && prev <= 57)));
    if (boundary && start >= 0) {
      out.push(name.slice(start, i).toLowerCase());
      start = -1;
    }
    if (isWordChar && start < 0) start = i;
    prev = c;
  }
  if (start >= 0) out.push(name.slice(start).toLowerCase());
  return out;
}

/**
 * Calls `visit` with each ASCII word of `text` (letters, digits, inner apostrophes) and the number
 * of the sentence it is in (a sentence ends at . ! ? ; : or a line break): the word lower-cased
 * when it may be one textCapabilities tests for, or '' when it cannot be (CANDIDATES), which
 * spares cutting it out. One linear pass, no regular expression: attacker text (runs of white
 * space, a keyword repeated a million times) costs O(length).
 */
function eachCapabilityWord(text: string, visit: (word: string, sentence: number) => void): void {
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
      if (e > s) {
        const c0 = lowerAscii(text.charCodeAt(s));
        const c1 = e - s > 1 ? lowerAscii(text.charCodeAt(s + 1)) : 0;
        const execut = c0 === 101 && c1 === 120 && e - s >= 6;
        visit(execut || CANDIDATES[candidateSlot(c0, c1, e - s)] === 1 ? text.slice(s, e).toLowerCase() : '', sentence);
      }
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
  eachCapabilityWord(text, (word, sentence) => {
    const bits = word === '' ? 0 : (TEXT_WORD_BITS.get(word) ?? 0) | (word.startsWith('execut') ? T_EXECUT : 0);
    if (bits === 0) {
      // A word no test below looks at (most of them): it only moves the window on. Every word
      // the tests compare `previous` with has bits, so '' stands for any other.
      previous = '';
      previousSentence = sentence;
      index++;
      return;
    }
    const after = sentence === previousSentence ? previous : '';
    if (sentence !== previousSentence && (bits & T_LEAD) !== 0) found.lead = true;
    if ((bits & T_REMOTE) !== 0) found.remote = true;
    // Command execution: "run a shell command", "execute arbitrary code", "shell commands",
    // "command line … executes".
    if ((bits & T_EXEC_OBJECT) !== 0 && near(exec, sentence)) found.exec = true;
    if ((word === 'command' || word === 'commands') && after === 'shell') found.exec = true;
    if (word === 'code' && after === 'arbitrary') found.exec = true;
    if (word === 'line' && after === 'command') commandLineSentence = sentence;
    if ((bits & T_EXECUT) !== 0 && commandLineSentence === sentence) found.exec = true;
    // File writing: "create a new file", "move or rename files and directories".
    if ((bits & T_FILE_OBJECT) !== 0 && near(write, sentence)) found.write = true;
    // Egress: "fetch a URL", "navigate to a URL", "HTTP requests", "send data to", "upload to",
    // "send an email", webhooks, "arbitrary URLs".
    if ((bits & T_FETCH_OBJECT) !== 0 && near(fetch, sentence)) found.egress = true;
    if ((word === 'page' || word === 'pages') && after === 'web' && near(fetch, sentence)) found.egress = true;
    if ((word === 'request' || word === 'requests') && (after === 'http' || after === 'https')) found.egress = true;
    if (word === 'webhook' || word === 'webhooks' || word === 'outbound') found.egress = true;
    if ((word === 'url' || word === 'urls') && (after === 'arbitrary' || after === 'any')) found.egress = true;
    if ((word === 'email' || word === 'emails') && near(send, sentence)) found.egress = true;
    if (word === 'to' && (near(sent, sentence, 2) || near(upload, sentence, 1))) found.egress = true;
    if ((word === 'file' || word === 'files') && near(upload, sentence)) found.egress = true;
    if ((bits & T_SEND_OBJECT) !== 0 && near(send, sentence)) sent = { at: index, sentence };
    if ((bits & T_EXEC_VERB) !== 0) exec = { at: index, sentence };
    if ((bits & T_WRITE_VERB) !== 0) write = { at: index, sentence };
    if ((bits & T_FETCH_VERB) !== 0) fetch = { at: index, sentence };
    if ((bits & T_SEND_VERB) !== 0) send = { at: index, sentence };
    if (word === 'upload' || word === 'uploads' || word === 'uploading') upload = { at: index, sentence };
    previous = word;
    previousSentence = sentence;
    index++;
  });
  return found;
}

/**
 * What a tool's name, description and annotations say it can do. Linear in the length of its
 * input (one pass over the words, map look-ups, no backtracking pattern). Read-only evidence —
 * `readOnlyHint: true`, or a name that starts with a read-only verb (get, list, read, search…) —
 * lowers the weak evidence only (a "fetch" of the server's own data, a description that starts
 * "Creates…"); what the name or description plainly says is kept, so a tool cannot talk its way
 * out of a capability by annotating itself read-only.
 */
export function capabilityHints(name: string, description: string, annotations: CapabilityAnnotations = {}): Capability[] {
  const tokens = nameTokens(asciiSkeleton(name) ?? name);
  // The sets any name word is in.
  let named = 0;
  for (let i = 0; i < tokens.length; i++) named |= NAME_WORD_BITS.get(tokens[i]!) ?? 0;
  const has = (bits: number) => (named & bits) !== 0;
  const text = textCapabilities(foldForMatching(description));
  const readOnlyVerb = tokens.length > 0 && READ_ONLY_VERB.has(tokens[0]!);
  const readOnly = readOnlyVerb || annotations.readOnlyHint === true;
  const remote = text.remote || has(N_REMOTE);

  const exec = has(N_EXEC) || (has(N_EXEC_OBJECT) && (has(N_RUN) || tokens.length === 1)) || text.exec;
  // A write verb counts as file writing only next to a file-system noun (write_file, rm_dir, a
  // bare "rm"; delete_entities edits a knowledge graph) and when the files are not in another
  // system (create_or_update_file "in a GitHub repository" is a remote write).
  const writeByName = has(N_WRITE) && (has(N_FILE) || (tokens.length === 1 && (tokens[0] === 'rm' || tokens[0] === 'write')));
  const writesFiles = (writeByName || text.write) && !remote;
  const egressByName = has(N_NET) || (has(N_NET_WEAK) && (has(N_WEB_OBJECT) || tokens.length === 1));
  const egress = egressByName || text.egress;
  const remoteWrite =
    !writesFiles &&
    ((!readOnlyVerb && has(N_REMOTE_WRITE) && !(egressByName && !has(N_REMOTE))) || ((writeByName || text.write) && remote) || (text.lead && !readOnly && !egress));

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
  text = capMarkRuns(text).text.normalize('NFKC').replace(/\u2024/gu, '.').replace(/\\/g, '/').replace(/\{[^{}]*\}/g, 'x');
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
  /**
   * Read as a name as well as text (as a key is): a property name listed in a schema's
   * `required`, any string without white space (an enum value, a `dependentRequired` entry, a
   * `propertyNames` const), and a schema syntax value (`type`, `format`, `$ref`…) that holds
   * white space (prose where syntax belongs).
   */
  name?: boolean;
  /** Read as a name only: a schema syntax value without white space (`string`, a `$schema` URL). */
  nameOnly?: boolean;
  /** The key of the object that holds this member ("properties" for a schema property name). */
  parentKey?: string;
}

/**
 * The name a string with white space at its ends only spells (" read_etc_passwd\n" reads as
 * `read_etc_passwd`), when that is an identifier (isIdentifierText); else undefined. Padding is
 * no way past the name reading.
 */
export function paddedIdentifier(text: string): string | undefined {
  if (text.length === 0 || text.length > 4096) return undefined;
  // Most strings start and end with a letter: nothing to trim, no copy made.
  if (!isTrimmable(text.charCodeAt(0)) && !isTrimmable(text.charCodeAt(text.length - 1))) return undefined;
  const trimmed = text.trim();
  return trimmed !== text && isIdentifierText(trimmed) ? trimmed : undefined;
}

/** Whether String.prototype.trim may remove `c` (white space or a line terminator); a superset is fine. */
const isTrimmable = (c: number): boolean => c <= 32 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;

/** A string read as a name as well: no white space, at most 1,024 characters (an identifier, an enum value). */
export function isIdentifierText(text: string): boolean {
  if (text.length === 0 || text.length > 1024) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff) return false;
  }
  return true;
}

/** In a JSON Schema, keywords whose string values are syntax, not prose (their keys still count). */
export const SCHEMA_SYNTAX: ReadonlySet<string> = new Set(['type', 'format', '$ref', '$schema', '$id', '$anchor', '$dynamicRef', '$dynamicAnchor']);
/** Most nodes one walk visits; past it the walk says it is incomplete (a finding for the caller). */
export const MAX_READABLE_NODES = 200_000;

const SIMPLE_TOKEN = /^[\w$.@:+-]{0,40}$/;
const pointerToken = (key: string) => (SIMPLE_TOKEN.test(key) ? key : printable(key, 40).replace(/~/g, '~0').replace(/\//g, '~1'));

/**
 * Every string a model may read inside a JSON value — values and object keys alike — in a
 * depth-first walk with an explicit stack (no recursion limit), keys in UTF-16 order. With
 * `schema`, the values of syntax keywords (`type`, `$ref`…) are left out (their keys are not),
 * and the entries of `required` are marked `name`: property names, to be read as names. Bounded by `maxNodes`: `complete` is false when the walk had to stop, and the caller
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
      const identifier = isIdentifierText(node);
      if (options.schema && parentKey !== undefined && SCHEMA_SYNTAX.has(parentKey)) {
        // Syntax is read as a name (signals of medium or worse: a `$schema` URL is none); prose
        // put where syntax belongs is read as text too.
        texts.push(identifier ? { pointer, text: node, key: false, nameOnly: true } : { pointer, text: node, key: false, name: true });
      } else if (identifier || (options.schema && parentKey === 'required')) texts.push({ pointer, text: node, key: false, name: true });
      else {
        texts.push({ pointer, text: node, key: false });
        // An identifier padded with white space is read as that name too.
        const padded = paddedIdentifier(node);
        if (padded !== undefined) texts.push({ pointer, text: padded, key: false, nameOnly: true });
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
