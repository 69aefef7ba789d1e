"""Photos from the contractors' phones: checked by content, not by name, and stored under the
data folder as <data>/attachments/<order>/<sha256>.<ext>.

The type is what Pillow finds in the bytes (a renamed PDF is refused whatever it is called),
and the file must decode as an image of that type. Size is checked while reading, so an
oversized upload is refused without being held whole.
"""

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, UnidentifiedImageError

# MPO is a JPEG with extra frames (MPF data) that many phone cameras write: Pillow names it
# MPO, and every JPEG viewer shows its first frame.
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "MPO": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
# Decompression bombs: a small file that unpacks to a huge bitmap is refused by Pillow.
Image.MAX_IMAGE_PIXELS = 60_000_000


class UploadError(Exception):
    """reason: too_large or not_image; name: the file's name as sent."""

    def __init__(self, reason: str, name: str):
        super().__init__(f"{reason}: {name}")
        self.reason, self.name = reason, name


@dataclass(frozen=True)
class Photo:
    data: bytes
    name: str
    extension: str
    content_type: str
    sha256: str


async def read_photo(upload, max_bytes: int) -> Photo:
    chunks, size = [], 0
    while chunk := await upload.read(256 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise UploadError("too_large", upload.filename or "")
        chunks.append(chunk)
    data = b"".join(chunks)
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise UploadError("not_image", upload.filename or "") from None
    if kind not in FORMATS:
        raise UploadError("not_image", upload.filename or "")
    extension, content_type = FORMATS[kind]
    return Photo(
        data,
        upload.filename or f"photo.{extension}",
        extension,
        content_type,
        hashlib.sha256(data).hexdigest(),
    )


# EXIF tags (the Exif IFD): when the picture was taken, and that moment's offset from UTC.
_EXIF_IFD, _TAKEN, _OFFSET = 0x8769, 36867, 36881


def taken_at(photo: Photo, tz) -> int | None:
    """When the photo's own EXIF says it was taken (DateTimeOriginal, at OffsetTimeOriginal or in
    `tz` without one), or None where the phone stripped it or wrote nonsense. Evidence only: a
    camera's clock can be wrong and EXIF can be edited."""
    try:
        with Image.open(io.BytesIO(photo.data)) as image:
            exif = image.getexif().get_ifd(_EXIF_IFD)
    except (OSError, SyntaxError, ValueError):
        return None
    text, offset = str(exif.get(_TAKEN, "")).strip("\x00 "), str(exif.get(_OFFSET, "")).strip("\x00 ")
    try:
        moment = datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
        if offset:
            moment = datetime.strptime(f"{text} {offset}", "%Y:%m:%d %H:%M:%S %z")
    except ValueError:
        return None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=tz)).timestamp())


def store(data_dir: Path, order_id: str, photo: Photo) -> str:
    """Write the photo (atomically) and return its path relative to the data folder."""
    relative = Path("attachments") / order_id / f"{photo.sha256}.{photo.extension}"
    target = Path(data_dir) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        partial = target.with_suffix(".part")
        partial.write_bytes(photo.data)
        partial.replace(target)
    return str(relative)


async def read_report(upload, max_bytes: int) -> Photo:
    """A laboratory's report: a PDF (by its first bytes, not its name) or a photo of it."""
    head = await upload.read(5)
    await upload.seek(0)
    if head != b"%PDF-":
        return await read_photo(upload, max_bytes)
    chunks, size = [], 0
    while chunk := await upload.read(256 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise UploadError("too_large", upload.filename or "")
        chunks.append(chunk)
    data = b"".join(chunks)
    return Photo(
        data, upload.filename or "report.pdf", "pdf", "application/pdf", hashlib.sha256(data).hexdigest()
    )


def store_report(data_dir: Path, sample_id: int, report: Photo) -> str:
    """The report's file under <data>/attachments/lab/<sample>/, as a photo is stored."""
    return store(data_dir, f"lab/{sample_id}", report)
