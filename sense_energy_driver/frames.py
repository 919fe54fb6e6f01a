"""Decode realtime feed frames (JSON text or msgpack binary) into typed messages in one step."""

from __future__ import annotations

import logging
import struct
from typing import Any, Final

import msgpack
import msgspec

from .const import FEED_MAX_FRAME_BYTES
from .errors import SenseProtocolError
from .models import MAX_EPOCH, DataChange, DeviceStates, FeedError, Hello, RealtimePayload

__all__ = ["FeedMessage", "FrameDecoder", "Payload"]

_LOGGER = logging.getLogger(__name__)

Payload = RealtimePayload | DataChange | DeviceStates | FeedError | Hello | None

REALTIME_UPDATE: Final = "realtime_update"

# Message types whose payload the driver reads, and the model each decodes into.
_PAYLOAD_TYPES: Final[dict[str, type[Any]]] = {
    REALTIME_UPDATE: RealtimePayload,
    "data_change": DataChange,
    "device_states": DeviceStates,
    "error": FeedError,
    "hello": Hello,
}


class FeedMessage(msgspec.Struct, frozen=True, gc=False):
    """One feed message: its type and, for the types the driver reads, a typed payload.

    A msgspec struct rather than a frozen dataclass: built once per frame, in C; untracked by
    the garbage collector, as its payloads are (they hold strings, numbers and tuples only).
    """

    type: str
    payload: Payload = None
    epoch: float | None = None


class _Envelope(msgspec.Struct, frozen=True):
    """A JSON text frame: the payload is kept raw until the type says what it is."""

    type: str
    payload: msgspec.Raw = msgspec.Raw(b"null")
    epoch: float | None = None


_JSON_ENVELOPE = msgspec.json.Decoder(_Envelope)
_JSON_DECODERS: Final = {t: msgspec.json.Decoder(m) for t, m in _PAYLOAD_TYPES.items()}
_MSGPACK_DECODERS: Final = {t: msgspec.msgpack.Decoder(m) for t, m in _PAYLOAD_TYPES.items()}


def _read_str(buf: bytes, pos: int) -> tuple[str, int] | None:
    """Read a msgpack str at pos (fixstr, str8, str16), or None if the bytes are not one."""
    if pos >= len(buf):
        return None
    head = buf[pos]
    if 0xA0 <= head <= 0xBF:
        length, pos = head & 0x1F, pos + 1
    elif head == 0xD9 and pos + 1 < len(buf):
        length, pos = buf[pos + 1], pos + 2
    elif head == 0xDA and pos + 2 < len(buf):
        length, pos = int.from_bytes(buf[pos + 1 : pos + 3], "big"), pos + 3
    else:
        return None
    end = pos + length
    if end > len(buf):
        return None
    try:
        return buf[pos:end].decode(), end
    except UnicodeDecodeError:
        return None


_INT_SIZES: Final = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8, 0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8}


def _read_epoch(buf: bytes, pos: int) -> tuple[float | None, int] | None:
    """Read the msgpack number (or nil) at pos; the epoch slot of a msgpack triple."""
    if pos >= len(buf):
        return None
    head = buf[pos]
    if head <= 0x7F:
        return float(head), pos + 1
    if head >= 0xE0:
        return float(head - 0x100), pos + 1
    if head == 0xC0:
        return None, pos + 1
    size = _INT_SIZES.get(head)
    if size is not None and pos + 1 + size <= len(buf):
        raw = buf[pos + 1 : pos + 1 + size]
        return float(int.from_bytes(raw, "big", signed=head >= 0xD0)), pos + 1 + size
    if head in (0xCA, 0xCB):
        end = pos + (5 if head == 0xCA else 9)
        if end <= len(buf):
            return float(msgspec.msgpack.decode(buf[pos:end], type=float)), end
    return None


def _bad_epoch(epoch: float) -> str:
    return f"bad epoch: {epoch!r} is not a time between 1970 and 2100"


