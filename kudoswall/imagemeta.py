"""Avatars published without what a camera or an editor wrote into them.

A phone photo's EXIF often holds where it was taken (at home, say), the device and the time; XMP,
IPTC and content credentials add names and software history. On a public wall that stays online for
years, none of it should go out with the picture. The image data is copied byte for byte, and of
everything else only an allow-list of blocks that change how the picture looks is kept: the JFIF
header (without its thumbnail), the colour profile (ICC) and the Adobe colour transform in a JPEG;
the PNG chunks of pixels, palette, transparency, colour and animation; the WebP chunks of image,
alpha, animation and profile; the GIF frames, their timing and loop. Anything else goes, known or
not, and so does whatever follows the end of the image (a motion photo's video, a preview).

The orientation, which a browser applies to show a photo upright, is kept as Chromium reads it (the
first EXIF block, before the image data) in an EXIF block holding nothing else. A WebP's is dropped:
browsers ignore it there, so the picture looks as it did.

No image library: the four formats' containers are simple, and a file that does not parse as its
format says is an error for the wall's writer (ImageError), never published as it is.
"""

from __future__ import annotations

import struct
import zlib

STRIPPER_VERSION = "2"
"""Part of an avatar's fingerprint: a build after this module changes rewrites every avatar."""

_ORIENTATION_TAG = 0x0112
_EXIF_PREFIX = b"Exif\0\0"
_JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # SOF0 to SOF15 (C4 is DHT, C8 reserved, CC DAC)
_JPEG_TABLES = {0xC4, 0xCC, 0xDB, 0xDC, 0xDD}  # DHT, DAC, DQT, DNL, DRI
_PNG_KEPT = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"cICP", b"mDCV",
             b"cLLI", b"sBIT", b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT"}
_WEBP_KEPT = {b"VP8X", b"ICCP", b"ANIM", b"ANMF", b"ALPH", b"VP8 ", b"VP8L"}
_WEBP_IMAGES = {b"VP8 ", b"VP8L", b"ANMF"}
_GIF_LOOPS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")
_GIF_PROFILE = b"ICCRGBG1012"


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


def exif_orientation(tiff: bytes) -> int:
    """The orientation (1 to 8) in a TIFF-structured EXIF block, read as strictly as Chromium reads it
    (byte order mark, magic 42, a SHORT with count 1 in the first directory); 1 when there is none."""
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or len(tiff) < 8 or struct.unpack_from(order + "H", tiff, 2)[0] != 42:
        return 1
    (offset,) = struct.unpack_from(order + "I", tiff, 4)
    if offset + 2 > len(tiff):
        return 1
    (count,) = struct.unpack_from(order + "H", tiff, offset)
    for index in range(count):
        entry = offset + 2 + 12 * index
        if entry + 12 > len(tiff):
            return 1
        tag, kind, values = struct.unpack_from(order + "HHI", tiff, entry)
        if tag == _ORIENTATION_TAG:
            (value,) = struct.unpack_from(order + "H", tiff, entry + 8)
            return value if kind == 3 and values == 1 and 1 <= value <= 8 else 1
    return 1


def orientation_exif(orientation: int) -> bytes:
    """A TIFF-structured EXIF block holding only the orientation (big-endian, one directory entry)."""
    return b"MM\0*" + struct.pack(">IHHHIHHI", 8, 1, _ORIENTATION_TAG, 3, 1, orientation, 0, 0)


