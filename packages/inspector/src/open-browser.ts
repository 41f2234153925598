import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { basename, delimiter, join } from 'node:path';

/** Browsers and openers tried in order when `$BROWSER` does not name one. */
const CANDIDATES: Record<string, readonly string[]> = {
  linux: ['xdg-open', 'chromium', 'chromium-browser', 'google-chrome', 'firefox'],
  darwin: ['open'],
  win32: [],
};

/**
 * The command that opens a URL here: `$BROWSER` (its first entry), else the platform's opener
 * or a known browser found on `PATH`; undefined when there is none.
 */
export function findBrowser(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  const fromEnv = env['BROWSER']?.split(delimiter)[0]?.trim();
  if (fromEnv) return fromEnv;
  for (const name of CANDIDATES[platform] ?? []) {
    const found = onPath(name, env['PATH'] ?? '');
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Opens `url` in a browser, detached (closing the browser does not stop netrx, nor the other way
 * round). `command` overrides {@link findBrowser}. Returns the command used, or undefined when
 * none was found.
 */
export function openBrowser(url: string, command: string | undefined = findBrowser()): string | undefined {
  if (command === undefined) return undefined;
  const args: string[] = [];
  // Chromium refuses to run as root without it (its sandbox needs an unprivileged user).
  if (process.getuid?.() === 0 && /chrom/i.test(basename(command))) args.push('--no-sandbox');
  const child = spawn(command, [...args, url], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
  return command;
}

function onPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}
