/**
 * Characters that render like ASCII letters and digits, from scripts a name-spoofer reaches
 * for first. A subset of Unicode's confusables.txt (UTS #39), chosen for identifiers: Cyrillic,
 * Greek, Armenian, Cherokee, Latin look-alikes (dotless i, long s, small capitals) and a few
 * symbols. Full-width and mathematical alphanumerics are caught separately through NFKC.
 */
export const CONFUSABLE_TO_ASCII: ReadonlyMap<string, string> = new Map(
  Object.entries({
    // Cyrillic lower case
    а: 'a', в: 'b', е: 'e', һ: 'h', і: 'i', ј: 'j', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', ӏ: 'l', ɡ: 'g', ո: 'n',
    // Cyrillic upper case
    А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', Х: 'X', І: 'I', Ј: 'J', Ѕ: 'S', Ү: 'Y', Ԁ: 'D', Ԛ: 'Q', Ԝ: 'W', Ӏ: 'I',
    // Greek
    α: 'a', ο: 'o', ν: 'v', ρ: 'p', ι: 'i', κ: 'k', τ: 't', υ: 'u', χ: 'x', ε: 'e', ϲ: 'c', ϳ: 'j',
    Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
    // Armenian
    օ: 'o', ս: 'u', հ: 'h', ց: 'g', զ: 'q', Տ: 'S', Օ: 'O',
    // Latin look-alikes and small capitals
    ı: 'i', ȷ: 'j', ſ: 'f', ɑ: 'a', ɩ: 'i', ʏ: 'y', ᴀ: 'a', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e', ᴋ: 'k', ᴍ: 'm', ᴏ: 'o', ᴘ: 'p', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ᴢ: 'z', ʀ: 'r', ɢ: 'g', ʜ: 'h', ʟ: 'l', ɴ: 'n', ꜱ: 's',
    // Cherokee (upper-case look-alikes)
    Ꭺ: 'A', Ᏼ: 'B', Ꮯ: 'C', Ꭰ: 'D', Ꭼ: 'E', Ꮐ: 'G', Ꮋ: 'H', Ꭻ: 'J', Ꮶ: 'K', Ꮮ: 'L', Ꮇ: 'M', Ꮲ: 'P', Ꮪ: 'S', Ꭲ: 'T', Ꮩ: 'V', Ꮃ: 'W', Ꮓ: 'Z',
    // Symbols used as letters or separators
    '‐': '-', '‑': '-', '‒': '-', '–': '-', '−': '-', '⁃': '-', '‚': ',', 'ꓸ': '.', '․': '.', '∕': '/', '⁄': '/', 'ǀ': 'l', '׀': 'l', 'ߊ': 'l',
  }),
);
