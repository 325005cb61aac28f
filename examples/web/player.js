// framepipe's player: plays the stream of the path this page is served at (http://HOST:PORT/PATH/)
// over WHEP (PATH/whep) by default, or over HLS (PATH/hls/index.m3u8) behind the switch
// (?protocol=hls, or ?hls, or #hls). No framework, no build step.
//
// Query parameters: protocol=whep|hls, token=<bearer token> (WHEP's Authorization header),
// whep=<endpoint URL> (another server's, CORS permitting), hls=<playlist URL> (likewise),
// player=native|hlsjs (HLS: the browser's own player or hls.js; by default the browser's where
// canPlayType says it has one).
'use strict';

const params = new URLSearchParams(location.search);
const video = document.getElementById('video');
const statusText = document.getElementById('status');
const protocolSelect = document.getElementById('protocol');

function chosenProtocol() {
  if (params.get('protocol')) return params.get('protocol');
  return params.has('hls') || location.hash === '#hls' ? 'hls' : 'whep';
}

// What the browser tests read (window.framepipe): the peer connection, the state, the error, and
// what the <video> played (seconds of media since its first frame, its size).
const framepipe = {
  protocol: chosenProtocol(),
  state: 'connecting',
  error: null,
  played: 0,
  videoWidth: 0,
  videoHeight: 0,
};
window.framepipe = framepipe;

function setStatus(state, detail) {
  framepipe.state = state;
  statusText.textContent = detail ? `${state}: ${detail}` : state;
}

function fail(message) {
  if (framepipe.error) return;
  framepipe.error = message;
  setStatus('error', message);
}

let firstTime = null;
video.addEventListener('timeupdate', () => {
  if (firstTime === null) firstTime = video.currentTime;
  framepipe.played = video.currentTime - firstTime;
  framepipe.videoWidth = video.videoWidth;
  framepipe.videoHeight = video.videoHeight;
});

// Non-trickle WHEP: the offer goes out with every candidate, so wait for gathering to complete
// (at most 2 s; host candidates on a LAN come at once).
function gatheringComplete(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState === 'complete') resolve();
    };
    pc.addEventListener('icegatheringstatechange', done);
    setTimeout(resolve, 2000);
  });
}

async function playWhep(endpoint) {
  const pc = new RTCPeerConnection();
  framepipe.pc = pc;
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.ontrack = (event) => {
    video.srcObject = event.streams[0] || new MediaStream([event.track]);
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === 'connected') setStatus('playing', 'WHEP');
    if (pc.connectionState === 'failed') setStatus('failed', 'the connection failed');
  };
  await pc.setLocalDescription(await pc.createOffer());
  await gatheringComplete(pc);
  const headers = { 'Content-Type': 'application/sdp' };
  if (params.get('token')) headers.Authorization = `Bearer ${params.get('token')}`;
  const response = await fetch(endpoint, {
    method: 'POST',
    headers,
    body: pc.localDescription.sdp,
  });
  if (response.status !== 201) {
    throw new Error(`${response.status} ${(await response.text()).trim()}`);
  }
  // The resource to DELETE when leaving, so that the server frees this viewer at once.
  const resource = new URL(response.headers.get('Location'), endpoint).href;
  framepipe.resource = resource;
  const leave = () => {
    fetch(resource, { method: 'DELETE', headers, keepalive: true }).catch(() => {});
    pc.close();
  };
  window.addEventListener('pagehide', leave, { once: true });
  framepipe.stop = leave;
  await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.appendChild(script);
  });
}

// HLS: the browser's own player where canPlayType says it has one (Safari; some Chromium builds
// say "maybe"), else hls.js over Media Source Extensions, which the stream example serves at
// PATH/hls.min.js (npm's copy, tests/browser/package-lock.json).
async function playHls(playlist) {
  const canPlayType = video.canPlayType('application/vnd.apple.mpegurl');
  const player = params.get('player') || (canPlayType !== '' ? 'native' : 'hlsjs');
  framepipe.canPlayType = canPlayType;
  framepipe.native = player === 'native';
  video.addEventListener('playing', () => setStatus('playing', `HLS (${player})`));
  video.addEventListener('error', () => {
    const error = video.error;
    fail(`video error ${error ? `${error.code} ${error.message}` : ''}`);
  });
  if (framepipe.native) {
    video.src = playlist;
  } else {
    try {
      await loadScript(new URL('hls.min.js', location.href).href);
    } catch (error) {
      const native = canPlayType !== '' ? ' (?player=native plays this browser\'s own HLS)' : '';
      throw new Error(
        'hls.js is unavailable: the server has no hls.min.js (npm ci in tests/browser, or ' +
          `stream --hls-js FILE), and this page needs it here${native}`,
      );
    }
    if (!window.Hls || !window.Hls.isSupported()) {
      throw new Error('hls.js cannot play here: this browser has no Media Source Extensions');
    }
    const hls = new window.Hls();
    framepipe.hlsjs = hls;
    hls.on(window.Hls.Events.ERROR, (event, data) => {
      if (data.fatal) fail(`hls.js: ${data.type} ${data.details}`);
    });
    hls.loadSource(playlist);
    hls.attachMedia(video);
  }
  // How far behind the newest listed segment's end it plays, in seconds (hls.js: its `latency`;
  // natively: the end of the seekable range).
  video.addEventListener('timeupdate', () => {
    const hls = framepipe.hlsjs;
    const seekable = video.seekable;
    if (hls) {
      framepipe.edgeDistance = hls.latency;
      framepipe.targetLatency = hls.targetLatency;
    } else if (seekable.length) {
      framepipe.edgeDistance = seekable.end(seekable.length - 1) - video.currentTime;
    }
  });
  video.play().catch(() => {});  // autoplay (muted) starts it too; a refusal is not an error
}

async function main() {
  protocolSelect.value = framepipe.protocol;
  protocolSelect.onchange = () => {
    params.set('protocol', protocolSelect.value);
    location.href = `${location.pathname}?${params.toString()}`;
  };
  try {
    if (framepipe.protocol === 'hls') {
      await playHls(params.get('hls') || new URL('hls/index.m3u8', location.href).href);
    } else {
      await playWhep(params.get('whep') || new URL('whep', location.href).href);
    }
  } catch (error) {
    fail(String(error.message || error));
  }
}

main();
