// Plays an HLS player page in headless Chromium (puppeteer-core, Debian's /usr/bin/chromium; no
// browser download) and reports what the page saw as one JSON line on stdout.
//
//   node hls_page.mjs PAGE_URL CHROMIUM NODE_MODULES [SECONDS]
//
// The page (served by the test) plays the stream in a <video> and sets window.hlsResult:
// { done, error, native, canPlayType, played, videoWidth, videoHeight, edgeDistance } once the
// video has played SECONDS (default 2) seconds of media past its first frame, or on error. Exit
// status: 0 when the page played, 1 when it did not (the JSON says why), 2 on a usage error.
import { createRequire } from 'node:module';
import path from 'node:path';

const [pageUrl, chromium, nodeModules, secondsArg] = process.argv.slice(2);
if (!pageUrl || !chromium || !nodeModules) {
  console.error('usage: node hls_page.mjs PAGE_URL CHROMIUM NODE_MODULES [SECONDS]');
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
  try {
    await page.waitForFunction(() => window.hlsResult && window.hlsResult.done, {
      timeout: 45000,
      polling: 100,
    });
  } catch (timeout) {
    // Whatever the page got to: the JSON says how far.
  }
  result = await page.evaluate(() => window.hlsResult ?? { done: false, error: 'no hlsResult' });
  if (!result.done && !result.error) result.error = 'timed out';
  result.logs = logs.slice(-20);
} catch (error) {
  result = { done: false, error: String(error) };
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.done && !result.error ? 0 : 1);
