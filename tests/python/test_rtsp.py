# framepipe.RtspServer fed by a Pipeline, read by ffmpeg on 127.0.0.1 (a client nobody here
# wrote), and the network recipes: descriptions, SDP files, RTP packets on a loopback UDP port.
import socket
import subprocess
import threading

import numpy as np
import pytest

import framepipe
from conftest import need_elements, need_ffmpeg, tool_env

SIZE = (160, 120)


def need_rtsp():
    if not hasattr(framepipe, "RtspServer"):
        pytest.skip("framepipe.RtspServer needs the module built with gst-rtsp-server")


def serve(server, source, seconds=60):
    """Runs a real-time Pipeline into `server` on a thread; returns (pipeline, thread, result)."""
    pipeline = framepipe.Pipeline(source, server, fps=30, seconds=seconds)
    result = {}

    def run():
        try:
            result["stats"] = pipeline.run()
        except BaseException as e:  # noqa: B902 (reported by the test)
            result["error"] = e

    thread = threading.Thread(target=run)
    thread.start()
    return pipeline, thread, result


def test_ffmpeg_reads_the_pipelines_stream_from_the_rtsp_url():
    need_rtsp()
    need_elements("x264enc", "rtph264pay")
    need_ffmpeg()
    with framepipe.RtspServer(port=0) as server:
        assert server.port > 0
        assert server.url == "rtsp://127.0.0.1:%d/stream" % server.port
        source = framepipe.TestPattern(size=SIZE)
        pipeline, thread, result = serve(server, source)
        try:
            raw = subprocess.run(
                ["timeout", "60", "ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-i",
                 server.url, "-frames:v", "30", "-f", "rawvideo", "-pix_fmt", "bgr24", "-"],
                capture_output=True, timeout=90, env=tool_env())
        finally:
            pipeline.stop()
            thread.join(60)
        assert raw.returncode == 0, raw.stderr.decode(errors="replace")
        frames = np.frombuffer(raw.stdout, np.uint8).reshape(-1, SIZE[1], SIZE[0], 3)
        assert len(frames) == 30
        # The test pattern: a red ramp across each frame.
        assert frames[-1][60, 150, 2] > frames[-1][60, 10, 2] + 100
        assert not thread.is_alive()
        assert "error" not in result, result
        assert result["stats"].frames >= 30
        assert server.medias_configured >= 1
    assert server.closed
    assert server.clients == 0


def test_a_server_closed_while_a_pipeline_feeds_it_drops_the_frames():
    need_rtsp()
    need_elements("x264enc", "rtph264pay")
    server = framepipe.RtspServer("/clock", port=0)
    assert server.url.endswith("/clock")
    server.close()
    server.close()  # idempotent
    with pytest.raises(framepipe.Error, match="closed"):
        framepipe.Pipeline(framepipe.TestPattern(size=SIZE), server, frames=3)


def test_the_port_is_refused_when_taken():
    need_rtsp()
    need_elements("x264enc", "rtph264pay")
    with framepipe.RtspServer(port=0) as first:
        with pytest.raises(framepipe.AddressInUse):
            framepipe.RtspServer(port=first.port)
    with pytest.raises(framepipe.InvalidArgument, match="codec"):
        framepipe.RtspServer(codec="mpeg2")
    with pytest.raises(framepipe.InvalidArgument, match="port"):
        framepipe.RtspServer(port=70000)


def test_the_recipes_are_the_cpp_descriptions(tmp):
    h264 = framepipe.rtp_udp("127.0.0.1", 5004)
    assert "x264enc" in h264 and "rtph264pay" in h264 and "udpsink host=127.0.0.1 port=5004" in h264
    assert "vp8enc" in framepipe.rtp_udp("127.0.0.1", 5004, "vp8", fps=25)
    assert "rtpvrawpay" in framepipe.rtp_raw_udp("::1", 5006)
    listener = framepipe.srt_listener(7001)
    assert "srtsink" in listener and "srt://127.0.0.1:7001" in listener
    secret = framepipe.srt_caller("127.0.0.1", 7001, passphrase="0123456789abc")
    assert "passphrase=0123456789abc" in secret and "pbkeylen=16" in secret
    assert "a=rtpmap:96 H264/90000" in framepipe.sdp_text("127.0.0.1", 5004)
    framepipe.write_sdp(str(tmp / "s.sdp"), "127.0.0.1", 5004, "vp8")
    assert "VP8/90000" in (tmp / "s.sdp").read_text()
    framepipe.write_raw_sdp(str(tmp / "raw.sdp"), "127.0.0.1", 5006, (64, 48), matrix="BT.709")
    raw = (tmp / "raw.sdp").read_text()
    assert "width=64" in raw and "height=48" in raw and "BT709-2" in raw
    with pytest.raises(framepipe.InvalidArgument, match="codec"):
        framepipe.rtp_udp("127.0.0.1", 5004, "h265")
    with pytest.raises(framepipe.InvalidArgument, match="host"):
        framepipe.rtp_udp("not a host!", 5004)
    with pytest.raises(framepipe.InvalidArgument, match="port"):
        framepipe.rtp_udp("127.0.0.1", 0)
    with pytest.raises(framepipe.InvalidArgument):
        framepipe.srt_listener(7001, passphrase="short")


def test_rtp_udp_sends_rtp_packets_to_a_loopback_port():
    need_elements("x264enc", "rtph264pay", "udpsink")
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(30)
        port = receiver.getsockname()[1]
        stats = framepipe.Pipeline(framepipe.TestPattern(size=SIZE),
                                   framepipe.rtp_udp("127.0.0.1", port), frames=10, live=True,
                                   realtime=False).run()
        assert stats.frames == 10  # handed on; live=True drops the oldest rather than wait
        packet = receiver.recv(65536)
        assert packet[0] >> 6 == 2  # RTP version 2
        assert packet[1] & 0x7F == 96  # payload type 96
    finally:
        receiver.close()
