// Debian's Chromium (/usr/bin/chromium, or $FRAMEPIPE_CHROMIUM) headless, as the WHEP scripts
// here drive it through puppeteer-core: the flags that let WebRTC run as root on loopback
// (host candidates on 127.0.0.1, no mDNS names) and media play without a user gesture.
import puppeteer from 'puppeteer-core';

export function launchForWebRtc({ width = 800, height = 500, extraArgs = [] } = {}) {
  return puppeteer.launch({
    executablePath: process.env.FRAMEPIPE_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--allow-loopback-in-peer-connection',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--autoplay-policy=no-user-gesture-required',
      ...extraArgs,
      `--window-size=${width},${height}`,
    ],
  });
}

// Runs `body`, prints `error <message>` if it throws, closes the browser whatever happened, and
// ends the process: exit code 0, or 1 after an error.
export async function closeAfter(browser, body) {
  let status = 0;
  try {
    await body();
  } catch (error) {
    console.log(`error ${String(error.message || error).replace(/\s+/g, ' ')}`);
    status = 1;
  } finally {
    await browser.close();
  }
  process.exit(status);
}
