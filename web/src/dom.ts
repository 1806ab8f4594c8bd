// The only way this front end creates DOM: elements with text content, never
// HTML strings. Log text is attacker-controlled; it goes through text() alone.
type Attrs = Record<string, string | number | boolean | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === "class") el.className = String(v);
    else if (k.startsWith("data-")) el.setAttribute(k, String(v));
    else if (k === "title" || k === "type" || k === "placeholder" || k === "role" || k === "tabindex" || k.startsWith("aria-") || k === "value" || k === "spellcheck" || k === "autocomplete" || k === "name" || k === "required")
      el.setAttribute(k, String(v));
    else throw new Error(`attribute not allowed: ${k}`); // no href/src/on*: nothing from data becomes a link or a handler
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

export function text(s: string): Text {
  return document.createTextNode(s);
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}
