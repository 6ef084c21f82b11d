"""Avatars published without what a camera or an editor wrote into them.

A phone photo's EXIF often holds where it was taken (at home, say), the device and the time; XMP
and IPTC add names and software history. On a public wall that stays online for years, none of it
should go out with the picture. The image data is copied byte for byte; only metadata goes:
JPEG APP1 (EXIF, XMP), APP2 MPF, APP3 to APP13 and APP15 (IPTC and vendor blocks), comments and
anything after the end of the image (motion photos, appended previews); PNG eXIf, tEXt, zTXt, iTXt
and tIME; WebP EXIF and XMP; GIF comments and XMP. What changes how the picture looks stays: the
colour profile (ICC), JFIF and Adobe blocks, and the orientation, which browsers apply to show a
photo upright, rewritten as an EXIF block holding nothing else.

No image library: the four formats' containers are simple, and one that does not parse as its
format says is an error for the wall's writer (ImageError), never published as it is.
"""

from __future__ import annotations

import struct
import zlib

STRIPPER_VERSION = "1"
"""Part of an avatar's fingerprint: a build after this module changes rewrites every avatar."""

_ORIENTATION_TAG = 0x0112
_JPEG_KEPT_APPS = {0xE0, 0xEE}  # APP0 (JFIF), APP14 (Adobe colour transform); ICC is APP2, below
_PNG_DROPPED = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}
_GIF_XMP = b"XMP DataXMP"


class ImageError(ValueError):
    """The file is not a well-formed image of the format its name says."""


def strip_metadata(data: bytes, suffix: str) -> bytes:
    """`data` (a file named `*suffix`) without its metadata; raises ImageError when it does not parse."""
    suffix = suffix.lower()
    if suffix in (".jpg", ".jpeg"):
        return _strip_jpeg(data)
    if suffix == ".png":
        return _strip_png(data)
    if suffix == ".webp":
        return _strip_webp(data)
    if suffix == ".gif":
        return _strip_gif(data)
    raise ImageError(f"unsupported image type '{suffix}'")


def exif_orientation(exif: bytes) -> int:
    """The orientation (1 to 8) a TIFF-structured EXIF block gives, 1 when it gives none or is unreadable."""
    if exif.startswith(b"Exif\0\0"):
        exif = exif[6:]
    order = {b"II": "<", b"MM": ">"}.get(exif[:2])
    if order is None or len(exif) < 8:
        return 1
    (offset,) = struct.unpack_from(order + "I", exif, 4)
    if offset + 2 > len(exif):
        return 1
    (count,) = struct.unpack_from(order + "H", exif, offset)
    for index in range(count):
        entry = offset + 2 + 12 * index
        if entry + 12 > len(exif):
            return 1
        tag, kind = struct.unpack_from(order + "HH", exif, entry)
        if tag == _ORIENTATION_TAG and kind == 3:  # SHORT
            (value,) = struct.unpack_from(order + "H", exif, entry + 8)
            return value if 1 <= value <= 8 else 1
    return 1


def orientation_exif(orientation: int) -> bytes:
    """A TIFF-structured EXIF block holding only the orientation (big-endian, one IFD entry)."""
    return b"MM\0*" + struct.pack(">IHHHIHHI", 8, 1, _ORIENTATION_TAG, 3, 1, orientation, 0, 0)


