"""Photos from the contractors' phones: checked by content, not by name, and stored under the
data folder as <data>/attachments/<order>/<sha256>.<ext>.

The type is what Pillow finds in the bytes (a renamed PDF is refused whatever it is called),
and the file must decode as an image of that type. Size is checked while reading, so an
oversized upload is refused without being held whole.
"""

import hashlib
import io
from dataclasses import dataclass
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
