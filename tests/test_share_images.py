"""Share images: a 1200x630 PNG per kudos, named in the kudos page's og:image, switchable off."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PIL import Image
from sitecheck import FIXTURES, demo_site, parse_html

from kudoswall.build import load_wall, plan_outputs
from kudoswall.config import load_config
from kudoswall.share_images import HEIGHT, WIDTH, share_image
from kudoswall.theme import Theme, resolve_theme_dir
from kudoswall.units import OutputUnit


def test_each_kudos_page_names_its_share_image_which_exists_and_is_1200x630() -> None:
    site = demo_site()
    kudos_pages = [f for f in site.html_pages if f.startswith("k/") and f.count("/") == 2]
    assert kudos_pages
    for rel in kudos_pages:
        document, _ = parse_html((site.output / rel).read_bytes())
        image_url = next(m.get("content") for m in document.iter("meta") if m.get("property") == "og:image")
        image_file = site.file_for(image_url)
        assert image_file == rel.replace("index.html", "share.png")
        with Image.open(site.output / image_file) as image:
            assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)


def test_image_is_drawn_from_the_kudos_not_a_blank_canvas() -> None:
    config = replace(load_config(FIXTURES / "small-wall"), share_images=True)
    wall = load_wall(config).wall
    first, second = wall.kudos[0], wall.kudos[1]
    people = wall.people
    one = share_image(first, people[first.from_handle], people[first.to_handle], config.title)
    other = share_image(second, people[second.from_handle], people[second.to_handle], config.title)
    assert one != other
    with Image.open(io.BytesIO(one)) as image:
        colours = image.convert("L").getcolors(maxcolors=256 * 256) or []
    assert len(colours) > 10  # antialiased text, not a flat background


def test_switching_share_images_off_drops_the_images_and_the_meta(tmp_path: Path,
                                                                   wall_maker: Callable[..., Path]) -> None:
    wall = wall_maker(tmp_path, config={"title": "T", "base_url": "https://k.example/", "share_images": False})
    config = load_config(wall)
    loaded = load_wall(config).wall
    units = {u.path: u for u in plan_outputs(loaded, config, Theme(config, resolve_theme_dir(config)))}
    assert not [path for path in units if path.endswith(".png")]
    page = next(u for path, u in units.items() if path.startswith("k/") and path.endswith("index.html"))
    document, _ = parse_html(page.render())
    assert not [m for m in document.iter("meta") if m.get("property") == "og:image"]


def test_share_image_fingerprints_follow_their_inputs(tmp_path: Path, wall_maker: Callable[..., Path]) -> None:
    from conftest import kudos_md

    wall = wall_maker(tmp_path, kudos={"2024-05-01-ada-on-grace": kudos_md("First text."),
                                       "2024-06-01-grace-on-ada": kudos_md("Second text.", **{"from": "grace",
                                                                                              "to": "ada"})})

    def images() -> dict[str, OutputUnit]:
        config = load_config(wall)
        loaded = load_wall(config).wall
        return {u.path: u for u in plan_outputs(loaded, config, Theme(config, resolve_theme_dir(config)))
                if u.path.endswith("share.png")}

    before = images()
    assert len(before) == 2
    source = wall / "content/kudos/2024-05-01-ada-on-grace.md"
    source.write_text(source.read_text("utf-8").replace("First text.", "Edited text."), "utf-8")
    after = images()
    changed = {path for path in before if before[path].fingerprint != after[path].fingerprint}
    assert changed == {"k/2024-05-01-ada-on-grace/share.png"}
    unchanged = "k/2024-06-01-grace-on-ada/share.png"
    assert before[unchanged].render() == after[unchanged].render()
    edited = "k/2024-05-01-ada-on-grace/share.png"
    assert before[edited].render() != after[edited].render()
    people = wall / "content/people/ada.yaml"
    people.write_text(people.read_text("utf-8").replace("Ada Okafor", "Ada O."), "utf-8")
    renamed = images()
    assert all(renamed[path].fingerprint != after[path].fingerprint for path in after)  # Ada is on both images
