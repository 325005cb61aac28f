// framepipe's player: plays the stream of the path this page is served at (http://HOST:PORT/PATH/)
// over WHEP (PATH/whep) by default, or over HLS (?protocol=hls). No framework, no build step.
//
// Query parameters: protocol=whep|hls, token=<bearer token> (WHEP's Authorization header),
// whep=<endpoint URL> (another server's, CORS permitting).
'use strict';

const params = new URLSearchParams(location.search);
const video = document.getElementById('video');
const statusText = document.getElementById('status');
const protocolSelect = document.getElementById('protocol');

// What the browser tests read (window.framepipe): the peer connection, the state, the error.
const framepipe = { protocol: params.get('protocol') || 'whep', state: 'connecting', error: null };
window.framepipe = framepipe;

function setStatus(state, detail) {
  framepipe.state = state;
  statusText.textContent = detail ? `${state}: ${detail}` : state;
}

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

// HLS: native where the browser has it (Safari), else hls.js. The HLS half of the server fills
// this in (the playlist's URL and hls.js's location).
async function playHls() {
  throw new Error('this server does not serve HLS');
}

async function main() {
  protocolSelect.value = framepipe.protocol;
  protocolSelect.onchange = () => {
    params.set('protocol', protocolSelect.value);
    location.search = params.toString();
  };
  try {
    if (framepipe.protocol === 'hls') {
      await playHls();
    } else {
      await playWhep(params.get('whep') || new URL('whep', location.href).href);
    }
  } catch (error) {
    framepipe.error = String(error.message || error);
    setStatus('error', framepipe.error);
  }
}

main();