def _strip_jpeg(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise ImageError("it does not start like a JPEG image")
    kept = [b"\xff\xd8"]
    orientation = 1
    index = 2
    while True:
        if index >= len(data) or data[index] != 0xFF:
            raise ImageError(f"a JPEG segment was expected at byte {index}")
        while index < len(data) and data[index] == 0xFF:  # fill bytes
            index += 1
        if index >= len(data):
            raise ImageError("the JPEG image ends without its end marker")
        marker = data[index]
        index += 1
        if marker == 0xD9:  # end of image: what follows (a motion photo, a preview) is not the avatar
            kept.append(b"\xff\xd9")
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            kept.append(bytes((0xFF, marker)))
            continue
        if index + 2 > len(data):
            raise ImageError("a JPEG segment is cut short")
        (length,) = struct.unpack_from(">H", data, index)
        end = index + length
        if length < 2 or end > len(data):
            raise ImageError(f"a JPEG segment at byte {index - 2} runs past the end of the file")
        payload = data[index + 2:end]
        if marker == 0xE1 and payload.startswith(b"Exif\0\0"):
            orientation = exif_orientation(payload) if orientation == 1 else orientation
        if _keeps_jpeg_segment(marker, payload):
            kept.append(data[index - 2:end])
        index = end
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker (not FF00, not RSTn)
            scan = index
            while True:
                index = data.find(b"\xff", index)
                if index < 0 or index + 1 >= len(data):
                    raise ImageError("the JPEG image ends inside its image data")
                following = data[index + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    index += 2
                    continue
                break
            kept.append(data[scan:index])
    if orientation != 1:
        exif = b"Exif\0\0" + orientation_exif(orientation)
        kept.insert(1, b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif)
    return b"".join(kept)


def _keeps_jpeg_segment(marker: int, payload: bytes) -> bool:
    if marker == 0xFE:  # comment
        return False
    if marker == 0xE2:  # APP2: the ICC colour profile stays, MPF (an index of appended images) goes
        return payload.startswith(b"ICC_PROFILE\0")
    if 0xE0 <= marker <= 0xEF:
        return marker in _JPEG_KEPT_APPS
    return True


def _strip_png(data: bytes) -> bytes:
    signature = b"\x89PNG\r\n\x1a\n"
    if not data.startswith(signature):
        raise ImageError("it does not start like a PNG image")
    kept = [signature]
    index = len(signature)
    while True:
        if index + 12 > len(data):
            raise ImageError("the PNG image ends without its IEND chunk")
        length, kind = struct.unpack_from(">I4s", data, index)
        end = index + 12 + length
        if end > len(data):
            raise ImageError(f"the PNG chunk {kind!r} at byte {index} runs past the end of the file")
        if kind == b"eXIf":
            orientation = exif_orientation(data[index + 8:index + 8 + length])
            if orientation != 1:
                kept.append(_png_chunk(b"eXIf", orientation_exif(orientation)))
        elif kind not in _PNG_DROPPED:
            kept.append(data[index:end])
        index = end
        if kind == b"IEND":
            return b"".join(kept)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _strip_webp(data: bytes) -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ImageError("it does not start like a WebP image")
    (riff_size,) = struct.unpack_from("<I", data, 4)
    if riff_size + 8 > len(data) or riff_size < 4:
        raise ImageError("the WebP image is shorter than its header says")
    chunks: list[tuple[bytes, bytes]] = []
    orientation = 1
    index, end = 12, 8 + riff_size
    while index < end:
        if index + 8 > end:
            raise ImageError(f"a WebP chunk at byte {index} is cut short")
        kind, length = struct.unpack_from("<4sI", data, index)
        body_end = index + 8 + length
        if body_end > end:
            raise ImageError(f"the WebP chunk {kind!r} at byte {index} runs past the end of the image")
        body = data[index + 8:body_end]
        if kind == b"EXIF":
            orientation = exif_orientation(body)
        elif kind != b"XMP ":
            chunks.append((kind, body))
        index = body_end + (length & 1)
    if not any(kind == b"VP8X" for kind, _ in chunks):
        orientation = 1  # only an extended WebP (VP8X) may carry EXIF at all
    if orientation != 1:
        chunks.append((b"EXIF", orientation_exif(orientation)))  # EXIF comes after the image data
    out = []
    for kind, body in chunks:
        if kind == b"VP8X" and body:  # flags: 0x08 EXIF, 0x04 XMP
            body = bytes(((body[0] & ~0x0C) | (0x08 if orientation != 1 else 0),)) + body[1:]
        out.append(struct.pack("<4sI", kind, len(body)) + body + (b"\0" if len(body) & 1 else b""))
    payload = b"WEBP" + b"".join(out)
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


def _strip_gif(data: bytes) -> bytes:
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise ImageError("it does not start like a GIF image")
    index = 13
    flags = data[10]
    if flags & 0x80:  # global colour table
        index += 3 * (2 << (flags & 0x07))
    kept = [data[:index]]
    while True:
        if index >= len(data):
            raise ImageError("the GIF image ends without its trailer")
        block = data[index]
        if block == 0x3B:  # trailer
            kept.append(b";")
            return b"".join(kept)
        start = index
        if block == 0x21:  # extension: label, then sub-blocks
            if index + 2 > len(data):
                raise ImageError("a GIF extension is cut short")
            label = data[index + 1]
            index = _gif_sub_blocks(data, index + 2)
            dropped = label == 0xFE or (label == 0xFF and data[start + 3:start + 14] == _GIF_XMP)
            if not dropped:
                kept.append(data[start:index])
        elif block == 0x2C:  # image: descriptor, optional local colour table, LZW size, sub-blocks
            if index + 10 > len(data):
                raise ImageError("a GIF image descriptor is cut short")
            local = data[index + 9]
            index += 10 + (3 * (2 << (local & 0x07)) if local & 0x80 else 0)
            index = _gif_sub_blocks(data, index + 1)
            kept.append(data[start:index])
        else:
            raise ImageError(f"unexpected byte 0x{block:02x} in the GIF image at byte {index}")


def _gif_sub_blocks(data: bytes, index: int) -> int:
    """The index after the sub-blocks starting at `index` (each a size byte and data; size 0 ends them)."""
    while True:
        if index >= len(data):
            raise ImageError("a GIF data block runs past the end of the file")
        size = data[index]
        index += 1 + size
        if size == 0:
            return index
