# Type stub of the framepipe extension module (python/src/), for editors and type checkers.
import os
from fractions import Fraction
from types import TracebackType
from typing import Any, Callable, Dict, Iterator, Literal, Optional, Tuple, Type, Union

import enum

__version__: str

_Format = Literal["BGR24", "RGB24", "BGRA32", "RGBA32", "GRAY8"]
_Fps = Union[int, float, Tuple[int, int], Fraction]
_Target = Union[str, "os.PathLike[str]"]

class Error(Exception):
    """Base class of every exception framepipe raises."""

class InvalidArgument(Error, ValueError):
    """A value framepipe cannot work with."""

class FrameError(InvalidArgument):
    """An array that is not the frame the call expects."""
    expected: str
    got: str

class Interrupted(Error):
    """A wait cut short on request."""

class ParseError(Error):
    """A pipeline description GStreamer rejects."""
    description: str
    gst_message: str

class MissingElement(Error):
    """A description names an element no installed plugin provides."""
    element: str
    gst_message: str

class StreamError(Error):
    """An ERROR from the pipeline."""
    element: str
    gst_message: str
    debug: str
    domain: str
    code: int

class NotNegotiated(StreamError):
    """Downstream refused the caps framepipe offered."""
    offered_caps: str

class AddressInUse(StreamError):
    """A socket address someone else holds."""
    address: str
    port: int

class PeerUnreachable(StreamError):
    """A peer did not answer within the connect timeout."""
    host: str
    port: int
    connect_timeout: float

class Timeout(Error, TimeoutError):
    """Something framepipe waits for did not happen in time."""
    limit: float

class Matrix(enum.Enum):
    """The R'G'B' <-> Y'CbCr matrix (caps `colorimetry`)."""
    BT601: int
    BT709: int
    BT2020: int

class Range(enum.Enum):
    """Y'CbCr range."""
    Limited: int
    Full: int

class Stats:
    """Counters of a stream (times in seconds)."""
    @property
    def frames(self) -> int: ...
    @property
    def dropped(self) -> int: ...
    @property
    def source_dropped(self) -> int: ...
    @property
    def late(self) -> int: ...
    @property
    def bytes(self) -> int: ...
    @property
    def audio_frames(self) -> int: ...
    @property
    def audio_buffers(self) -> int: ...
    @property
    def audio_dropped(self) -> int: ...
    @property
    def elapsed(self) -> float: ...
    @property
    def convert(self) -> float: ...
    @property
    def acquire(self) -> float: ...
    @property
    def submit(self) -> float: ...
    @property
    def finish(self) -> float: ...
    @property
    def fps(self) -> float: ...
    def as_dict(self) -> dict[str, Union[int, float]]: ...

class AudioSpec:
    """An audio stream: sample format ("S16LE": int16, "F32LE": float32), rate, channels."""
    def __init__(self, *, format: Literal["S16LE", "F32LE"] = "S16LE", rate: int = 48000,
                 channels: int = 2) -> None: ...
    @property
    def format(self) -> str: ...
    @property
    def rate(self) -> int: ...
    @property
    def channels(self) -> int: ...

class Writer:
    """Writes numpy frames into a GStreamer pipeline: the cv2.VideoWriter replacement."""
    def __init__(self, target: _Target, size: Tuple[int, int], fps: _Fps = 30, *,
                 format: _Format = "BGR24", matrix: Union[None, str, Matrix] = None,
                 range: Union[str, Range] = "limited", threads: int = 1,
                 timestamps: Literal["index", "explicit", "clock"] = "index",
                 pool_size: int = 4, eos_timeout: float = 10.0,
                 audio: Optional[AudioSpec] = None) -> None: ...
    def write(self, frame: Any, pts: Optional[int] = None) -> None:
        """Writes one HxWx3 (HxWx4, HxW) uint8 array, read in place; the GIL released."""
    def write_audio(self, samples: Any, pts: Optional[int] = None) -> None:
        """Writes (n, channels) or (n * channels,) int16 (S16LE) / float32 (F32LE) samples,
        C-contiguous, read in place; the GIL released. Needs audio=."""
    def close(self) -> Stats:
        """Ends the stream (EOS, file finalised) and returns its stats; twice is harmless."""
    @property
    def stats(self) -> Stats: ...
    @property
    def closed(self) -> bool: ...
    @property
    def description(self) -> str: ...
    @property
    def size(self) -> Tuple[int, int]: ...
    @property
    def fps(self) -> Fraction: ...
    @property
    def format(self) -> str: ...
    @property
    def audio(self) -> Optional[AudioSpec]: ...
    @property
    def audio_frames(self) -> int: ...
    @property
    def _last_frame_address(self) -> int: ...
    @property
    def _last_audio_address(self) -> int: ...
    @property
    def _acquire_waiting(self) -> bool: ...
    def __enter__(self) -> "Writer": ...
    def __exit__(self, type: Optional[Type[BaseException]], value: Optional[BaseException],
                 traceback: Optional[TracebackType]) -> bool: ...

