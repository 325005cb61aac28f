// Plays an HLS player page in headless Chromium (puppeteer-core, Debian's /usr/bin/chromium; no
// browser download) and reports what the page saw as one JSON line on stdout.
//
//   node hls_page.mjs PAGE_URL CHROMIUM NODE_MODULES [SECONDS [RESULT]]
//
// The page plays the stream in a <video> and keeps what it saw in the global RESULT (default
// hlsResult: hls_page_test's page; framepipe: examples/web/player.js):
// { done, error, native, canPlayType, played, videoWidth, videoHeight, ... }. The page has played
// once it says `done`, or once `played` (seconds of media past its first frame) reached SECONDS
// (default 2) with a picture; it failed once it says `error`. Exit status: 0 when the page played,
// 1 when it did not (the JSON says why), 2 on a usage error.
import { createRequire } from 'node:module';
import path from 'node:path';

const [pageUrl, chromium, nodeModules, secondsArg, resultArg] = process.argv.slice(2);
const resultName = resultArg ?? 'hlsResult';
if (!pageUrl || !chromium || !nodeModules) {
  console.error('usage: node hls_page.mjs PAGE_URL CHROMIUM NODE_MODULES [SECONDS [RESULT]]');
  process.exit(2);
}
const seconds = Number(secondsArg ?? 2);
// puppeteer-core from the given node_modules (the CommonJS entry), wherever this script lies.
const require = createRequire(path.join(path.resolve(nodeModules), 'resolver.cjs'));
const puppeteer = require('puppeteer-core');

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: [
    '--headless=new',
    '--no-sandbox',
    '--autoplay-policy=no-user-gesture-required',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--no-first-run',
  ],
});
let result = { done: false, error: 'no result' };
try {
  const page = await browser.newPage();
  const logs = [];
  page.on('console', (message) => logs.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => logs.push(`pageerror: ${error.message}`));
  const url = new URL(pageUrl);
  url.searchParams.set('seconds', String(seconds));
  await page.goto(url.toString(), { waitUntil: 'load', timeout: 30000 });
  const played = (name, atLeast) => {
    const r = window[name];
    if (!r) return false;
    if (r.error) return true;
    if (!r.done && r.played >= atLeast && r.videoWidth > 0) r.done = true;
    return r.done;
  };
  try {
    await page.waitForFunction(played, { timeout: 45000, polling: 100 }, resultName, seconds);
  } catch (timeout) {
    // Whatever the page got to: the JSON says how far.
  }
  result = await page.evaluate((name) => {
    const r = window[name];
    if (!r) return { done: false, error: `no ${name}` };
    const copy = {};  // the plain fields only (framepipe holds a peer connection or hls.js)
    for (const [key, value] of Object.entries(r)) {
      if (value === null || typeof value !== 'object') copy[key] = value;
    }
    return copy;
  }, resultName);
  if (!result.done && !result.error) result.error = 'timed out';
  result.logs = logs.slice(-20);
} catch (error) {
  result = { done: false, error: String(error) };
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.done && !result.error ? 0 : 1);
