// Highlights the free-text terms of a query inside log text by building text
// nodes and <mark> elements: never innerHTML, so the log text stays inert.
import { text } from "./dom";

const OPERATORS = new Set(["and", "or", "not"]);

// The free-text terms of a query: words and "quoted phrases" that are not field tests.
export function queryTerms(query: string): string[] {
  const terms: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(query)) !== null) {
    if (m[1] !== undefined) {
      // A quoted value right after field: belongs to a field test.
      const before = query.slice(0, m.index);
      if (/[:=<>~]$/.test(before)) continue;
      const t = m[1].replace(/\\(.)/g, "$1");
      if (t) terms.push(t);
      continue;
    }
    let w = m[2];
    if (w.startsWith("-") || w.startsWith("!")) continue; // negated: nothing to mark
    w = w.replace(/^\(+|\)+$/g, "");
    if (!w || OPERATORS.has(w.toLowerCase())) continue;
    if (/[:=<>~]/.test(w)) continue; // field:value, level>=WARN, /regex/ handled as plain below
    if (w.startsWith("/") && w.endsWith("/")) continue;
    terms.push(w.replace(/\*/g, ""));
  }
  return terms.filter((t) => t.length > 0);
}

// Appends `s` to `parent` with every case-insensitive occurrence of a term in <mark>.
export function appendHighlighted(parent: Element, s: string, terms: string[]): void {
  if (terms.length === 0 || s.length === 0) {
    parent.append(text(s));
    return;
  }
  const lower = s.toLowerCase();
  if (lower.length !== s.length) {
    parent.append(text(s)); // case mapping changed lengths: indices would not line up
    return;
  }
  const needles = terms.map((t) => t.toLowerCase());
  let pos = 0;
  while (pos < s.length) {
    let best = -1;
    let bestLen = 0;
    for (const n of needles) {
      const i = lower.indexOf(n, pos);
      if (i !== -1 && (best === -1 || i < best || (i === best && n.length > bestLen))) {
        best = i;
        bestLen = n.length;
      }
    }
    if (best === -1) break;
    if (best > pos) parent.append(text(s.slice(pos, best)));
    const mark = document.createElement("mark");
    mark.textContent = s.slice(best, best + bestLen);
    parent.append(mark);
    pos = best + bestLen;
  }
  if (pos < s.length) parent.append(text(s.slice(pos)));
}
