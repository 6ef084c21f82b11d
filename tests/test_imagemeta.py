"""Avatars go out without their metadata, and still decode as the same picture.

The base images in tests/fixtures/images/ were encoded by Chromium (JPEG, WebP, PNG: 48x24, red
left half, blue right half) or written by hand (GIF, 2x1); each test adds the metadata a camera
or an editor would, strips it, and looks for what must be gone and what must stay.
"""

from __future__ import annotations

import base64
import io
import struct
import zlib
from pathlib import Path

import pytest
from conftest import make_wall

from kudoswall.build import build_site
from kudoswall.config import load_config
from kudoswall.errors import ContentError
from kudoswall.imagemeta import ImageError, exif_orientation, orientation_exif, strip_metadata

IMAGES = Path(__file__).parent / "fixtures" / "images"
SECRETS = (b"51.5074N", b"Pixel 9", b"secret-xmp", b"secret-comment", b"secret-iptc", b"secret-trailer",
           b"secret-text")


def base(suffix: str) -> bytes:
    return (IMAGES / f"base{suffix}").read_bytes()


def camera_exif(orientation: int) -> bytes:
    """A little-endian TIFF block as a phone writes it: orientation, device and a GPS position."""
    description, model = b"51.5074N 0.1278W\0", b"Pixel 9\0"
    entries = [(0x010E, 2, len(description), 8 + 2 + 12 * 3 + 4), (0x0110, 2, len(model), 0),
               (0x0112, 3, 1, orientation)]
    entries[1] = (0x0110, 2, len(model), entries[0][3] + len(description))
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *entry) for entry in entries)
    return b"II*\0" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + description + model


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The chunks of a PNG, each checked against its CRC."""
    chunks, index = [], 8
    while index < len(data):
        length, kind = struct.unpack_from(">I4s", data, index)
        body = data[index + 8:index + 8 + length]
        assert struct.unpack_from(">I", data, index + 8 + length)[0] == zlib.crc32(kind + body)
        chunks.append((kind, body))
        index += 12 + length
    return chunks


def webp_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:4] == b"RIFF" and struct.unpack_from("<I", data, 4)[0] == len(data) - 8 and data[8:12] == b"WEBP"
    chunks, index = [], 12
    while index < len(data):
        kind, length = struct.unpack_from("<4sI", data, index)
        chunks.append((kind, data[index + 8:index + 8 + length]))
        index += 8 + length + (length & 1)
    return chunks


def webp_from(chunks: list[tuple[bytes, bytes]]) -> bytes:
    body = b"WEBP" + b"".join(struct.pack("<4sI", kind, len(data)) + data + b"\0" * (len(data) & 1)
                              for kind, data in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


ICC = base(".jpg")[20:22 + struct.unpack_from(">H", base(".jpg"), 22)[0]]  # the segment after JFIF


def dirty_jpeg(orientation: int = 6) -> bytes:
    clean = base(".jpg")
    jfif_end = 4 + struct.unpack_from(">H", clean, 4)[0]  # SOI, then the JFIF APP0 segment
    metadata = (jpeg_segment(0xE1, b"Exif\0\0" + camera_exif(orientation))
                + jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>secret-xmp</x:xmpmeta>")
                + jpeg_segment(0xED, b"Photoshop 3.0\x008BIM secret-iptc")
                + jpeg_segment(0xE2, b"MPF\0secret-text")
                + jpeg_segment(0xFE, b"secret-comment"))
    return clean[:jfif_end] + metadata + clean[jfif_end:] + b"secret-trailer, a second image or a video"


def test_a_jpeg_loses_exif_xmp_iptc_comments_and_trailing_data_but_keeps_colour_and_orientation() -> None:
    clean = base(".jpg")
    stripped = strip_metadata(dirty_jpeg(orientation=6), ".jpg")
    for secret in SECRETS:
        assert secret not in stripped
    assert ICC.startswith(b"\xff\xe2") and ICC in stripped  # Chromium's encoder wrote an sRGB profile
    orientation_segment = jpeg_segment(0xE1, b"Exif\0\0" + orientation_exif(6))
    jfif = clean[2:4 + struct.unpack_from(">H", clean, 4)[0]]
    assert stripped.startswith(b"\xff\xd8" + jfif + orientation_segment)  # JFIF stays right after the start
    assert exif_orientation(orientation_segment[4 + 6:]) == 6  # after the length and "Exif\0\0"
    # everything else is the encoder's bytes, in order
    assert stripped.replace(orientation_segment, b"") == clean
    assert stripped.endswith(b"\xff\xd9")


def test_an_upright_jpeg_gets_no_exif_at_all_and_a_clean_one_is_unchanged() -> None:
    assert strip_metadata(base(".jpg"), ".jpeg") == base(".jpg")
    stripped = strip_metadata(dirty_jpeg(orientation=1), ".JPG")
    assert b"Exif" not in stripped
    assert stripped == strip_metadata(stripped, ".jpg")  # stripping twice changes nothing more


def test_a_png_loses_its_text_time_and_exif_chunks_with_valid_checksums() -> None:
    clean = base(".png")
    chunks = png_chunks(clean)
    extra = [png_chunk(b"tEXt", b"Comment\0secret-text"),
             png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0secret-xmp"),
             png_chunk(b"zTXt", b"Author\0\0" + zlib.compress(b"secret")),
             png_chunk(b"tIME", b"\x07\xea\x0c\x03\x10\x00\x00"),
             png_chunk(b"eXIf", camera_exif(8)), png_chunk(b"iCCP", b"icc\0\0" + zlib.compress(b"profile"))]
    first = 8 + 12 + len(chunks[0][1])  # after IHDR
    dirty = clean[:first] + b"".join(extra) + clean[first:] + b"secret-trailer"
    stripped = strip_metadata(dirty, ".png")
    for secret in SECRETS:
        assert secret not in stripped
    kinds = [kind for kind, _ in png_chunks(stripped)]
    assert kinds == [b"IHDR", b"eXIf", b"iCCP", *(kind for kind, _ in chunks[1:])]
    assert exif_orientation(dict(png_chunks(stripped))[b"eXIf"]) == 8
    assert strip_metadata(clean, ".png") == clean


def test_a_webp_loses_its_exif_and_xmp_chunks_and_their_header_flags() -> None:
    clean = base(".webp")
    chunks = webp_chunks(clean)
    assert chunks[0][0] == b"VP8X"
    flagged = bytes((chunks[0][1][0] | 0x0C,)) + chunks[0][1][1:]
    dirty = webp_from([(b"VP8X", flagged), *chunks[1:], (b"EXIF", camera_exif(1)), (b"XMP ", b"secret-xmp")])
    stripped = strip_metadata(dirty, ".webp")
    for secret in SECRETS:
        assert secret not in stripped
    assert webp_chunks(stripped) == [(b"VP8X", bytes((chunks[0][1][0] & ~0x0C,)) + chunks[0][1][1:]), *chunks[1:]]
    turned = strip_metadata(webp_from([(b"VP8X", flagged), *chunks[1:], (b"EXIF", camera_exif(6))]), ".webp")
    assert webp_chunks(turned) == webp_chunks(stripped)  # browsers ignore a WebP's orientation: so does the build


def test_a_gif_loses_comments_and_xmp_but_keeps_its_animation_loop() -> None:
    clean = base(".gif")
    loop = b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    comment = b"!\xfe\x0esecret-comment\x00"
    xmp = b"!\xff\x0bXMP DataXMP\x0asecret-xmp\x00"
    header_end = 13 + 6  # screen descriptor and a two-colour table
    dirty = clean[:header_end] + loop + comment + xmp + clean[header_end:] + b"secret-trailer"
    stripped = strip_metadata(dirty, ".gif")
    assert stripped == clean[:header_end] + loop + clean[header_end:]


def tiff(orientation: int | None = None, count: int = 1, magic: int = 42) -> bytes:
    entries = [] if orientation is None else [struct.pack("<HHIHH", 0x0112, 3, count, orientation, 0)]
    return b"II" + struct.pack("<HI", magic, 8) + struct.pack("<H", len(entries)) + b"".join(entries) + b"\0" * 4


def with_jpeg_segments(*segments: bytes) -> bytes:
    return base(".jpg")[:2] + b"".join(segments) + base(".jpg")[2:]


def with_png_chunks(*chunks: bytes) -> bytes:
    return base(".png")[:33] + b"".join(chunks) + base(".png")[33:]  # after IHDR


GIF_HEADER = 13 + 6  # screen descriptor and a two-colour table


def with_gif_blocks(*blocks: bytes) -> bytes:
    return base(".gif")[:GIF_HEADER] + b"".join(blocks) + base(".gif")[GIF_HEADER:]


def exif_segment(tiff_block: bytes) -> bytes:
    return jpeg_segment(0xE1, b"Exif\0\0" + tiff_block)


@pytest.mark.parametrize(("data", "suffix"), [
    (with_gif_blocks(b"!\xff\x0bMGK8BIM0000\x11" + b"8BIM\x04\x04secret-iptc\0"), ".gif"),  # ImageMagick's IPTC
    (with_gif_blocks(b"!\x6e\x0bsecret-text\0"), ".gif"),  # unknown label
    (with_gif_blocks(b"!\xff\x0bNETSCAPE2.0\x14\x01\0\0!\xfe\x0esecret-comment\0"), ".gif"),  # a loop block
    # whose size swallows a comment
    (with_png_chunks(png_chunk(b"caBX", b"c2pa secret-text")), ".png"),  # content credentials
    (with_png_chunks(png_chunk(b"teXt", b"Comment\0secret-text")), ".png"),  # any chunk not on the list
    (webp_from([*webp_chunks(base(".webp")), (b"C2PA", b"secret-text")]), ".webp"),
    (base(".jpg")[:20] + jpeg_segment(0xE0, b"JFXX\0\x10secret-text thumbnail") + base(".jpg")[20:], ".jpg"),
    (with_jpeg_segments(jpeg_segment(0xEE, b"secret-text")), ".jpg"),  # APP14 that is not Adobe's
])
def test_blocks_not_on_the_allow_list_go_whatever_they_are(data: bytes, suffix: str) -> None:
    stripped = strip_metadata(data, suffix)
    assert b"secret" not in stripped
    assert strip_metadata(stripped, suffix) == stripped


def test_a_jfif_thumbnail_goes_with_the_rest() -> None:
    jfif = jpeg_segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\x01\x01" + b"secret-tex"[:3])  # a 1x1 thumbnail
    clean = base(".jpg")
    stripped = strip_metadata(clean[:2] + jfif + clean[20:], ".jpg")
    assert stripped == clean[:2] + b"\xff\xe0\x00\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0" + clean[20:]


@pytest.mark.parametrize(("data", "suffix", "orientation"), [
    (with_jpeg_segments(exif_segment(tiff()), exif_segment(tiff(6))), ".jpg", 1),  # only the first block counts
    (with_jpeg_segments(exif_segment(tiff(1)), exif_segment(tiff(6))), ".jpg", 1),
    (with_jpeg_segments(exif_segment(tiff(6, count=2))), ".jpg", 1),
    (with_jpeg_segments(exif_segment(tiff(6, magic=43))), ".jpg", 1),
    (with_jpeg_segments(exif_segment(tiff(6))), ".jpg", 6),
    (base(".jpg")[:-2] + exif_segment(tiff(6)) + b"\xff\xd9", ".jpg", 1),  # after the image data
    (with_png_chunks(png_chunk(b"eXIf", b"Exif\0\0" + tiff(6))), ".png", 1),  # a prefix PNG does not have
    (with_png_chunks(png_chunk(b"eXIf", tiff(1)), png_chunk(b"eXIf", tiff(6))), ".png", 1),  # the first one counts
    (with_png_chunks(png_chunk(b"eXIf", tiff(7))), ".png", 7),
])
def test_the_orientation_kept_is_the_one_chromium_reads(data: bytes, suffix: str, orientation: int) -> None:
    stripped = strip_metadata(data, suffix)
    exif = orientation_exif(orientation)
    assert (exif in stripped) == (orientation != 1)
    assert stripped.count(b"MM\0*") == (orientation != 1)


@pytest.mark.parametrize(("data", "suffix", "message"), [
    (base(".jpg")[:-3], ".jpg", "the JPEG image ends inside its image data"),
    (base(".jpg")[:30], ".jpg", "runs past the end of the file"),
    (base(".png")[:-12], ".png", "the PNG image ends without its IEND chunk"),
    (base(".webp")[:40], ".webp", "the WebP image is shorter than its header says"),
    (base(".gif")[:-1], ".gif", "the GIF image ends without its trailer"),
    (b"GIF89a not a png", ".png", "it does not start like a PNG image"),
    (with_jpeg_segments(jpeg_segment(0x7E, b"secret")), ".jpg", "unexpected JPEG marker 0x7E at byte 2"),
    (with_jpeg_segments(jpeg_segment(0xF1, b"secret")), ".jpg", "unexpected JPEG marker 0xF1"),
    (b"\xff\xd8\xff\xda\x00\x10secret-xmp-here\xff\xd9", ".jpg", "scan header at byte 2 is malformed"),
    (b"\xff\xd8\xff\xd9", ".jpg", "the JPEG image has no image data"),
    (with_jpeg_segments(jpeg_segment(0xC1, b"Exif\0\0" + camera_exif(6))), ".jpg",
     r"a JPEG segment \(marker 0xC1\) at byte 2 is malformed"),  # an EXIF block behind a damaged marker byte
    (with_jpeg_segments(jpeg_segment(0xDB, b"\0" + b"secret-text" * 6)), ".jpg", "marker 0xDB"),
    (base(".png")[:33] + base(".png")[-12:], ".png", "the PNG image has no image data"),
    (base(".png")[:8] + base(".png")[-12:], ".png", "does not start with its header chunk"),
    (b"RIFF\x04\0\0\0WEBP", ".webp", "the WebP image has no image data"),
    (base(".gif")[:GIF_HEADER] + b";", ".gif", "the GIF image has no image data"),
])
def test_a_damaged_image_is_an_error_not_a_copy(data: bytes, suffix: str, message: str) -> None:
    with pytest.raises(ImageError, match=message):
        strip_metadata(data, suffix)


def test_a_build_publishes_the_avatar_stripped_and_a_damaged_one_is_reported_at_the_person(tmp_path: Path) -> None:
    root = make_wall(tmp_path / "wall", people={"ada": {"name": "Ada", "skills": ["Go"], "avatar": "ada.jpg"},
                                                "grace": {"name": "Grace", "skills": ["Go"]}})
    (root / "content/people/ada.jpg").write_bytes(dirty_jpeg())
    build_site(load_config(root), root / "site")
    published = (root / "site/people/ada/avatar.jpg").read_bytes()
    assert published == strip_metadata(dirty_jpeg(), ".jpg")
    assert (root / "content/people/ada.jpg").read_bytes() == dirty_jpeg()  # the source is never touched

    (root / "content/people/ada.jpg").write_bytes(dirty_jpeg()[:200])
    with pytest.raises(ContentError) as caught:
        build_site(load_config(root), root / "site")
    (problem,) = caught.value.problems
    assert str(problem.pos) == "content/people/ada.yaml:4:9"  # the avatar field
    assert problem.message.startswith("avatar 'ada.jpg' is not a readable JPG image: ")
    assert (root / "site/people/ada/avatar.jpg").read_bytes() == published  # the previous site stands


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_chromium_shows_each_stripped_avatar_as_the_same_picture_turned_as_before() -> None:
    """Decoded by a real browser: the size it reports (after the orientation) and the colour of each half."""
    sync_api = pytest.importorskip("playwright.sync_api")
    webp = webp_chunks(base(".webp"))
    flagged = bytes((webp[0][1][0] | 0x08,)) + webp[0][1][1:]
    cases = {
        "jpeg": ("image/jpeg", strip_metadata(dirty_jpeg(orientation=6), ".jpg"), (24, 48)),
        "jpeg-upright": ("image/jpeg", strip_metadata(dirty_jpeg(orientation=1), ".jpg"), (48, 24)),
        "webp": ("image/webp", strip_metadata(webp_from([(b"VP8X", flagged), *webp[1:], (b"EXIF", camera_exif(1))]),
                                              ".webp"), (48, 24)),
        "png": ("image/png", strip_metadata(base(".png")[:-12] + png_chunk(b"tEXt", b"a\0secret-text")
                                            + base(".png")[-12:], ".png"), (48, 24)),
        "gif": ("image/gif", strip_metadata(base(".gif"), ".gif"), (2, 1)),
    }
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        page = browser.new_page()
        for name, (mime, data, size) in cases.items():
            url = f"data:{mime};base64,{base64.b64encode(data).decode()}"
            seen = page.evaluate("""async (url) => {
                const image = new Image(); image.src = url; await image.decode();
                const canvas = document.createElement('canvas');
                canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
                const context = canvas.getContext('2d'); context.drawImage(image, 0, 0);
                const at = (x, y) => Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3));
                return {size: [image.naturalWidth, image.naturalHeight], first: at(0, 0),
                        last: at(image.naturalWidth - 1, image.naturalHeight - 1)};
            }""", url)
            assert tuple(seen["size"]) == size, name
            if name != "gif":  # red half first, blue half last (turned a quarter for orientation 6)
                assert seen["first"][0] > 150 and seen["first"][2] < 80, (name, seen)
                assert seen["last"][2] > 150 and seen["last"][0] < 80, (name, seen)
        browser.close()


def test_a_colour_profile_that_is_not_what_its_header_says_is_dropped_with_what_it_swallowed() -> None:
    clean = base(".jpg")
    padded = jpeg_segment(0xE2, ICC[4:] + b"secret-comment")  # a damaged length ran into the next segment
    stripped = strip_metadata(clean.replace(ICC, padded), ".jpg")
    assert stripped == clean.replace(ICC, b"")


@pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO")  # the planted MPF block, before
@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp", ".gif"])
def test_pillow_decodes_the_same_pixels_before_and_after(suffix: str) -> None:
    from PIL import Image

    dirty = {".jpg": dirty_jpeg(), ".png": with_png_chunks(png_chunk(b"tEXt", b"a\0secret-text")),
             ".webp": webp_from([*webp_chunks(base(".webp")), (b"XMP ", b"secret-xmp")]),
             ".gif": with_gif_blocks(b"!\xfe\x0esecret-comment\x00")}[suffix]
    before, after = (Image.open(io.BytesIO(data)) for data in (dirty, strip_metadata(dirty, suffix)))
    assert (before.size, before.mode) == (after.size, after.mode)
    assert before.convert("RGBA").tobytes() == after.convert("RGBA").tobytes()
