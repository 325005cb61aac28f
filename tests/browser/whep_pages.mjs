// Opens framepipe's player page in headless Chromium (Debian's /usr/bin/chromium, driven by
// puppeteer-core) and reports what the pages decode, one line per event, for the C++ test
// (tests/browser/whep_browser_test.cpp) to check:
//
//   node whep_pages.mjs <page URL> <pages> <screenshot.png> <go file> <x,y> [<x,y>...]
//
//   playing page=<i> frames=<framesDecoded> width=<w> height=<h> c0=<r,g,b> c1=...
//       each page reached framesDecoded >= 30 (getStats' inbound-rtp) within 10 s; cN is the
//       colour at the Nth point (an average of 5x5 pixels), the <video> drawn into a canvas once
//       75 frames were decoded
//   screenshot <path>     page 0 as PNG
//   held page=0 frames=<n>  with one page: it decoded 240 frames more (8 s, past the server's
//                           peer_timeout)
//   closed page=<last>    the last page is closed (its pagehide DELETEs its viewer)
//   still page=<i> before=<n> after=<m>
//       once <go file> exists (the C++ side checked the server): each other page decoded 15
//       more frames
//   error <message>       and exit code 1
//
// Every wait is bounded; the browser is always closed.
import fs from 'node:fs';
import { closeAfter, launchForWebRtc } from './chromium.mjs';

const [url, pageCountText, screenshot, goFile, ...pointTexts] = process.argv.slice(2);
const pageCount = Number(pageCountText);
const points = pointTexts.map((text) => text.split(',').map(Number));

const browser = await launchForWebRtc({ extraArgs: ['--disable-gpu'] });

async function framesDecoded(page) {
  return page.evaluate(async () => {
    const pc = window.framepipe && window.framepipe.pc;
    if (!pc) return { frames: 0, error: window.framepipe && window.framepipe.error };
    const stats = await pc.getStats();
    let frames = 0;
    let width = 0;
    let height = 0;
    stats.forEach((report) => {
      if (report.type === 'inbound-rtp' && report.kind === 'video') {
        frames = report.framesDecoded || 0;
        width = report.frameWidth || 0;
        height = report.frameHeight || 0;
      }
    });
    return { frames, width, height, error: window.framepipe.error };
  });
}

async function waitFrames(page, atLeast, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const stats = await framesDecoded(page);
    if (stats.error) throw new Error(`page error: ${stats.error}`);
    if (stats.frames >= atLeast) return stats;
    if (Date.now() > deadline) {
      throw new Error(`framesDecoded ${stats.frames} < ${atLeast} after ${ms} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function colours(page) {
  return page.evaluate((pts) => {
    const video = document.getElementById('video');
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    context.drawImage(video, 0, 0);
    return pts.map(([x, y]) => {
      const data = context.getImageData(x - 2, y - 2, 5, 5).data;
      const sum = [0, 0, 0];
      for (let i = 0; i < data.length; i += 4) {
        for (let c = 0; c < 3; ++c) sum[c] += data[i + c];
      }
      return sum.map((v) => Math.round(v / 25));
    });
  }, points);
}

await closeAfter(browser, async () => {
  // All pages at once, as viewers arriving together.
  const pages = await Promise.all(
    Array.from({ length: pageCount }, async () => {
      const page = await browser.newPage();
      await page.goto(url, { waitUntil: 'load', timeout: 10000 });
      return page;
    }),
  );
  const started = await Promise.all(pages.map((page) => waitFrames(page, 30, 10000)));
  // The colours once the encoder's rate control has settled (its first frames after a join are
  // coarse), still within the same 10 s.
  await Promise.all(pages.map((page) => waitFrames(page, 75, 10000)));
  for (let i = 0; i < pages.length; ++i) {
    const cs = await colours(pages[i]);
    const video = await pages[i].evaluate(() => {
      const v = document.getElementById('video');
      return [v.videoWidth, v.videoHeight];
    });
    console.log(
      `playing page=${i} frames=${started[i].frames} width=${video[0]} height=${video[1]} ` +
        cs.map((c, n) => `c${n}=${c.join(',')}`).join(' '),
    );
  }
  await pages[0].screenshot({ path: screenshot });
  console.log(`screenshot ${screenshot}`);
  if (pages.length === 1) {
    // One viewer for longer than the server's peer_timeout (6 s): it must keep playing (the
    // RTCP it sends keeps it).
    const held = await waitFrames(pages[0], started[0].frames + 240, 12000);
    console.log(`held page=0 frames=${held.frames}`);
  }
  if (pages.length > 1) {
    const last = pages.pop();
    await last.close({ runBeforeUnload: false });
    console.log(`closed page=${pages.length}`);
    const deadline = Date.now() + 15000;
    while (!fs.existsSync(goFile)) {
      if (Date.now() > deadline) throw new Error('the C++ side never wrote the go file');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const before = await Promise.all(pages.map(framesDecoded));
    const after = await Promise.all(
      pages.map((page, i) => waitFrames(page, before[i].frames + 15, 10000)),
    );
    pages.forEach((_, i) => {
      console.log(`still page=${i} before=${before[i].frames} after=${after[i].frames}`);
    });
  }
});
