"""Write a pass film (qt/pass_frames.py) as an animated GIF, an animated PNG or PNG frames.

Pillow encodes GIF and APNG; no ffmpeg. Every output is written beside its target under a
temporary name and renamed when complete, so a failure or a Cancel leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtGui import QImage

from .pass_frames import FilmError, Frame

KINDS = {".gif": "gif", ".png": "apng", ".apng": "apng"}


def output_kind(target: str) -> str:
    """gif, apng or frames (a folder: the path ends in / or is an existing directory)."""
    if target.endswith(("/", os.sep)) or Path(target).is_dir():
        return "frames"
    kind = KINDS.get(Path(target).suffix.lower())
    if kind is None:
        raise FilmError(
            f"-o {target}: end it in .gif, .png (animated PNG) or / (a folder of frames)"
        )
    return kind


def _pil(image: QImage):
    from PIL import Image

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    data = bytes(rgb.constBits())
    return Image.frombuffer(
        "RGB", (rgb.width(), rgb.height()), data, "raw", "RGB", rgb.bytesPerLine(), 1
    )


def write_film(
    frames: Iterable[Frame], target: str, fps: int, progress: Callable[[int], None] = lambda n: None
) -> int:
    """Write the frames; returns how many frames the film has (holds counted)."""
    kind = output_kind(target)
    if kind == "frames":
        return _write_frames(frames, Path(target), progress)
    images, durations, total = [], [], 0
    frame_ms = 1000.0 / fps
    for k, f in enumerate(frames, 1):
        images.append(_pil(f.image))
        durations.append(round(f.hold * frame_ms))
        total += f.hold
        progress(k)
    if not images:
        raise FilmError("no frames: nothing to write")
    from PIL import Image

    path = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        first, rest = images[0], images[1:]
        if kind == "gif":
            palette = _film_palette(images)
            quantised = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
            quantised[0].save(
                tmp,
                format="GIF",
                save_all=True,
                append_images=quantised[1:],
                duration=durations,
                loop=0,
                optimize=False,
                disposal=1,
            )
        else:
            first.save(
                tmp,
                format="PNG",
                save_all=True,
                append_images=rest,
                duration=durations,
                loop=0,
                default_image=False,
            )
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return total


def _film_palette(images):
    """One palette for the whole film, from a strip of frames spread over it (the blue and
    orange of later steps are not in the first frame): per-frame palettes flicker."""
    from PIL import Image

    picks = images[:: max(1, len(images) // 8)][:8] + [images[-1]]
    small = [im.reduce(4) for im in picks]
    strip = Image.new("RGB", (small[0].width, sum(im.height for im in small)), "white")
    y = 0
    for im in small:
        strip.paste(im, (0, y))
        y += im.height
    return strip.quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def _write_frames(frames: Iterable[Frame], folder: Path, progress) -> int:
    """frame_0001.png, … one file per film frame (holds repeated: a video tool reads them at
    the film's fps). The folder must be new or empty; it appears complete or not at all."""
    if folder.exists() and any(folder.iterdir()):
        raise FilmError(f"-o {folder}/: the folder is not empty")
    parent = folder.resolve().parent
    if not parent.is_dir():
        raise FilmError(f"-o {folder}/: the folder {parent} does not exist")
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".part", dir=parent))
    n = 0
    try:
        for k, f in enumerate(frames, 1):
            for _ in range(f.hold):
                n += 1
                if not f.image.save(str(tmp / f"frame_{n:04d}.png")):  # PNG by its suffix
                    raise OSError(f"cannot write {tmp / f'frame_{n:04d}.png'}")
            progress(k)
        if folder.exists():
            folder.rmdir()  # empty (checked above)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return n


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
