// Finds a Chromium for the browser tests: CHROME_PATH, /usr/bin/chromium, chromium, google-chrome.
// Where none is found it installs Debian's chromium when it may (root, apt present); it never
// downloads a browser build.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** How every browser test here starts Chromium: headless as root, and quiet on a closed network. */
export const CHROME_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The Chromium to use when npm test has not found one for us (it sets CHROME_PATH). */
export const CHROME_PATH = process.env.CHROME_PATH || '/usr/bin/chromium';

function onPath(name) {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

function find() {
  const candidates = [process.env.CHROME_PATH, '/usr/bin/chromium', onPath('chromium'), onPath('google-chrome')];
  return candidates.find((file) => file && fs.existsSync(file));
}

export function findChrome() {
  let chrome = find();
  if (chrome) return chrome;
  const root = process.getuid?.() === 0;
  if (root && onPath('apt-get')) {
    process.stderr.write('No Chromium found: installing Debian\'s chromium package (apt-get install chromium)...\n');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    chrome = find();
    if (chrome) return chrome;
  }
  process.stderr.write('No Chromium found: install Debian\'s chromium (sudo apt-get install chromium) or set CHROME_PATH to a Chrome/Chromium binary.\n');
  process.exit(1);
}
