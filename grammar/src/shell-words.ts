// splitShellWords: keepalived's shell-like re-reading of the rest of a line for keywords installed
// with install_keyword_quoted (notify*, script, misc_path, quorum_up/down, ...):
// lib/parser.c alloc_strvec_quoted_escaped() and man5 "Quoted strings".
//
// Words are separated by unquoted blanks (" \t\f\n\r\v"); `"` and `'` both quote (the quote
// characters are removed, the blanks inside kept, and the two kinds may be mixed inside one word:
// 'abcd" efg h jkl "mnop' is one word). A backslash escapes, inside or outside quotes:
// \a \b \E(ESC) \f \n \r \t \v, \nnn (up to 3 octal digits), \xXX (hex digits), \cC (control
// character of C), and \C = C for anything else (so \\ is a backslash and \" a quote that neither
// opens nor closes a string). Characters are bytes (the file is read as latin1), so numeric
// escapes wrap to 8 bits as keepalived's `char` does.

export interface ShellWords {
  readonly words: readonly string[];
  /** Set when keepalived would reject the string (it then uses no words at all). */
  readonly error?: { readonly code: 'unmatched-quote' | 'trailing-backslash'; readonly message: string; readonly offset: number };
}

const WHITE = ' \t\f\n\r\v';

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

export function splitShellWords(text: string): ShellWords {
  const words: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && WHITE.includes(text[i]!)) i++;
    if (i >= n) break;
    let quote: string | undefined;
    let quoteAt = -1;
    let word = '';
    while (i < n) {
      const c = text[i]!;
      if (c === '\\') {
        i++;
        if (i >= n) return { words: [], error: { code: 'trailing-backslash', message: `missing escape character at end: '${text}'`, offset: i - 1 } };
        const e = text[i]!;
        let code: number;
        if (e === 'x' && isHex(text[i + 1])) {
          code = 0;
          i++;
          while (i < n && isHex(text[i])) code = ((code << 4) | Number.parseInt(text[i++]!, 16)) & 0xff;
        } else if (e === 'c' && i + 1 < n) {
          code = text.charCodeAt(i + 1) & 0x1f;
          i += 2;
        } else if (e >= '0' && e <= '7') {
          code = 0;
          for (let k = 0; k < 3 && i < n && text[i]! >= '0' && text[i]! <= '7'; k++) code = code * 8 + (text.charCodeAt(i++) - 48);
          code &= 0xff;
        } else {
          const simple: Record<string, number> = { a: 7, b: 8, E: 0x1b, f: 12, n: 10, r: 13, t: 9, v: 11 };
          code = simple[e] ?? text.charCodeAt(i);
          i++;
        }
        word += String.fromCharCode(code);
        continue;
      }
      if (quote !== undefined) {
        if (c === quote) quote = undefined;
        else word += c;
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        quote = c;
        quoteAt = i;
        i++;
        continue;
      }
      if (WHITE.includes(c)) break;
      word += c;
      i++;
    }
    if (quote !== undefined)
      return { words: [], error: { code: 'unmatched-quote', message: `string '${text}': missing terminating ${quote}`, offset: quoteAt } };
    words.push(word);
  }
  return { words };
}
