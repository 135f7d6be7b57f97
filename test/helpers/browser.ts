/**
 * A real browser for the tests: playwright-core driving Debian's chromium, which npm test
 * installs (scripts/check-test-deps.js). Nothing here downloads a browser: playwright-core
 * never does by itself, and we always hand it the system's executable.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './helpers';

const CANDIDATES = ['chromium', 'chromium-browser'];

const isExecutable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

/** Debian's /usr/bin/chromium, else `chromium` or `chromium-browser` on PATH; throws saying how to get it. */
export function findChromium(): string {
  if (isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium';
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of CANDIDATES) {
    for (const dir of dirs) if (isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  throw new Error(
    'the browser tests need chromium, found neither /usr/bin/chromium nor chromium or chromium-browser on PATH: ' +
      "install Debian's chromium: apt-get install chromium (npm test does it when run as root)",
  );
}

/**
 * A headless chromium. Root gets --no-sandbox (chromium refuses to sandbox as root); anyone else
 * keeps the sandbox. The page may reach loopback only: every other host name fails to resolve
 * and no proxy is used, so a report that is not self-contained fails instead of fetching.
 */
export function openBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    // false makes playwright pass --no-sandbox
    chromiumSandbox: process.getuid?.() !== 0,
    args: ['--no-proxy-server', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost'],
  });
}

/**
 * Runs `fn` on a fresh page of a fresh browser, then (if asked) saves a full-page screenshot;
 * the browser is closed whatever happens. A page that throws (an uncaught error or rejection),
 * logs a console error (a resource that failed to load, too) or crashes fails the call, even
 * when `fn` passed. When `fn` fails, the screenshot is still attempted, to see what went wrong.
 * Fixed viewport, locale and time zone, so that screenshots and rendered dates do not depend
 * on the machine.
 */
export async function withPage(
  fn: (page: Page) => Promise<void>,
  options: { screenshot?: string } = {},
): Promise<void> {
  const browser = await openBrowser();
  try {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.stack ?? error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const { url, lineNumber } = message.location();
      errors.push(`console.error: ${message.text()}${url ? ` (${url}:${lineNumber + 1})` : ''}`);
    });
    page.on('crash', () => errors.push('the page crashed'));
    const pageErrors = () => `page errors:\n${errors.join('\n')}`;
    try {
      await fn(page);
    } catch (error) {
      if (options.screenshot)
        await page.screenshot({ path: options.screenshot, fullPage: true }).catch(() => undefined);
      if (error instanceof Error && errors.length) error.message += `\n${pageErrors()}`;
      throw error;
    }
    if (options.screenshot) await page.screenshot({ path: options.screenshot, fullPage: true });
    if (errors.length) throw new Error(pageErrors());
  } finally {
    await browser.close();
  }
}

/** test-output/screenshots/ under the repository (created; git ignores test-output/). */
export function screenshotDir(): string {
  const dir = path.join(ROOT, 'test-output', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