def _strip_jpeg(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise ImageError("it does not start like a JPEG image")
    kept: list[bytes] = [b"\xff\xd8"]
    orientation: int | None = None  # None until the first EXIF block is seen: only that one counts
    after_header = 1  # where an orientation block goes: after SOI, or after the JFIF header right behind it
    frame = scans = 0
    profile: list[tuple[int, bytes]] = []  # where each piece of the ICC profile is in `kept`, and the piece
    index = 2
    while True:
        if index >= len(data) or data[index] != 0xFF:
            raise ImageError(f"a JPEG marker was expected at byte {index}")
        while index < len(data) and data[index] == 0xFF:  # fill bytes
            index += 1
        if index >= len(data):
            raise ImageError("the JPEG image ends without its end marker")
        marker = data[index]
        index += 1
        if marker == 0xD9:  # end of image: what follows (a motion photo, a preview) is not the avatar
            if not frame or not scans:
                raise ImageError("the JPEG image has no image data")
            kept.append(b"\xff\xd9")
            break
        if not (marker in _JPEG_FRAMES or marker in _JPEG_TABLES or marker in (0xDA, 0xFE) or 0xE0 <= marker <= 0xEF):
            raise ImageError(f"unexpected JPEG marker 0x{marker:02X} at byte {index - 2}")
        if index + 2 > len(data):
            raise ImageError("a JPEG segment is cut short")
        (length,) = struct.unpack_from(">H", data, index)
        end = index + length
        if length < 2 or end > len(data):
            raise ImageError(f"a JPEG segment at byte {index - 2} runs past the end of the file")
        payload = data[index + 2:end]
        if marker == 0xE1 and payload.startswith(_EXIF_PREFIX) and orientation is None and not scans:
            orientation = exif_orientation(payload[len(_EXIF_PREFIX):])
        if marker == 0xE0 and payload.startswith(b"JFIF\0") and len(payload) >= 14:
            kept.append(b"\xff\xe0\x00\x10" + payload[:12] + b"\0\0")  # its thumbnail may show the uncropped photo
            after_header = len(kept) if len(kept) == 2 else after_header
        elif marker in _JPEG_FRAMES or marker in _JPEG_TABLES or marker == 0xDA or (
                marker == 0xE2 and payload.startswith(b"ICC_PROFILE\0")) or (
                marker == 0xEE and payload.startswith(b"Adobe")):
            # a kept segment must be exactly what its marker says: a damaged marker byte can make an
            # EXIF block look like a frame header, and a damaged length can swallow a comment
            if not _jpeg_segment_ok(marker, payload) or (marker in _JPEG_FRAMES and frame):
                raise ImageError(f"a JPEG segment (marker 0x{marker:02X}) at byte {index - 2} is malformed")
            if marker == 0xE2:
                profile.append((len(kept), payload[12:]))  # from the sequence number on
            kept.append(data[index - 2:end])
        frame += marker in _JPEG_FRAMES
        index = end
        if marker == 0xDA:  # start of scan: its header, then entropy-coded data up to the next marker
            components = payload[0] if payload else 0
            if not frame or not 1 <= components <= 4 or length != 6 + 2 * components:
                raise ImageError(f"a JPEG scan header at byte {index - length - 2} is malformed")
            scans += 1
            scan = index
            while True:
                index = data.find(b"\xff", index)
                if index < 0 or index + 1 >= len(data):
                    raise ImageError("the JPEG image ends inside its image data")
                following = data[index + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:  # a stuffed FF, a restart marker
                    index += 2
                    continue
                break
            kept.append(data[scan:index])
    if profile and not _icc_profile_ok([piece for _, piece in profile]):
        for position, _ in profile:  # a profile browsers would not use, or padded with other bytes: dropped
            kept[position] = b""
    if orientation not in (None, 1):
        exif = _EXIF_PREFIX + orientation_exif(orientation)
        kept.insert(after_header, b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif)
    return b"".join(kept)


def _jpeg_segment_ok(marker: int, payload: bytes) -> bool:
    """Does the segment hold exactly the structure its marker announces (JPEG, ITU T.81 annex B)?"""
    if marker in _JPEG_FRAMES:  # precision, height, width, components of 3 bytes each
        return len(payload) >= 6 and 1 <= payload[5] <= 4 and len(payload) == 6 + 3 * payload[5]
    if marker == 0xDB:  # quantization tables of 64 values, 8 or 16 bits each
        index = 0
        while index < len(payload):
            index += 1 + 64 * (2 if payload[index] >> 4 else 1)
        return bool(payload) and index == len(payload) and all(
            table >> 4 <= 1 and table & 0x0F <= 3 for table in _table_ids(payload))
    if marker == 0xC4:  # Huffman tables: 16 code counts, then that many symbols
        index = 0
        while index + 17 <= len(payload):
            index += 17 + sum(payload[index + 1:index + 17])
        return bool(payload) and index == len(payload)
    if marker in (0xDD, 0xDC):  # restart interval, number of lines
        return len(payload) == 2
    if marker == 0xCC:  # arithmetic conditioning: pairs
        return bool(payload) and len(payload) % 2 == 0
    if marker == 0xEE:  # Adobe: version, two flag words, colour transform
        return len(payload) == 12
    if marker == 0xE2:  # ICC_PROFILE\0, sequence number, count, data
        return len(payload) > 14 and 1 <= payload[12] <= payload[13]
    return marker == 0xDA


def _table_ids(payload: bytes) -> list[int]:
    """The table identifier bytes of a DQT segment."""
    ids, index = [], 0
    while index < len(payload):
        ids.append(payload[index])
        index += 1 + 64 * (2 if payload[index] >> 4 else 1)
    return ids


def _icc_profile_ok(pieces: list[bytes]) -> bool:
    """The pieces, in order, make one profile of the size its header gives, with its signature."""
    numbered = sorted((piece[0], piece[1], piece[2:]) for piece in pieces)
    if [number for number, _, _ in numbered] != list(range(1, len(pieces) + 1)) or any(
            count != len(pieces) for _, count, _ in numbered):
        return False
    whole = b"".join(data for _, _, data in numbered)
    return len(whole) >= 40 and struct.unpack_from(">I", whole)[0] == len(whole) and whole[36:40] == b"acsp"


def _strip_png(data: bytes) -> bytes:
    signature = b"\x89PNG\r\n\x1a\n"
    if not data.startswith(signature):
        raise ImageError("it does not start like a PNG image")
    kept = [signature]
    kinds: list[bytes] = []
    index = len(signature)
    while True:
        if index + 12 > len(data):
            raise ImageError("the PNG image ends without its IEND chunk")
        length, kind = struct.unpack_from(">I4s", data, index)
        end = index + 12 + length
        if end > len(data):
            raise ImageError(f"the PNG chunk {kind!r} at byte {index} runs past the end of the file")
        if struct.unpack_from(">I", data, end - 4)[0] != zlib.crc32(data[index + 4:end - 4]):
            raise ImageError(f"the PNG chunk {kind!r} at byte {index} is damaged (its checksum does not match)")
        if not kinds and kind != b"IHDR":
            raise ImageError("the PNG image does not start with its header chunk (IHDR)")
        if kind == b"eXIf" and b"eXIf" not in kinds and b"IDAT" not in kinds:  # the one a browser reads
            orientation = exif_orientation(data[index + 8:index + 8 + length])
            if orientation != 1:
                kept.append(_png_chunk(b"eXIf", orientation_exif(orientation)))
        elif kind in _PNG_KEPT:
            kept.append(data[index:end])
        kinds.append(kind)
        index = end
        if kind == b"IEND":
            if b"IDAT" not in kinds:
                raise ImageError("the PNG image has no image data")
            return b"".join(kept)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _strip_webp(data: bytes) -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ImageError("it does not start like a WebP image")
    (riff_size,) = struct.unpack_from("<I", data, 4)
    if riff_size + 8 > len(data) or riff_size < 4:
        raise ImageError("the WebP image is shorter than its header says")
    out = []
    seen: set[bytes] = set()
    index, end = 12, 8 + riff_size
    while index < end:
        if index + 8 > end:
            raise ImageError(f"a WebP chunk at byte {index} is cut short")
        kind, length = struct.unpack_from("<4sI", data, index)
        body_end = index + 8 + length
        if body_end > end:
            raise ImageError(f"the WebP chunk {kind!r} at byte {index} runs past the end of the image")
        body = data[index + 8:body_end]
        seen.add(kind)
        if kind == b"VP8X" and body:  # flags: 0x08 EXIF, 0x04 XMP, both dropped
            body = bytes((body[0] & ~0x0C,)) + body[1:]
        if kind in _WEBP_KEPT:
            out.append(struct.pack("<4sI", kind, len(body)) + body + (b"\0" if length & 1 else b""))
        index = body_end + (length & 1)
    if not seen & _WEBP_IMAGES:
        raise ImageError("the WebP image has no image data")
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
    frames = 0
    while True:
        if index >= len(data):
            raise ImageError("the GIF image ends without its trailer")
        block = data[index]
        start = index
        if block == 0x3B:  # trailer
            if not frames:
                raise ImageError("the GIF image has no image data")
            kept.append(b";")
            return b"".join(kept)
        if block == 0x21:  # extension: label, then sub-blocks
            if index + 2 > len(data):
                raise ImageError("a GIF extension is cut short")
            label = data[index + 1]
            index = _gif_sub_blocks(data, index + 2)
            if _keeps_gif_extension(label, data[start + 2:index]):
                kept.append(data[start:index])
        elif block == 0x2C:  # image: descriptor, optional local colour table, LZW size, sub-blocks
            if index + 10 > len(data):
                raise ImageError("a GIF image descriptor is cut short")
            local = data[index + 9]
            index += 10 + (3 * (2 << (local & 0x07)) if local & 0x80 else 0)
            index = _gif_sub_blocks(data, index + 1)
            kept.append(data[start:index])
            frames += 1
        else:
            raise ImageError(f"unexpected byte 0x{block:02x} in the GIF image at byte {index}")


def _keeps_gif_extension(label: int, blocks: bytes) -> bool:
    """Frame timing and transparency, the loop count and the colour profile; nothing else (browsers
    draw no plain-text extension)."""
    if label == 0xF9:  # graphic control: one block of 4 bytes
        return len(blocks) == 6 and blocks[0] == 4 and blocks[5] == 0
    if label != 0xFF or blocks[:1] != b"\x0b":
        return False
    application = blocks[1:12]
    if application in _GIF_LOOPS:  # exactly: size 3, sub-block 1, a 16-bit count, the terminator
        return len(blocks) == 17 and blocks[12:14] == b"\x03\x01" and blocks[16:] == b"\x00"
    return application == _GIF_PROFILE


def _gif_sub_blocks(data: bytes, index: int) -> int:
    """The index after the sub-blocks starting at `index` (each a size byte and data; size 0 ends them)."""
    while True:
        if index >= len(data):
            raise ImageError("a GIF data block runs past the end of the file")
        size = data[index]
        index += 1 + size
        if size == 0:
            return index
