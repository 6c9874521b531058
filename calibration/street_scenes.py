"""Generated street scenes for the bundled ``street-objects`` guideline: drawing, exact gold boxes, traps.

Every image of ``guidelines/street-objects/images/`` is drawn here with Pillow from simple shapes
(people, cars, bicycles, traffic lights, shop windows, posters), so the gold boxes are computed from
the drawn pixels and are exact: each object is drawn alone into a mask, and its box is the mask's
bounding box (the full extent, hidden parts included, cut at the image frame). The visible extent
(what is left once the objects in front are drawn) and the decoys (reflections, pictures of
objects) are kept too: the demo's simulated annotators use them to make the mistakes a pilot shows.

Scenes are deterministic: scene ``n`` of a theme is drawn from a generator seeded by its id, and the
images are the same on every run. Regenerate them with::

    python -m calibration.street_scenes guidelines/street-objects/images

The images are dedicated to the public domain (CC0 1.0); see the README next to them.
"""

from __future__ import annotations

import itertools
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw

from calibration.boxes import Box

WIDTH, HEIGHT = 320, 240
"""Size of every scene, in pixels."""

Color = tuple[int, int, int]
Kind = Literal["person", "car", "bicycle", "traffic_light"]
Shape = tuple[str, tuple[float, ...], Color]
"""A primitive: ``("rect" | "ellipse" | "ring" | "poly" | "line", coordinates, colour)``."""

SHIRTS: tuple[Color, ...] = ((200, 60, 60), (60, 110, 190), (230, 170, 40), (70, 150, 90), (150, 80, 160))
CAR_PAINT: tuple[Color, ...] = ((190, 40, 40), (40, 80, 160), (230, 230, 235), (60, 60, 65), (40, 140, 110))
SKIN: tuple[Color, ...] = ((240, 200, 160), (200, 150, 110), (140, 95, 60))


# --------------------------------------------------------------------------- objects


@dataclass(frozen=True)
class Thing:
    """One drawn object: its kind, the rectangle it is drawn in (left, top, width, height) and colours."""

    kind: Kind
    left: int
    top: int
    width: int
    height: int
    color: Color = (200, 60, 60)
    skin: Color = (240, 200, 160)
    crowd: bool = False
    """A member of a crowd (the demo's annotators who box only the front of a crowd skip it)."""

    def shapes(self) -> list[Shape]:
        """The primitives that draw the object, in drawing order."""
        return {
            "person": _person,
            "car": _car,
            "bicycle": _bicycle,
            "traffic_light": _light,
        }[self.kind](self)


def _person(p: Thing) -> list[Shape]:
    x, t, w, h = p.left, p.top, p.width, p.height
    head = max(2, round(h * 0.18))
    shoulders = t + head
    hips = t + round(h * 0.58)
    body_l, body_r = x + round(w * 0.2), x + w - 1 - round(w * 0.2)
    cx = (x + x + w - 1) / 2
    trousers: Color = (45, 45, 60)
    return [
        ("ellipse", (cx - head / 2, t, cx + head / 2, t + head - 1), p.skin),
        ("rect", (body_l, shoulders, body_r, hips), p.color),
        ("rect", (x, shoulders, x + max(1, round(w * 0.18)), t + round(h * 0.5)), p.color),
        ("rect", (x + w - 1 - max(1, round(w * 0.18)), shoulders, x + w - 1, t + round(h * 0.5)), p.color),
        ("rect", (body_l, hips, cx - 1, t + h - 1), trousers),
        ("rect", (cx + 1, hips, body_r, t + h - 1), trousers),
    ]


