import { findSourceMap, SourceMap } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceLocation } from './heap-snapshot';
import { SyncSession } from './session';

/**
 * Locations in the source the user wrote, for code a tool transformed before it ran:
 * TypeScript run by tsx or ts-node (Node holds their source maps: `findSourceMap`),
 * or a test file Jest (babel-jest) or Vitest compiled and ran with an inline source
 * map (the inspector tells each script's `sourceMapURL` when its Debugger domain is
 * enabled, which is done once, for a moment, and only when such a location is asked).
 */
export class SourceLocator {
  /** Inline source maps by script id, listed at the first need. */
  private inline: Map<number, string> | undefined;
  private readonly parsed = new Map<string, SourceMap | null>();

  constructor(private readonly session: SyncSession) {}

  original(loc: SourceLocation, scriptId: number): SourceLocation {
    const viaNode = this.map(loc, () => findSourceMap(loc.script));
    if (viaNode) return viaNode;
    if (loc.script.startsWith('node:')) return loc;
    return this.map(loc, () => this.inlineMap(scriptId)) ?? loc;
  }

  private map(loc: SourceLocation, get: () => SourceMap | undefined): SourceLocation | undefined {
    try {
      const entry = get()?.findEntry(loc.line - 1, loc.column - 1) as
        | { originalSource?: string; originalLine?: number; originalColumn?: number }
        | undefined;
      if (!entry?.originalSource || entry.originalLine === undefined) return undefined;
      return {
        script: resolveSource(entry.originalSource, loc.script),
        line: entry.originalLine + 1,
        column: (entry.originalColumn ?? 0) + 1,
      };
    } catch {
      return undefined;
    }
  }

  private inlineMap(scriptId: number): SourceMap | undefined {
    if (!this.inline) this.inline = this.listInlineMaps();
    const url = this.inline.get(scriptId);
    if (url === undefined) return undefined;
    let map = this.parsed.get(url);
    if (map === undefined) {
      try {
        const comma = url.indexOf(',');
        const payload = url.slice(0, comma).endsWith(';base64')
          ? Buffer.from(url.slice(comma + 1), 'base64').toString('utf8')
          : decodeURIComponent(url.slice(comma + 1));
        map = new SourceMap(JSON.parse(payload));
      } catch {
        map = null;
      }
      this.parsed.set(url, map);
    }
    return map ?? undefined;
  }

  /** The Debugger domain lists every script (synchronously) when enabled; it is disabled again at once. */
  private listInlineMaps(): Map<number, string> {
    const found = new Map<number, string>();
    const onScript = (m: { params: never }): void => {
      const p = m.params as { scriptId: string; sourceMapURL?: string };
      if (p.sourceMapURL?.startsWith('data:')) found.set(Number(p.scriptId), p.sourceMapURL);
    };
    this.session.on('Debugger.scriptParsed', onScript);
    try {
      this.session.post('Debugger.enable', {});
      this.session.post('Debugger.disable', {});
    } catch {
      // no Debugger domain here: locations stay as V8 has them
    } finally {
      this.session.off('Debugger.scriptParsed', onScript);
    }
    return found;
  }
}

/** A source map's `sources` entry as a path: file URLs decoded, relative ones resolved beside the script. */
function resolveSource(source: string, script: string): string {
  if (source.startsWith('file://')) return fileURLToPath(source);
  if (path.isAbsolute(source) || /^[a-z][a-z0-9+.-]*:/i.test(source)) return source;
  const scriptPath = script.startsWith('file://') ? fileURLToPath(script) : script;
  return path.resolve(path.dirname(scriptPath), source);
}
