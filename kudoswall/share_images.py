"""Share images: a 1200x630 PNG per kudos (og:image) naming writer and recipient, with an excerpt.

Pillow draws them at build time with DejaVu Sans when Debian's fonts-dejavu-core is installed,
else Pillow's built-in font; nothing is downloaded. Switch off with `share_images: false`.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

import PIL
from PIL import Image, ImageDraw, ImageFont

from .config import Config
from .links import kudos_path
from .models import Kudos, Person, Wall
from .units import OutputUnit, fingerprint

if TYPE_CHECKING:
    from .pages import Focus

WIDTH, HEIGHT = 1200, 630
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
# Drawn in 8-bit grey (0 = ink, 255 = paper), then saved with a palette that maps each grey to
# a tint between INK_RGB and PAPER_RGB: PNG encoding of one byte a pixel is ~6x faster than RGB.
INK_RGB, PAPER_RGB = (27, 26, 52), (246, 245, 242)
PAPER, INK, MUTED, ACCENT = 255, 0, 95, 40
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

# Bumped whenever the drawing changes, so fingerprints change with it.
DESIGN_VERSION = "2"


def share_image_path(kudos_id: str) -> str:
    return kudos_path(kudos_id) + "share.png"


def font_file(bold: bool = False) -> Path | None:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return next((folder / name for folder in FONT_DIRS if (folder / name).is_file()), None)


@cache
def font(size: int, bold: bool = False) -> Font:
    path = font_file(bold)
    return ImageFont.truetype(str(path), size) if path else ImageFont.load_default(size)


@cache
def _palette() -> bytes:
    return bytes(round(ink + (paper - ink) * level / 255)
                 for level in range(256) for ink, paper in zip(INK_RGB, PAPER_RGB, strict=True))


def _fit_line(draw: ImageDraw.ImageDraw, text: str, face: Font, width: int) -> str:
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def share_image(kudos: Kudos, writer: Person, recipient: Person, site_title: str) -> bytes:
    image = Image.new("L", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 18, HEIGHT), fill=ACCENT)
    left, usable = 80, WIDTH - 160
    draw.text((left, 60), _fit_line(draw, site_title, font(30), usable), font=font(30), fill=MUTED)
    draw.text((left, 120), _fit_line(draw, writer.name, font(54, True), usable), font=font(54, True), fill=INK)
    draw.text((left, 190), "recommends", font=font(34), fill=MUTED)
    draw.text((left, 240), _fit_line(draw, recipient.name, font(54, True), usable), font=font(54, True), fill=INK)
    lines = textwrap.wrap(kudos.excerpt, width=58)[:4]
    if len(textwrap.wrap(kudos.excerpt, width=58)) > 4 and lines:
        lines[-1] = lines[-1].rstrip(" .,;") + "…"
    y = 340
    for line in lines:
        draw.text((left, y), _fit_line(draw, line, font(32), usable), font=font(32), fill=INK)
        y += 46
    if kudos.skills:
        skills = " · ".join(skill.name for skill in kudos.skills)
        draw.text((left, HEIGHT - 70), _fit_line(draw, skills, font(26), usable), font=font(26), fill=ACCENT)
    paletted = Image.frombytes("P", image.size, image.tobytes())
    paletted.putpalette(_palette())
    buffer = io.BytesIO()
    paletted.save(buffer, format="PNG", compress_level=3)  # level 6 is twice as slow for 15% fewer bytes
    return buffer.getvalue()


def share_image_units(wall: Wall, config: Config, focus: Focus | None = None) -> Iterator[OutputUnit]:
    """One PNG per shown kudos; with a `focus`, only the edited kudos'."""
    if not config.share_images:
        return
    people = wall.people
    # what else the pixels depend on: the config (title, excerpt length), the fonts and Pillow itself
    environment = [DESIGN_VERSION, config.digest(), str(font_file()), str(font_file(True)), PIL.__version__]
    environment_part = "\x1f".join(environment) + "\x1f"  # how fingerprint() encodes a list part, joined once
    for kudos in wall.kudos:
        if focus is not None and kudos.id not in focus.ids:
            continue
        writer, recipient = people[kudos.from_handle], people[kudos.to_handle]
        yield OutputUnit(share_image_path(kudos.id),
                         fingerprint("share-image", environment_part, kudos.digest, writer.name, recipient.name),
                         partial(share_image, kudos, writer, recipient, config.title))
