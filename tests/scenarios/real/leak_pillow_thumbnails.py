"""An image service makes a 48x48 thumbnail per upload with Pillow and caches it in a
module-level dict keyed by upload id "so the gallery loads fast". Upload ids never
repeat and nothing evicts, so every thumbnail's pixel buffer (allocated by Pillow in the
C heap) plus its Image object stays alive (about 10 KB per upload)."""

import itertools

from PIL import Image, ImageDraw

LIBRARIES = ("PIL",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +6.56/+7.00/+7.00/+6.72, "
    "C heap +9460.1/+9853.5/+9883.0/+9431.0 B, RSS +9781/+10260/+10279/+9821 B"
)
HOLDER = "global _thumbnails"
DIAGNOSIS = "growing_container"

_uploads = itertools.count()
_thumbnails = {}
_state = {}


def setup():
    photo = Image.new("RGB", (160, 120), (30, 60, 90))
    draw = ImageDraw.Draw(photo)
    for i in range(0, 160, 16):
        draw.line((i, 0, 160 - i, 120), fill=(200, i, 40), width=3)
    _state["photo"] = photo


def step():
    upload_id = next(_uploads)
    photo = _state["photo"].rotate(upload_id % 4 * 90)
    _thumbnails[upload_id] = photo.resize((48, 48), Image.Resampling.BILINEAR)  # SITE
    return _thumbnails[upload_id].size[0]


def teardown():
    _thumbnails.clear()
    _state.clear()
