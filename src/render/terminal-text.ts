import { stripVTControlCharacters } from 'node:util';

/** C0 controls but the newline (tab and carriage return too), DEL, C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text for a terminal: a recording's names (functions, files, modules, commands) are data a
 * program chose, and an escape sequence in one would clear the screen, recolour or retitle
 * it, or forge lines. Escape sequences (CSI, OSC, …) go whole (node's own pattern), then every
 * other control character; newlines stay. JSON output keeps names exactly (JSON escapes them).
 */
export function terminalText(text: string): string {
  return stripVTControlCharacters(text).replace(CONTROL, '');
}
