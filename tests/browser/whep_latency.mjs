// Glass-to-glass latency and viewer count for benchmarks/whep_bench.cpp: opens <pages> players
// (the page URL says WHEP or HLS: ?protocol=hls&player=hlsjs) in headless Chromium, and on every frame the first page presents (requestVideoFrameCallback)
// reads the frame index drawn into the picture (tests/support/index_code.hpp: 16 blocks, top
// row the bits, bottom row their complements) from a canvas, and prints
//
//   frame <index> <epoch ms when presented>
//
// for <seconds>, after the pages decode. Then "done" (exit 0), or "error <message>" (exit 1).
//
//   node whep_latency.mjs <page URL> <pages> <seconds>
import { closeAfter, launchForWebRtc } from './chromium.mjs';

const [url, pageCountText, secondsText] = process.argv.slice(2);
const browser = await launchForWebRtc({ width: 1400, height: 900 });
await closeAfter(browser, async () => {
  const pages = [];
  for (let i = 0; i < Number(pageCountText); ++i) {
    const page = await browser.newPage();
    await page.goto(url, { waitUntil: 'load', timeout: 10000 });
    pages.push(page);
  }
  // The measured page in front: Chromium does not render (nor call requestVideoFrameCallback
  // for) a background tab.
  const page = pages[0];
  await page.bringToFront();
  page.on('console', (message) => {
    if (message.text().startsWith('frame ')) console.log(message.text());
  });
  // HLS starts once the playlist lists a segment or more (2 s segments: some seconds).
  await page.waitForFunction(
    () => document.getElementById('video').videoWidth > 0,
    { timeout: 30000 },
  );
  await page.evaluate((seconds) => new Promise((resolve) => {
    const video = document.getElementById('video');
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true });
    const end = performance.now() + seconds * 1000;
    const onFrame = (now, metadata) => {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const w = canvas.width;
      const h = canvas.height;
      const luma = (x, y) => {
        const d = context.getImageData(x - 2, y - 2, 5, 5).data;
        let sum = 0;
        for (let i = 0; i < d.length; i += 4) sum += d[i + 1];  // green follows luma
        return sum / 25;
      };
      let index = 0;
      let valid = true;
      for (let bit = 0; bit < 16; ++bit) {
        const cx = Math.floor(((2 * bit + 1) * w) / 32);
        const top = luma(cx, Math.floor(h / 4)) > 128;
        const bottom = luma(cx, Math.floor((3 * h) / 4)) > 128;
        if (top === bottom) valid = false;
        if (top) index |= 1 << bit;
      }
      const shown = performance.timeOrigin + (metadata.expectedDisplayTime || now);
      if (valid) console.log(`frame ${index} ${shown.toFixed(3)}`);
      if (performance.now() < end) {
        video.requestVideoFrameCallback(onFrame);
      } else {
        resolve();
      }
    };
    video.requestVideoFrameCallback(onFrame);
  }), Number(secondsText));
  console.log('done');
});
