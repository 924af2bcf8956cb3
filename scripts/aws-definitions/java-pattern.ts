/**
 * AWS's models write patterns as Java regular expressions, matched anywhere in the value (not implicitly anchored:
 * https://smithy.io/2.0/spec/constraint-traits.html#pattern-trait). This turns one into a JavaScript RegExp with the
 * `u` flag: Java's POSIX classes (\p{Alnum}, \p{Print}...) become explicit ranges, escapes of characters that need
 * none (`\_`, `\!`, `\=`) lose their backslash, `\A` `\Z` `\z` become anchors, and a leading `(?i)` becomes the i
 * flag. Anything else it cannot read (intersections, possessive quantifiers) gives undefined: the caller counts the
 * pattern as not checked.
 */
const POSIX: Record<string, string> = {
  Lower: "a-z",
  Upper: "A-Z",
  ASCII: "\\x00-\\x7F",
  Alpha: "A-Za-z",
  Digit: "0-9",
  Alnum: "A-Za-z0-9",
  Punct: "!-\\/:-@\\[-`{-~",
  Graph: "!-~",
  Print: " -~",
  Blank: " \\t",
  Cntrl: "\\x00-\\x1F\\x7F",
  XDigit: "0-9a-fA-F",
  Space: " \\t\\n\\x0B\\f\\r",
};
/** Characters that keep their backslash in a `u` pattern; `-` only inside a class. */
const SYNTAX = new Set([..."^$\\.*+?()[]{}|/"]);
const ESCAPES = new Set([..."dDwWsSbBnrtfv0cxupPk"]);

const cache = new Map<string, RegExp | undefined>();

export function javaPattern(pattern: string): RegExp | undefined {
  if (cache.has(pattern)) return cache.get(pattern);
  const regExp = translate(pattern);
  cache.set(pattern, regExp);
  return regExp;
}

function translate(pattern: string): RegExp | undefined {
  let flags = "u";
  let source = pattern;
  const inline = /^\(\?([is]+)\)/.exec(source);
  if (inline) {
    flags += inline[1];
    source = source.slice(inline[0].length);
  }
  let out = "";
  let inClass = false;
  let quantified = false;
  for (let index = 0; index < source.length; index++) {
    const char = source[index]!;
    if (char === "\\") {
      const next = source[index + 1];
      if (next === undefined) return undefined;
      const posix = /^[pP]\{(\w+)\}/.exec(source.slice(index + 1));
      if (posix && POSIX[posix[1]!] !== undefined) {
        const negated = next === "P";
        const range = POSIX[posix[1]!]!;
        if (inClass && negated) return undefined;
        out += inClass ? range : `[${negated ? "^" : ""}${range}]`;
        index += posix[0].length;
        continue;
      }
      if (next === "A" && !inClass) out += "^";
      else if ((next === "Z" || next === "z") && !inClass) out += "$";
      else if (next === "-") out += inClass ? "\\-" : "-";
      else if (SYNTAX.has(next) || ESCAPES.has(next) || /[0-9]/.test(next)) out += `\\${next}`;
      else if (/[A-Za-z]/.test(next)) return undefined;
      else out += next;
      index++;
      quantified = false;
      continue;
    }
    if (char === "[" && !inClass) inClass = true;
    else if (char === "]" && inClass) inClass = false;
    else if ((char === "[" || (char === "&" && source[index + 1] === "&")) && inClass) return undefined;
    // A quantifier right after a quantifier is Java's possessive form (a*+), which JavaScript lacks.
    else if (char === "+" && quantified) return undefined;
    quantified = !inClass && "*+?}".includes(char);
    out += char;
  }
  try {
    return new RegExp(out, flags);
  } catch {
    return undefined;
  }
}