def _checked_epoch(epoch: float | None) -> float | None:
    """The message's epoch, if it has one that is a time (NaN, ±Infinity, 1e308 are not)."""
    if epoch is None or 0.0 <= epoch < MAX_EPOCH:
        return epoch
    raise SenseProtocolError(_bad_epoch(epoch))


# The common frame starts with these bytes: fixstr "realtime_update", then the epoch.
_REALTIME_HEAD: Final = b"\xaf" + REALTIME_UPDATE.encode()
_HEAD_LEN: Final = len(_REALTIME_HEAD)
_REALTIME_MSGPACK: Final = _MSGPACK_DECODERS[REALTIME_UPDATE]
# Epoch encodings seen on the wire: how to read it, and where the payload then starts.
_EPOCH_READERS: Final = {
    head: (codec.unpack_from, _HEAD_LEN + 1 + codec.size)
    for head, codec in (
        (0xCB, struct.Struct(">d")),
        (0xCE, struct.Struct(">I")),
        (0xCF, struct.Struct(">Q")),
        (0xD3, struct.Struct(">q")),
    )
}


class FrameDecoder:
    """Per-connection decoder: counts what it skips and reassembles msgpack split across frames.

    The common msgpack frame is exactly one (type, epoch, payload) triple; it is read with a
    hand-rolled header scan and one typed msgspec decode of the payload. Anything else (several
    triples in a frame, a triple split across frames) takes the buffered path, which finds object
    boundaries with msgpack's skip() and still decodes each payload straight into its model.
    """

    def __init__(self, *, max_frame_bytes: int = FEED_MAX_FRAME_BYTES) -> None:
        self._max = max_frame_bytes
        self._pending = bytearray()
        self.skipped = 0

    def realtime(self, frame: bytes | str) -> RealtimePayload | None:
        """The payload of a frame that is one lone msgpack realtime_update (the hot path), or
        None for any other frame (then `decode()` it); SenseProtocolError (counted) if its
        payload or epoch is bad."""
        if (
            type(frame) is not bytes
            or self._pending
            or not _HEAD_LEN < len(frame) <= self._max
            or not frame.startswith(_REALTIME_HEAD)
            or (reader := _EPOCH_READERS.get(frame[_HEAD_LEN])) is None
        ):
            return None
        try:
            payload: RealtimePayload = _REALTIME_MSGPACK.decode(memoryview(frame)[reader[1] :])
        except msgspec.ValidationError as err:
            self.skipped += 1
            raise SenseProtocolError(f"bad {REALTIME_UPDATE} payload: {err}") from err
        except msgspec.DecodeError:
            return None  # truncated or several triples: decode() sorts it out
        except RecursionError as err:  # msgspec recurses once per nesting level
            self.skipped += 1
            raise SenseProtocolError("frame nested too deeply") from err
        epoch = reader[0](frame, _HEAD_LEN + 1)[0]
        if not 0 <= epoch < MAX_EPOCH:
            self.skipped += 1
            raise SenseProtocolError(_bad_epoch(float(epoch)))
        return payload

    def decode(self, frame: bytes | str) -> list[FeedMessage]:
        """Decode one WebSocket frame; raise SenseProtocolError (after counting it) if malformed."""
        payload = self.realtime(frame)  # a SenseProtocolError from it is counted already
        try:
            if payload is not None and isinstance(frame, bytes):  # the one kind realtime() reads
                epoch = _EPOCH_READERS[frame[_HEAD_LEN]][0](frame, _HEAD_LEN + 1)[0]
                return [FeedMessage(REALTIME_UPDATE, payload, float(epoch))]
            if len(frame) > self._max:
                self._pending.clear()
                raise SenseProtocolError(f"frame of {len(frame)} bytes exceeds {self._max}")
            if isinstance(frame, str):
                return [self._decode_json(frame)]
            return self._decode_msgpack(frame)
        except SenseProtocolError:
            self.skipped += 1
            raise
        except RecursionError as err:  # msgspec and msgpack recurse once per nesting level
            self._pending.clear()
            self.skipped += 1
            raise SenseProtocolError("frame nested too deeply") from err
        except (ValueError, OverflowError, TypeError) as err:  # any other damage the checks missed
            self._pending.clear()
            self.skipped += 1
            raise SenseProtocolError(f"bad frame: {err}") from err

    # --- JSON ------------------------------------------------------------------------------------

    def _decode_json(self, frame: str) -> FeedMessage:
        try:
            envelope = _JSON_ENVELOPE.decode(frame)
            epoch = _checked_epoch(envelope.epoch)
            decoder = _JSON_DECODERS.get(envelope.type)
            if decoder is None:
                return FeedMessage(envelope.type, None, epoch)
            return FeedMessage(envelope.type, decoder.decode(envelope.payload), epoch)
        except msgspec.DecodeError as err:  # ValidationError is a DecodeError
            raise SenseProtocolError(f"bad JSON frame: {err}") from err

    # --- msgpack ---------------------------------------------------------------------------------

    def _decode_msgpack(self, frame: bytes) -> list[FeedMessage]:
        single = self._decode_single(frame)
        if single is not None:
            if self._pending:  # a lone complete triple after a fragment: the fragment was junk
                dropped = len(self._pending)
                self._pending.clear()
                self.skipped += 1
                _LOGGER.debug("dropped %d bytes of an unfinished msgpack frame", dropped)
            return [single]
        self._pending += frame
        if len(self._pending) > self._max:
            self._pending.clear()
            raise SenseProtocolError("unfinished msgpack data grew past the frame limit")
        return self._drain()

    def _decode_single(self, frame: bytes) -> FeedMessage | None:
        """The fast path: exactly one triple in this frame, or None to take the buffered path."""
        head = _read_str(frame, 0)
        if head is None:
            return None
        kind, pos = head
        epoch_at = _read_epoch(frame, pos)
        if epoch_at is None:
            return None
        epoch, pos = epoch_at
        decoder = _MSGPACK_DECODERS.get(kind)
        try:
            if decoder is None:
                msgspec.msgpack.decode(frame[pos:])  # still must be exactly one object
                payload = None
            else:
                payload = decoder.decode(frame[pos:])
        except msgspec.ValidationError as err:
            raise SenseProtocolError(f"bad {kind} payload: {err}") from err
        except msgspec.DecodeError:
            return None
        # Checked once the bytes proved to be one whole triple, not the tail of a split one.
        return FeedMessage(kind, payload, _checked_epoch(epoch))

    def _drain(self) -> list[FeedMessage]:
        """Take every complete triple off the front of the buffer; leave a partial one there."""
        out: list[FeedMessage] = []
        buf = bytes(self._pending)
        unpacker = msgpack.Unpacker(raw=False, max_buffer_size=max(len(buf), 1))
        unpacker.feed(buf)
        consumed = 0
        while consumed < len(buf):
            try:
                kind = unpacker.unpack()
                epoch = unpacker.unpack()
                start = unpacker.tell()
                unpacker.skip()
                end = unpacker.tell()
            except msgpack.OutOfData:
                break
            except (ValueError, msgpack.UnpackException) as err:
                self._pending.clear()
                raise SenseProtocolError(f"bad msgpack frame: {err}") from err
            consumed = end
            if not isinstance(kind, str) or not (epoch is None or isinstance(epoch, int | float)):
                self._pending.clear()
                raise SenseProtocolError("msgpack frame is not a (type, epoch, payload) triple")
            decoder = _MSGPACK_DECODERS.get(kind)
            try:
                sane = _checked_epoch(None if epoch is None else float(epoch))
                payload = decoder.decode(buf[start:end]) if decoder is not None else None
            except (msgspec.DecodeError, SenseProtocolError) as err:
                del self._pending[:consumed]
                raise SenseProtocolError(f"bad {kind} payload: {err}") from err
            out.append(FeedMessage(kind, payload, sane))
        del self._pending[:consumed]
        return out
