"""Region edits: only the marked part changes; every pixel beyond the mask and its feather is the
source's own, bit for bit (real tiny E1, real SQLite, and the CLI's --region)."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageDraw

from hidream_studio.domain import InvalidParams, Route, UserError
from hidream_studio.region import Region, composite
from hidream_studio.store import read_png_metadata
from hidream_studio.studio import GenSettings, Turn

FAST = GenSettings(steps=2, seed=4)


def cli(settings, *args):
    cmd = [sys.executable, "-m", "hidream_studio", "--home", str(settings.home), "--model", "tiny", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def outside(region: Region) -> np.ndarray:
    """Pixels farther from the mask than its feather: they must not change."""
    return region.alpha() == 0


def test_composite_keeps_every_pixel_outside_mask_plus_feather():
    rng = np.random.default_rng(0)
    source = Image.fromarray(rng.integers(0, 256, (90, 120, 3), dtype=np.uint8))
    mask = Image.new("L", source.size, 0)
    ImageDraw.Draw(mask).ellipse((40, 20, 80, 60), fill=255)  # a brush-like shape, not a box
    region = Region.from_mask(mask, source.size)
    left, top, right, bottom = region.crop_box(source.size)
    edited = Image.new("RGB", (37, 29), (255, 0, 255))  # any size: pasted back resized
    out = np.asarray(composite(source, edited, region))
    src = np.asarray(source)
    keep = outside(region)
    assert keep.sum() > 0.7 * keep.size
    assert np.array_equal(out[keep], src[keep])
    inside = np.asarray(mask) > 0
    assert np.all(out[inside] == (255, 0, 255))
    # The feather really blends: some pixels between mask and the untouched zone are mixtures.
    band = ~keep & ~inside
    assert band.any() and not np.array_equal(out[band], src[band])
    # Nothing outside the crop box moved either (the box holds mask + feather + margin).
    assert left <= 40 - region.feather and right >= 81 + region.feather and top <= 20 and bottom >= 61


@pytest.mark.parametrize("spec", ["0,0,0,5", "10,10,500,5", "a,b,c,d", "1,2,3"])
def test_bad_boxes_are_refused(spec):
    with pytest.raises(InvalidParams):
        Region.parse(spec, (64, 64))


def test_an_empty_painted_mask_is_refused():
    with pytest.raises(InvalidParams, match="empty"):
        Region.from_mask(Image.new("RGBA", (32, 32), (0, 0, 0, 0)), (32, 32))


def test_region_edit_changes_only_the_region_and_records_the_mask(studio, session):
    first = studio.handle(Turn(session.id, "a red circle on a blue background", settings=FAST))
    source = np.asarray(Image.open(first.head.image_path).convert("RGB"))
    height, width = source.shape[:2]
    box = (width // 4, height // 4, width // 3, height // 3)
    edited = studio.handle(Turn(session.id, "make it green", settings=FAST, region=box))
    assert edited.decision.route is Route.EDIT
    assert (edited.head.number, edited.head.parent) == (2, 1)
    out = np.asarray(Image.open(edited.head.image_path).convert("RGB"))
    assert out.shape == source.shape
    region = Region.from_record(edited.head.recipe.region)
    assert region.box == box
    keep = outside(region)
    assert np.array_equal(out[keep], source[keep])
    assert not np.array_equal(out[~keep], source[~keep])  # the edit did change the region
    # The recipe travels with the PNG too.
    meta = read_png_metadata(edited.head.image_path)
    assert meta["region"]["box"] == list(box)
    mask = Image.open(io.BytesIO(base64.b64decode(meta["region"]["mask_png"])))
    assert mask.size == (width, height)


def test_a_generate_message_with_a_region_is_an_instruction_for_it(studio, session):
    studio.handle(Turn(session.id, "a red circle on a blue background", settings=FAST))
    made = studio.handle(Turn(session.id, "a yellow star", settings=FAST, region="0,0,20,20"))
    assert made.decision.route is Route.EDIT and made.head.recipe.region is not None


def test_a_region_without_a_canvas_or_off_the_picture_changes_nothing(studio, session):
    with pytest.raises(UserError, match="no picture"):
        studio.handle(Turn(session.id, "make it green", settings=FAST, region="0,0,8,8"))
    studio.handle(Turn(session.id, "a red circle", settings=FAST))
    with pytest.raises(InvalidParams, match="outside"):
        studio.handle(Turn(session.id, "make it green", settings=FAST, region="0,0,5000,8"))
    assert [v.number for v in studio.store.versions(session.id)] == [1]


def test_cli_region_and_options(studio, studio_settings):
    made = json.loads(cli(studio_settings, "chat", "--session", "cli-region", "--steps", "2", "--options", "3",
                          "a red circle").stdout)
    assert made["options"] == [1, 2, 3] and made["head"] == 1
    edited = cli(studio_settings, "chat", "--session", "cli-region", "--steps", "2", "--region", "4,4,16,16",
                 "make it green")
    assert edited.returncode == 0, edited.stderr
    out = json.loads(edited.stdout)
    assert (out["route"], out["parent"]) == ("edit", 1)
    assert read_png_metadata(out["image"])["region"]["box"] == [4, 4, 16, 16]
    bad = cli(studio_settings, "chat", "--session", "cli-region", "--region", "4,4", "make it blue")
    assert bad.returncode == 2 and "x,y,width,height" in bad.stderr and "Traceback" not in bad.stderr
