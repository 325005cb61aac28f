// Plays a WHEP stream with audio in headless Chromium (Debian's /usr/bin/chromium, driven by
// puppeteer-core): a blank page of the server's origin offers recvonly video and audio transceivers to the endpoint (as
// examples/web/player.js does for video), plays what it receives in an unmuted <audio>, and
// reports what it receives, for the C++ test (tests/browser/whep_audio_browser_test.cpp) to
// check:
//
//   node whep_audio.mjs <blank page URL> <WHEP endpoint URL>
//
//   audio packets=<packetsReceived> samples=<totalSamplesReceived> energy=<totalAudioEnergy>
//         codec=<mimeType> frames=<video framesDecoded>
//       getStats' inbound-rtp of kind audio reached packetsReceived > 0 and
//       totalSamplesReceived > 0 and totalAudioEnergy > 0, and the video decoded frames, within
//       20 s
//   error <message>       and exit code 1
//
// Every wait is bounded; the browser is always closed.
import { closeAfter, launchForWebRtc } from './chromium.mjs';

const [url, endpoint] = process.argv.slice(2);

const browser = await launchForWebRtc({ extraArgs: ['--disable-gpu'] });

async function received(page) {
  return page.evaluate(async () => {
    const pc = window.framepipe && window.framepipe.pc;
    if (!pc) return { packets: 0 };
    const stats = await pc.getStats();
    const out = { packets: 0, samples: 0, energy: 0, codec: '', frames: 0 };
    const codecs = new Map();
    stats.forEach((report) => {
      if (report.type === 'codec') codecs.set(report.id, report.mimeType);
    });
    stats.forEach((report) => {
      if (report.type !== 'inbound-rtp') return;
      if (report.kind === 'audio') {
        out.packets = report.packetsReceived || 0;
        out.samples = report.totalSamplesReceived || 0;
        out.energy = report.totalAudioEnergy || 0;
        out.codec = codecs.get(report.codecId) || '';
        out.concealed = report.concealedSamples || 0;
        out.level = report.audioLevel || 0;
      } else if (report.kind === 'video') {
        out.frames = report.framesDecoded || 0;
      }
    });
    out.state = pc.connectionState;
    return out;
  });
}

await closeAfter(browser, async () => {
  const page = await browser.newPage();
  await page.goto(url, { waitUntil: 'load', timeout: 10000 });
  // The negotiation, as player.js does it, with an audio transceiver too. The <audio> is not
  // muted: muted, Chrome scales the decoded audio to 0 before it measures totalAudioEnergy (the
  // browser's autoplay policy lets it play).
  await page.evaluate(async (url) => {
    const pc = new RTCPeerConnection();
    window.framepipe = { pc };
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const audio = document.createElement('audio');
    audio.autoplay = true;
    document.body.appendChild(audio);
    pc.ontrack = (event) => {
      if (event.track.kind === 'audio') audio.srcObject = new MediaStream([event.track]);
    };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') resolve();
      });
      setTimeout(resolve, 2000);
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: pc.localDescription.sdp,
    });
    const answer = await response.text();
    if (response.status !== 201) throw new Error(`${response.status} ${answer.trim()}`);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  }, endpoint);
  const deadline = Date.now() + 20000;
  for (;;) {
    const got = await received(page);
    if (got.packets > 0 && got.samples > 0 && got.frames > 0 && got.energy > 0) {
      console.log(
        `audio packets=${got.packets} samples=${got.samples} energy=${got.energy} ` +
          `codec=${got.codec || 'none'} frames=${got.frames}`,
      );
      break;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `after 20 s: packetsReceived ${got.packets} totalSamplesReceived ${got.samples} ` +
          `totalAudioEnergy ${got.energy} framesDecoded ${got.frames} concealedSamples ` +
          `${got.concealed} audioLevel ${got.level} connectionState ${got.state}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});