class Frame:
    """One frame read by a Reader; np.asarray(frame) views it without a copy."""
    @property
    def pts(self) -> Optional[int]: ...
    @property
    def duration(self) -> Optional[int]: ...
    @property
    def index(self) -> int: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def shape(self) -> Tuple[int, ...]: ...
    @property
    def format(self) -> str: ...
    @property
    def _address(self) -> int: ...
    def __buffer__(self, flags: int) -> memoryview: ...

class Reader:
    """Reads frames from a file or a GStreamer source: the cv2.VideoCapture replacement."""
    def __init__(self, source: _Target, *, format: _Format = "BGR24", threads: int = 1,
                 timeout: float = 10.0, sync: bool = False) -> None: ...
    def read(self, *, out: Any = None) -> Optional[Frame]:
        """The next frame, or None at the end; with `out`, unpacked into that array."""
    def close(self) -> None: ...
    @property
    def stats(self) -> Stats: ...
    @property
    def closed(self) -> bool: ...
    @property
    def description(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def size(self) -> Tuple[int, int]: ...
    @property
    def fps(self) -> Fraction: ...
    @property
    def matrix(self) -> Optional[Matrix]: ...
    @property
    def range(self) -> Optional[Range]: ...
    @property
    def _spare_frames(self) -> int: ...
    def __iter__(self) -> Iterator[Frame]: ...
    def __next__(self) -> Frame: ...
    def __enter__(self) -> "Reader": ...
    def __exit__(self, type: Optional[Type[BaseException]], value: Optional[BaseException],
                 traceback: Optional[TracebackType]) -> bool: ...

# Packers and unpackers on arrays (python/src/convert.cpp). A 4:2:0 frame is one C-contiguous
# uint8 block: a (height * 3/2, width) array for an even size (cv2's I420 layout), a 1-D array of
# w*h + 2*ceil(w/2)*ceil(h/2) bytes for an odd side.
_Rgb = Literal["BGR24", "RGB24", "BGRA32", "RGBA32"]
_Matrix = Union[None, str, Matrix]
_Range = Union[str, Range]

def pack_i420(frame: Any, out: Any = None, *, input: _Rgb = "BGR24", threads: int = 1,
              matrix: _Matrix = None, range: _Range = "limited") -> Any:
    """Packs an HxWx3/4 uint8 array into I420 (into `out`, or a new array); GIL released."""
def pack_nv12(frame: Any, out: Any = None, *, input: _Rgb = "BGR24", threads: int = 1,
              matrix: _Matrix = None, range: _Range = "limited") -> Any:
    """Packs an HxWx3/4 uint8 array into NV12 (into `out`, or a new array); GIL released."""
def unpack(frame: Any, format: _Rgb = "BGR24", out: Any = None, *,
           size: Optional[Tuple[int, int]] = None, input: Literal["I420", "NV12"] = "I420",
           threads: int = 1, matrix: _Matrix = None, range: Optional[_Range] = None,
           chroma_filter: Literal["bilinear", "replicate"] = "bilinear") -> Any:
    """Unpacks an I420/NV12 array into an HxWx3/4 array of `format`; GIL released."""

# Pipelines (python/src/pipeline.cpp) and RTSP and network recipes (python/src/rtsp.cpp).
class FrameTime:
    """When a frame is shown: what a callable source gets."""
    @property
    def index(self) -> int: ...
    @property
    def pts(self) -> int:
        """Presentation time in nanoseconds."""
    @property
    def duration(self) -> int: ...
    @property
    def seconds(self) -> float: ...

class TestPattern:
    """A Pipeline source: ramps and a moving white square (the C++ TestPatternGenerator)."""
    def __init__(self, size: Tuple[int, int] = (320, 240)) -> None: ...
    @property
    def size(self) -> Tuple[int, int]: ...

class TextClock:
    """A Pipeline source: the tutorial's clock (the C++ TextClockGenerator; needs OpenCV)."""
    def __init__(self, size: Tuple[int, int] = (320, 240), *,
                 color: Tuple[int, int, int] = (255, 255, 0), font_scale: float = 0.0,
                 thickness: int = 0) -> None: ...
    @property
    def size(self) -> Tuple[int, int]: ...

class RtspServer:
    """Serves a live stream at rtsp://address:port/path; a Pipeline's target."""
    def __init__(self, path: str = "/stream", *, port: int = 0, address: str = "127.0.0.1",
                 codec: Literal["h264", "vp8"] = "h264", encoder: str = "", pool_size: int = 4,
                 client_threads: int = 8, users: Optional[Dict[str, str]] = None,
                 auth: Literal["digest", "basic"] = "digest", tls_certificate: str = "",
                 tls_key: str = "", max_clients: int = 64, session_timeout: float = 60.0,
                 setup_timeout: float = 20.0) -> None: ...
    @property
    def url(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def clients(self) -> int: ...
    @property
    def medias_configured(self) -> int: ...
    @property
    def refused_clients(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self) -> "RtspServer": ...
    def __exit__(self, type: Optional[Type[BaseException]], value: Optional[BaseException],
                 traceback: Optional[TracebackType]) -> bool: ...

_Source = Union[TextClock, TestPattern, Callable[[Any, FrameTime], None]]

class Pipeline:
    """A source, the I420 packer and a target, run by the C++ engine."""
    def __init__(self, source: _Source, target: Union[_Target, RtspServer], *, fps: _Fps = 30,
                 frames: int = 0, seconds: Optional[float] = None,
                 size: Optional[Tuple[int, int]] = None, realtime: Optional[bool] = None,
                 live: bool = False, matrix: _Matrix = None, range: _Range = "limited",
                 threads: int = 1, overlap: bool = False,
                 on_progress: Optional[Callable[[Stats], None]] = None,
                 progress_interval: float = 1.0, pool_size: int = 4,
                 eos_timeout: float = 10.0) -> None: ...
    def run(self) -> Stats:
        """Runs to the end (GIL released); Ctrl-C finalises the file, then KeyboardInterrupt."""
    def stop(self) -> None:
        """Ends the run from any thread."""
    @property
    def stats(self) -> Stats: ...
    @property
    def running(self) -> bool: ...
    @property
    def description(self) -> str: ...
    @property
    def size(self) -> Tuple[int, int]: ...
    @property
    def fps(self) -> Fraction: ...

def rtp_udp(host: str, port: int, codec: Literal["h264", "vp8"] = "h264",
            fps: _Fps = 30) -> str:
    """RTP over UDP to host:port (payload type 96): a description for a target."""
def rtp_raw_udp(host: str, port: int, mtu: int = 1400) -> str:
    """Uncompressed RFC 4175 RTP (UYVY) to host:port."""
def srt_listener(port: int, codec: Literal["h264", "vp8"] = "h264", address: str = "127.0.0.1",
                 fps: _Fps = 30, *, passphrase: str = "", pbkeylen: int = 16) -> str:
    """An SRT listener on address:port."""
def srt_caller(host: str, port: int, codec: Literal["h264", "vp8"] = "h264", fps: _Fps = 30, *,
               connect_timeout: float = 3.0, passphrase: str = "", pbkeylen: int = 16) -> str:
    """An SRT caller to a listener at host:port."""
def sdp_text(host: str, port: int, codec: Literal["h264", "vp8"] = "h264",
             session_name: str = "framepipe") -> str: ...
def write_sdp(path: str, host: str, port: int, codec: Literal["h264", "vp8"] = "h264",
              session_name: str = "framepipe") -> None: ...
def raw_sdp_text(host: str, port: int, size: Tuple[int, int], fps: _Fps = 30,
                 matrix: _Matrix = None, range: _Range = "limited") -> str: ...
def write_raw_sdp(path: str, host: str, port: int, size: Tuple[int, int], fps: _Fps = 30,
                  matrix: _Matrix = None, range: _Range = "limited") -> None: ...
