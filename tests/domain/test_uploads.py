"""Uploads are judged by their bytes, and images lose their metadata (GPS above all)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from fedhub.actions.publish import make_upload
from fedhub.domain.uploads import sniff_media_type, strip_metadata
from fedhub.errors import InvalidInput, PayloadTooLarge

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def photo_with_gps(fmt: str = "JPEG", size: tuple[int, int] = (40, 20)) -> bytes:
    """A picture as a phone takes it: EXIF with GPS position, camera make and a rotation."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[ORIENTATION] = 6  # shot sideways: viewers rotate it 90° clockwise
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (50.0, 27.0, 0.0), 3: "E", 4: (30.0, 31.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "media_type"), [("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("PNG", "image/png")]
)
def test_gps_and_every_exif_tag_are_gone_and_the_picture_is_upright(
    fmt: str, media_type: str
) -> None:
    original = photo_with_gps(fmt)
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(GPS_IFD), "the fixture must carry GPS to prove anything"
    cleaned = strip_metadata(original, media_type)
    assert sniff_media_type(cleaned[:64]) == media_type
    assert b"PhoneMaker" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as after:
        assert dict(after.getexif()) == {}
        assert after.getexif().get_ifd(GPS_IFD) == {}
        assert "exif" not in after.info
        assert after.size == (20, 40)  # the rotation was applied, not lost


def test_png_text_chunks_are_dropped_but_transparency_kept() -> None:
    image = Image.new("P", (4, 4), 0)
    image.putpalette([0, 0, 0, 255, 255, 255])
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at the safe house, Khreshchatyk 1")
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, transparency=0)
    cleaned = strip_metadata(out.getvalue(), "image/png")
    assert b"safe house" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as after:
        assert after.info.get("transparency") == 0


def test_jpeg_comment_is_dropped() -> None:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="JPEG", comment=b"home: Rustaveli 12")
    assert b"Rustaveli" not in strip_metadata(out.getvalue(), "image/jpeg")


def test_other_files_are_left_as_they_are() -> None:
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
    assert strip_metadata(pdf, "application/pdf") == pdf


def test_a_damaged_image_is_refused_with_a_reason() -> None:
    truncated = photo_with_gps()[:40]
    with pytest.raises(InvalidInput, match="damaged"):
        strip_metadata(truncated, "image/jpeg")


def test_a_decompression_bomb_is_refused() -> None:
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, format="PNG")  # 64 megapixels in a few kilobytes
    assert len(out.getvalue()) < 100_000
    with pytest.raises(InvalidInput, match="megapixels"):
        strip_metadata(out.getvalue(), "image/png")


def test_make_upload_sniffs_strips_and_checks_the_declared_type() -> None:
    upload = make_upload("../holiday.jpg", photo_with_gps(), 1_000_000, declared_type="image/jpeg")
    assert (upload.filename, upload.media_type) == ("holiday.jpg", "image/jpeg")
    assert b"PhoneMaker" not in upload.data
    # A browser says "octet-stream" for names it does not know: the content decides.
    assert make_upload("x.bin", photo_with_gps(), 10**6, declared_type="application/octet-stream")
    with pytest.raises(InvalidInput, match="sent as application/pdf but its content is image/jpeg"):
        make_upload("report.pdf", photo_with_gps(), 1_000_000, declared_type="application/pdf")
    with pytest.raises(InvalidInput, match="unsupported file type"):
        make_upload(
            "page.jpg", b"<html><script>alert(1)</script>", 10**6, declared_type="image/jpeg"
        )
    with pytest.raises(PayloadTooLarge, match="the limit is 100"):
        make_upload("big.jpg", photo_with_gps(), 100)
    with pytest.raises(InvalidInput, match="empty"):
        make_upload("nothing.pdf", b"", 100)
