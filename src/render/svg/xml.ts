/**
 * Text made safe for XML (and HTML) content and attribute values, quoted with either
 * quote: `& < > " '` escaped, and the characters XML 1.0 forbids (control characters
 * other than tab, newline and carriage return; lone surrogates; U+FFFE, U+FFFF)
 * replaced by U+FFFD, so a document built from any function name still parses.
 */
export function escapeXml(text: string): string {
  return text.replace(INVALID_XML, '\uFFFD').replace(SPECIAL, (c) => ENTITIES[c]);
}

const SPECIAL = /[&<>"']/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const INVALID_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML forbids are what it looks for
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
