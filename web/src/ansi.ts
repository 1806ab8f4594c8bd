// Terminal escape sequences in log text are shown as nothing: OSC (including
// OSC 8 hyperlinks, whose visible text stays as plain text), CSI/SGR colours and
// other ESC sequences are stripped, other control characters become visible marks.
const OSC = /\x1b\][\s\S]*?(?:\x07|\x1b\\|\x9c|$)/g;
const C1_OSC = /\x9d[\s\S]*?(?:\x07|\x1b\\|\x9c|$)/g;
const CSI = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]/g;
const DCS_PM_APC = /(?:\x1b[P^_X]|[\x90\x9e\x9f\x98])[\s\S]*?(?:\x1b\\|\x9c|$)/g;
const ESC_OTHER = /\x1b[ -/]*[0-~]?/g;
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

export function stripAnsi(s: string): string {
  if (!/[\x00-\x1f\x7f-\x9f]/.test(s)) return s;
  return s
    .replace(OSC, "")
    .replace(C1_OSC, "")
    .replace(DCS_PM_APC, "")
    .replace(CSI, "")
    .replace(ESC_OTHER, "")
    .replace(CONTROLS, "\ufffd");
}

// One line for the list: newlines and tabs shown compactly.
export function oneLine(s: string): string {
  return stripAnsi(s).replace(/\r?\n/g, " ⏎ ").replace(/\t/g, "  ");
}