def _car(c: Thing) -> list[Shape]:
    x, t, w, h = c.left, c.top, c.width, c.height
    roof = t + round(h * 0.42)
    wheel = round(h * 0.4)
    dark: Color = (30, 30, 30)
    glass: Color = (170, 205, 230)
    return [
        ("poly", (x + w * 0.18, roof, x + w * 0.3, t, x + w * 0.7, t, x + w * 0.84, roof), c.color),
        (
            "poly",
            (x + w * 0.24, roof, x + w * 0.33, t + h * 0.08, x + w * 0.67, t + h * 0.08, x + w * 0.78, roof),
            glass,
        ),
        ("rect", (x, roof, x + w - 1, t + h - 1 - wheel // 2), c.color),
        ("ellipse", (x + w * 0.12, t + h - wheel, x + w * 0.12 + wheel - 1, t + h - 1), dark),
        ("ellipse", (x + w * 0.88 - wheel, t + h - wheel, x + w * 0.88 - 1, t + h - 1), dark),
        ("rect", (x + 1, roof + 2, x + 3, roof + 4), (250, 240, 150)),
    ]


def _bicycle(b: Thing) -> list[Shape]:
    x, t, w, h = b.left, b.top, b.width, b.height
    d = min(round(h * 0.62), round(w * 0.42))
    y0 = t + h - d
    lc = (x + d / 2, t + h - d / 2)
    rc = (x + w - d / 2, t + h - d / 2)
    seat = (x + w * 0.4, t + h * 0.2)
    bar = (rc[0] - 2, t + 1)
    frame = b.color
    dark: Color = (25, 25, 25)
    return [
        ("ring", (x, y0, x + d - 1, t + h - 1), dark),
        ("ring", (x + w - d, y0, x + w - 1, t + h - 1), dark),
        ("line", (*lc, seat[0], seat[1] + 2), frame),
        ("line", (seat[0], seat[1] + 2, rc[0] - 1, lc[1] - 1), frame),
        ("line", (lc[0], lc[1], rc[0] - 2, t + h * 0.35), frame),
        ("line", (rc[0], rc[1], bar[0], bar[1] + 1), frame),
        ("rect", (bar[0] - 3, t, bar[0] + 2, t + 1), dark),
        ("rect", (seat[0] - 3, seat[1], seat[0] + 3, seat[1] + 1), dark),
    ]


def _light(g: Thing) -> list[Shape]:
    x, t, w, h = g.left, g.top, g.width, g.height
    r = max(1, round(w * 0.28))
    cx = (x + x + w - 1) / 2
    lamps: list[Shape] = [
        ("ellipse", (cx - r, t + h * k - r, cx + r, t + h * k + r), color)
        for k, color in ((0.2, (220, 40, 40)), (0.5, (90, 70, 20)), (0.8, (40, 60, 40)))
    ]
    return [("rect", (x, t, x + w - 1, t + h - 1), (35, 35, 35)), *lamps]


# --------------------------------------------------------------------------- scenes


@dataclass
class Scene:
    """A scene: background parts, objects in drawing order, and decoys that must not be boxed.

    Attributes:
        id: the image's file stem (``so-001``).
        things: the objects to box, back to front.
        background: primitives drawn first (road, buildings, poles, window and poster frames).
        decoys: objects seen in a reflection or a picture, with the rectangle they are clipped to
            and whether they are drawn faded (a reflection) or plain (a poster).
        alt: the image's text alternative.
    """

    id: str
    things: list[Thing] = field(default_factory=list)
    background: list[Shape] = field(default_factory=list)
    decoys: list[tuple[Thing, tuple[int, int, int, int], bool]] = field(default_factory=list)
    alt: str = ""


def _paint(draw: ImageDraw.ImageDraw, shapes: Sequence[Shape], mono: int | None = None) -> None:
    for kind, xy, color in shapes:
        fill: int | Color = mono if mono is not None else color
        if kind == "rect":
            draw.rectangle(_ints(xy), fill=fill)
        elif kind == "ellipse":
            draw.ellipse(_ints(xy), fill=fill)
        elif kind == "ring":
            draw.ellipse(_ints(xy), outline=fill, width=2)
        elif kind == "poly":
            draw.polygon(_ints(xy), fill=fill)
        else:
            draw.line(_ints(xy), fill=fill, width=2)


def _ints(xy: tuple[float, ...]) -> list[int]:
    return [round(v) for v in xy]


def _mask(shapes: Sequence[Shape], clip: tuple[int, int, int, int] | None = None) -> np.ndarray:
    image = Image.new("L", (WIDTH, HEIGHT), 0)
    _paint(ImageDraw.Draw(image), shapes, mono=255)
    mask = np.asarray(image) > 0
    if clip is not None:
        x0, y0, x1, y1 = clip
        inside = np.zeros_like(mask)
        inside[y0:y1, x0:x1] = True
        mask &= inside
    return mask


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """``(x, y, width, height)`` of the set pixels of `mask` (None when it is empty)."""
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return None
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def _box(kind: str, bbox: tuple[int, int, int, int]) -> Box:
    return Box(kind, *(float(v) for v in bbox))


def gold_boxes(scene: Scene) -> tuple[Box, ...]:
    """The scene's gold: each object's full drawn extent (hidden parts included), cut at the frame; sorted."""
    boxes = []
    for thing in scene.things:
        found = _bbox(_mask(thing.shapes()))
        if found is not None:
            boxes.append(_box(thing.kind, found))
    return tuple(sorted(boxes))


@dataclass(frozen=True)
class Seen:
    """What an annotator can see of one object: its gold box, its visible box and visible share."""

    gold: Box
    visible: Box | None
    visible_share: float
    crowd: bool


def seen_objects(scene: Scene) -> list[Seen]:
    """Every object with its gold box and the extent left visible by the objects drawn in front of it."""
    masks = [_mask(thing.shapes()) for thing in scene.things]
    out = []
    for i, (thing, mask) in enumerate(zip(scene.things, masks, strict=True)):
        full = _bbox(mask)
        if full is None:
            continue
        front = np.zeros_like(mask)
        for later in masks[i + 1 :]:
            front |= later
        visible = mask & ~front
        seen = _bbox(visible)
        out.append(
            Seen(
                _box(thing.kind, full),
                _box(thing.kind, seen) if seen else None,
                float(visible.sum() / mask.sum()),
                thing.crowd,
            )
        )
    return out


def decoy_boxes(scene: Scene) -> tuple[Box, ...]:
    """Boxes of the objects seen in reflections and pictures (not to be boxed: rule R-REFLECTION)."""
    boxes = []
    for thing, clip, _ in scene.decoys:
        found = _bbox(_mask(thing.shapes(), clip))
        if found is not None:
            boxes.append(_box(thing.kind, found))
    return tuple(sorted(boxes))


def render(scene: Scene) -> Image.Image:
    """The scene as an RGB image."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (150, 190, 225))
    draw = ImageDraw.Draw(image)
    _paint(draw, _STREET)
    _paint(draw, scene.background)
    for thing, clip, faded in scene.decoys:
        layer = Image.new("RGB", (WIDTH, HEIGHT), (0, 0, 0))
        _paint(ImageDraw.Draw(layer), thing.shapes())
        alpha = Image.fromarray((_mask(thing.shapes(), clip) * (110 if faded else 255)).astype(np.uint8))
        image.paste(layer, (0, 0), alpha)
    for thing in scene.things:
        _paint(draw, thing.shapes())
    return image


_STREET: list[Shape] = [
    ("rect", (0, 150, WIDTH - 1, HEIGHT - 1), (120, 120, 125)),
    ("rect", (0, 140, WIDTH - 1, 150), (185, 180, 170)),
    ("rect", (0, 200, WIDTH - 1, 202), (235, 235, 235)),
]


# --------------------------------------------------------------------------- themes


def _rng(scene_id: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(scene_id.encode("utf-8")))


def _pick(rng: np.random.Generator, options: Sequence[Color]) -> Color:
    return options[int(rng.integers(0, len(options)))]


def person(rng: np.random.Generator, left: int, feet: int, height: int, crowd: bool = False) -> Thing:
    """A standing person whose feet are at `feet`."""
    return Thing(
        "person", left, feet - height, max(3, round(height * 0.38)), height,
        _pick(rng, SHIRTS), _pick(rng, SKIN), crowd,
    )  # fmt: skip


def car(rng: np.random.Generator, left: int, bottom: int, width: int) -> Thing:
    """A car seen from the side whose wheels stand at `bottom`."""
    height = round(width * 0.45)
    return Thing("car", left, bottom - height, width, height, _pick(rng, CAR_PAINT))


def bicycle(rng: np.random.Generator, left: int, bottom: int, width: int) -> Thing:
    """A bicycle seen from the side whose wheels stand at `bottom`."""
    height = round(width * 0.62)
    return Thing("bicycle", left, bottom - height, width, height, _pick(rng, SHIRTS))


def traffic_light(left: int, top: int, height: int, pole_to: int) -> tuple[Thing, Shape]:
    """A traffic light housing and its pole (the pole is background: it is not boxed)."""
    width = max(4, round(height * 0.38))
    cx = left + width // 2
    pole: Shape = ("rect", (cx - 1, top + height, cx + 1, pole_to), (80, 80, 85))
    return Thing("traffic_light", left, top, width, height), pole


def _building(rng: np.random.Generator, left: int, right: int) -> Shape:
    top = int(rng.integers(20, 70))
    shade = int(rng.integers(150, 200))
    return ("rect", (left, top, right, 139), (shade, shade - 20, shade - 40))


def _buildings(rng: np.random.Generator) -> list[Shape]:
    edges = [0, *sorted(int(v) for v in rng.choice(np.arange(60, 260, 20), size=3, replace=False)), WIDTH - 1]
    return [_building(rng, a, b - 1) for a, b in itertools.pairwise(edges)]


def _count(n: int, noun: str) -> str:
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight")
    name = noun if n == 1 else ("people" if noun == "person" else f"{noun}s")
    return f"{words[n] if n < len(words) else n} {name}"


def describe(scene: Scene) -> str:
    """A plain text alternative listing what the scene shows."""
    kinds = [t.kind for t in scene.things]
    parts = [
        _count(kinds.count(k), k.replace("_", " "))
        for k in ("person", "car", "bicycle", "traffic_light")
        if kinds.count(k)
    ]
    text = "Street scene with " + (", ".join(parts) if parts else "no road users")
    return text + "."


Theme = Callable[[str], Scene]


def _described(scene: Scene, note: str) -> Scene:
    """`scene` with its text alternative: what `describe` sees, then `note` (what the scene tests)."""
    scene.alt = describe(scene) + note
    return scene


def _framed(
    box: tuple[int, int, int, int], border: tuple[int, int, int, int], frame: Color, fill: Color
) -> list[Shape]:
    """A rectangle `box` filled with `fill` inside a `frame` coloured border (left, top, right, bottom widths)."""
    outer = (box[0] - border[0], box[1] - border[1], box[2] + border[2], box[3] + border[3])
    return [("rect", outer, frame), ("rect", (box[0], box[1], box[2] - 1, box[3] - 1), fill)]


def street(scene_id: str) -> Scene:
    """One to three people, a car or two, maybe a bicycle and a traffic light; nothing hidden."""
    rng = _rng(scene_id)
    background = _buildings(rng)
    things: list[Thing] = []
    x = int(rng.integers(4, 30))
    for _ in range(int(rng.integers(1, 3))):
        things.append(car(rng, x, int(rng.integers(205, 230)), int(rng.integers(70, 100))))
        x += things[-1].width + int(rng.integers(10, 30))
    for _ in range(int(rng.integers(1, 4))):
        if x > WIDTH - 30:
            break
        height = int(rng.integers(45, 80))
        things.append(person(rng, x, int(rng.integers(150, 175)), height))
        x += things[-1].width + int(rng.integers(6, 20))
    if rng.random() < 0.5 and x < WIDTH - 60:
        things.append(bicycle(rng, x, int(rng.integers(160, 190)), int(rng.integers(45, 60))))
    if rng.random() < 0.6:
        light, pole = traffic_light(int(rng.integers(250, 300)), int(rng.integers(30, 60)), 26, 145)
        background.append(pole)
        things.insert(0, light)
    return _described(Scene(scene_id, things, background), " Every object is fully visible.")


def occluded(scene_id: str) -> Scene:
    """A person (or a second car) partly hidden behind a car parked in front."""
    rng = _rng(scene_id)
    background = _buildings(rng)
    behind_car = rng.random() < 0.35
    left = int(rng.integers(30, 150))
    front = car(rng, left, int(rng.integers(215, 232)), int(rng.integers(95, 120)))
    if behind_car:
        hidden = car(rng, left + int(rng.integers(30, 60)), front.top + front.height - 12, 90)
        what = "a second car, parked behind it, half hidden"
    else:
        height = int(rng.integers(60, 80))
        feet = front.top + front.height - round(front.height * 0.2) - int(rng.integers(2, 6))
        hidden = person(rng, left + int(rng.integers(15, front.width - 30)), feet, height)
        what = "a person standing behind it, legs hidden by the car"
    things = [hidden, front]
    if rng.random() < 0.5:
        things.insert(0, person(rng, int(rng.integers(250, 290)), 165, int(rng.integers(50, 65))))
    return _described(Scene(scene_id, things, background), f" A car in front and {what}.")


def crowd(scene_id: str) -> Scene:
    """A queue or a group of four to seven people overlapping each other."""
    rng = _rng(scene_id)
    background = _buildings(rng)
    n = int(rng.integers(4, 8))
    x = int(rng.integers(20, 60))
    things: list[Thing] = []
    for i in range(n):
        height = int(rng.integers(55, 75))
        things.append(person(rng, x, int(rng.integers(148, 165)) + (i % 2) * 8, height, crowd=True))
        x += int(rng.integers(12, 24))
    things.sort(key=lambda t: t.top + t.height)  # the nearer (lower feet) are drawn last, in front
    return _described(
        Scene(scene_id, things, background), " The people stand close together and hide parts of each other."
    )


def _wall_picture(
    scene_id: str,
    left: tuple[int, int],
    box: tuple[int, int, int],
    border: tuple[int, int, int, int],
    colors: tuple[Color, Color],
) -> tuple[np.random.Generator, list[Shape], tuple[int, int, int, int]]:
    """A street's buildings with a framed picture (a shop window, a poster) on them.

    `left` is the range of the picture's left edge, `box` its top, width and bottom, `border` and
    `colors` (frame, fill) as for `_framed`. Returns the scene's generator, its background and the
    picture's rectangle.
    """
    rng = _rng(scene_id)
    background = _buildings(rng)
    x = int(rng.integers(*left))
    top, width, bottom = box
    picture = (x, top, x + width, bottom)
    background += _framed(picture, border, *colors)
    return rng, background, picture


def _coin_toss(
    rng: np.random.Generator, heads: tuple[str, Callable[[], Thing]], tails: tuple[str, Callable[[], Thing]]
) -> tuple[Thing, str]:
    """The thing a picture shows, one of two by a fair coin: ``(thing, what the alt text calls it)``."""
    shown, make = heads if rng.random() < 0.5 else tails
    return make(), shown


def reflection(scene_id: str) -> Scene:
    """A shop window reflecting a car or a person, next to real people or cars."""
    rng, background, window = _wall_picture(
        scene_id, (20, 140), (55, 150, 138), (3, 3, 2, 1), ((90, 70, 50), (175, 210, 225))
    )
    wx = window[0]
    decoy, shown = _coin_toss(
        rng,
        (
            "a car",
            lambda: car(rng, wx + int(rng.integers(10, 50)), window[3] - 4, int(rng.integers(80, 100))),
        ),
        ("a person", lambda: person(rng, wx + int(rng.integers(20, 110)), window[3] - 2, 62)),
    )
    things: list[Thing] = []
    if rng.random() < 0.8:
        things.append(
            person(rng, int(rng.integers(4, 20)) if wx > 60 else 250, 172, int(rng.integers(60, 75)))
        )
    if rng.random() < 0.6:
        things.append(car(rng, int(rng.integers(120, 200)), 232, 100))
    return _described(
        Scene(scene_id, things, background, [(decoy, window, True)]), f" A shop window reflects {shown}."
    )


def poster(scene_id: str) -> Scene:
    """A poster or billboard showing a person or a car, and a real person passing by."""
    rng, background, board = _wall_picture(
        scene_id, (40, 170), (40, 110, 128), (4, 4, 3, 3), ((240, 240, 240), (245, 215, 120))
    )
    px = board[0]
    decoy, shown = _coin_toss(
        rng,
        ("a person", lambda: person(rng, px + 35, board[3] - 4, 80)),
        ("a car", lambda: car(rng, px + 8, board[3] - 12, 92)),
    )
    things = [person(rng, int(rng.integers(px + 40, px + 120)), 190, int(rng.integers(70, 85)))]
    return _described(
        Scene(scene_id, things, background, [(decoy, board, False)]), f" A poster on the wall shows {shown}."
    )


def frame_cut(scene_id: str) -> Scene:
    """A car or a person cut by the left or right edge of the image."""
    rng = _rng(scene_id)
    background = _buildings(rng)
    left_edge = rng.random() < 0.5
    things: list[Thing] = []
    if rng.random() < 0.6:
        width = int(rng.integers(100, 130))
        cut = car(
            rng, -int(rng.integers(30, 70)) if left_edge else WIDTH - int(rng.integers(40, 80)), 230, width
        )
        what = "a car"
    else:
        height = int(rng.integers(90, 120))
        cut = person(
            rng, -int(rng.integers(10, 25)) if left_edge else WIDTH - int(rng.integers(15, 30)), 200, height
        )
        what = "a person"
    things.append(cut)
    things.append(person(rng, int(rng.integers(130, 180)), 168, int(rng.integers(55, 70))))
    side = "left" if left_edge else "right"
    return _described(Scene(scene_id, things, background), f" The {side} edge of the image cuts off {what}.")


def rider(scene_id: str) -> Scene:
    """A person riding a bicycle (two boxes), maybe with a parked bicycle next to it."""
    rng = _rng(scene_id)
    background = _buildings(rng)
    x = int(rng.integers(40, 180))
    bike = bicycle(rng, x, 200, int(rng.integers(60, 75)))
    height = round(bike.height * 1.9)
    body = person(rng, x + round(bike.width * 0.22), bike.top + round(height * 0.62), height)
    things = [bike, body]
    extra = rng.random() < 0.5
    if extra:
        things.insert(0, bicycle(rng, (x + 120) % 250 + 10, 165, 48))
    return _described(
        Scene(scene_id, things, background),
        " A person rides a bicycle" + (" past a parked bicycle." if extra else "."),
    )


def lights(scene_id: str) -> Scene:
    """A crossing with one to three traffic lights on poles, some small and far away, and a car."""
    rng = _rng(scene_id)
    background = _buildings(rng)
    things: list[Thing] = []
    for i in range(int(rng.integers(1, 4))):
        height = int(rng.integers(14, 32))
        light, pole = traffic_light(
            30 + i * 95 + int(rng.integers(0, 40)), int(rng.integers(25, 70)), height, 145
        )
        background.append(pole)
        things.append(light)
    things.append(car(rng, int(rng.integers(20, 200)), 228, int(rng.integers(85, 110))))
    return _described(Scene(scene_id, things, background), " Each traffic light hangs on a grey pole.")


def empty_picture(scene_id: str) -> Scene:
    """Only reflections or pictures of objects: nothing to box."""
    rng = _rng(scene_id)
    scene = poster(scene_id) if rng.random() < 0.5 else reflection(scene_id)
    shown = scene.alt.split(". ", 1)[1]
    scene.things = []
    return _described(scene, f" {shown}")


THEMES: dict[str, Theme] = {
    "street": street,
    "occluded": occluded,
    "crowd": crowd,
    "reflection": reflection,
    "poster": poster,
    "frame": frame_cut,
    "rider": rider,
    "lights": lights,
    "empty": empty_picture,
}
"""Scene generators by theme; a scene is ``THEMES[theme](scene_id)``."""


SCENES: dict[str, str] = {
    # examples and edge cases of the rules
    "ex-person": "street",
    "ex-vehicle": "street",
    "edge-vehicle-bicycle": "street",
    "ex-light": "lights",
    "ex-tight": "rider",
    "edge-tight-bicycle": "rider",
    "ex-occluded": "occluded",
    "ex-crowd": "crowd",
    "ex-reflection": "reflection",
    "ex-frame": "frame",
    "edge-rider": "rider",
    "edge-light-small": "lights",
    "edge-occluded-car": "occluded",
    "edge-crowd-back": "crowd",
    "edge-poster": "poster",
    "edge-empty": "empty",
    "edge-frame-border": "frame",
    # the quiz bank
    **{f"so-{n:03d}": theme for n, theme in enumerate(
        ["street"] * 6 + ["occluded"] * 5 + ["crowd"] * 5 + ["reflection"] * 4 + ["poster"] * 3
        + ["frame"] * 4 + ["rider"] * 4 + ["lights"] * 4 + ["empty"] * 2 + ["street", "crowd", "occluded", "reflection"],
        start=1,
    )},
}  # fmt: skip
"""Theme of every image by file stem: the examples and edge cases, then the quiz bank (so-038..041 are pilot-only)."""


def scene(scene_id: str) -> Scene:
    """The scene drawn as ``images/<scene_id>.png``."""
    return THEMES[SCENES[scene_id]](scene_id)


def write_images(folder: str | Path) -> list[Path]:
    """Draw every scene of `SCENES` into `folder` as ``<id>.png``; returns the paths written."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for scene_id in SCENES:
        path = out / f"{scene_id}.png"
        render(scene(scene_id)).save(path, format="PNG", optimize=True)
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - the regeneration command
    target = sys.argv[1] if len(sys.argv) > 1 else "guidelines/street-objects/images"
    for written in write_images(target):
        print(written)
