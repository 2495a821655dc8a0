"""What an uploaded file really is, judged from its bytes, and the same file without its metadata."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps

from fedhub.errors import InvalidInput

# (magic prefix, media type); WebP is checked separately because its magic is split.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)

ACCEPTED = "PDF, PNG, JPEG, GIF or WebP"
ACCEPTED_TYPES = frozenset({media_type for _, media_type in _SIGNATURES} | {"image/webp"})


def sniff_media_type(head: bytes) -> str:
    """The media type of a file from its first bytes; anything unrecognised is refused.

    Trusting the name or the uploader's Content-Type would let a hostile HTML or SVG file be
    served from the instance's origin.
    """
    for magic, media_type in _SIGNATURES:
        if head.startswith(magic):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    raise InvalidInput(f"unsupported file type: attach a {ACCEPTED} file")


def safe_filename(name: str) -> str:
    """A display file name without path parts or control characters (it ends up in URLs)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    if not cleaned:
        raise InvalidInput(f"invalid file name {name!r}")
    return cleaned[:200]


# Images above this many pixels are refused: a few kilobytes can decode to gigabytes.
MAX_IMAGE_PIXELS = 50_000_000
_REENCODED = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# What the encoders read back from `info` and the picture needs: transparency and animation.
# Everything else there (EXIF, XMP, comments, text chunks) is metadata and is dropped.
_KEPT_INFO = ("transparency", "duration", "loop", "disposal", "blend", "background")


def strip_metadata(data: bytes, media_type: str) -> bytes:
    """The image re-encoded without EXIF, XMP or text chunks; other files unchanged.

    A phone photo's EXIF holds the GPS position where it was taken, which can expose an
    activist's home or a safe house. Re-encoding (rather than editing tags) drops every
    metadata block at once; the EXIF orientation is applied first so the picture stays upright.
    Only the colour profile is kept. GIFs carry no EXIF and are left as they are.
    """
    target = _REENCODED.get(media_type)
    if target is None:
        return data
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[target]) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise InvalidInput(
                        f"the image is {image.width}×{image.height} pixels; "
                        f"the limit is {MAX_IMAGE_PIXELS // 1_000_000} megapixels"
                    )
                animated = bool(getattr(image, "is_animated", False))
                icc = image.info.get("icc_profile")
                clean: Image.Image
                if animated:
                    image.load()
                    clean = image
                else:
                    clean = ImageOps.exif_transpose(image)
                clean.info = {key: image.info[key] for key in _KEPT_INFO if key in image.info}
                options: dict[str, object] = {"exif": b""}
                if icc:
                    options["icc_profile"] = icc
                if animated:
                    options["save_all"] = True
                if target in ("JPEG", "WEBP"):
                    options["quality"] = 90
                out = io.BytesIO()
                clean.save(out, format=target, **options)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):  # fmt: skip
        raise InvalidInput(f"the {target} image is damaged or unreadable") from None
    return out.getvalue()
