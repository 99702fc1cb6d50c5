"""Evidence previews: what a stored file may show inline, its content checked against its type.

Images show as they are (re-encoded smaller when large); a PDF shows its first pages rendered
to PNG by poppler's `pdftoppm` in a separate process (time, memory and page bounded), because
Streamlit's own `st.pdf` needs the `streamlit-pdf` component, which is not a requirement and
would hand the whole file to the browser. Office files are offered for download only. Nothing
here is read until a user asks for the preview of one file.
"""

import io
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from duban.core import uploads

log = logging.getLogger(__name__)

PREVIEW_MAX_MB = 20  # larger files are offered for download only
IMAGE_MAX_PX = 1600  # the longest side shown; larger images are scaled down first
IMAGE_MAX_PIXELS = 60_000_000  # a larger image is not decoded at all (decompression bombs)
PDF_PAGES = 3  # the first pages shown
PDF_SCALE_PX = 1200  # the longest side of a rendered page
PDF_TIMEOUT_S = 20
PDF_MEMORY_BYTES = 768 * 1024 * 1024  # the renderer's address space

_IMAGE_KINDS = {"png", "jpg", "gif", "webp"}


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def kind_of(filename: str, mime: str) -> str:
    """'image', 'pdf' or 'download' from the type a file was recorded with (name and MIME)."""
    expected, allowed_mime = uploads.ALLOWED.get(_extension(filename), ("", ""))
    if allowed_mime != mime:
        return "download"
    if expected in _IMAGE_KINDS:
        return "image"
    if expected == "pdf":
        return "pdf"
    return "download"


@dataclass
class Preview:
    """What to show of one file: images (the picture, or PNG pages of a PDF), or why not."""

    kind: str  # 'image' | 'pdf' | 'download'
    images: list[bytes] = field(default_factory=list)
    pages: int | None = None  # a PDF's page count, when known
    problem: str | None = None  # 'too_big' | 'mismatch' | 'pdf_unavailable' | 'pdf_failed'


def preview(*, sha256: str, filename: str, mime: str, size: int) -> Preview:
    """Read one stored file (its hash checked), check its content is its recorded type, and
    make what can be shown inline. Raises NotFound (Chinese) when the file is lost or damaged."""
    kind = kind_of(filename, mime)
    if kind == "download":
        return Preview(kind)
    if size > PREVIEW_MAX_MB * 1024 * 1024:
        return Preview(kind, problem="too_big")
    data = uploads.stored_bytes(sha256, filename)
    if uploads.sniff(data) != uploads.ALLOWED[_extension(filename)][0]:
        log.warning("evidence %s (%s): content is not its recorded type", sha256[:12], mime)
        return Preview(kind, problem="mismatch")
    if kind == "image":
        image = bounded_image(data)
        return Preview(kind, [image]) if image else Preview(kind, problem="mismatch")
    return pdf_preview(data)


def bounded_image(data: bytes, max_px: int = IMAGE_MAX_PX) -> bytes | None:
    """The image itself when small enough, else a PNG scaled to `max_px`; None when it cannot
    be decoded or has more pixels than anyone needs to see (a decompression bomb)."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
            if w * h > IMAGE_MAX_PIXELS:
                return None
            if max(w, h) <= max_px:
                return data
            im.thumbnail((max_px, max_px))
            out = io.BytesIO()
            im.save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def pdf_renderer() -> str | None:
    """The path of `pdftoppm` (Debian: poppler-utils), or None where it is not installed."""
    return shutil.which("pdftoppm")


def _bounded(cmd: list[str]) -> list[str]:
    """The command under util-linux `prlimit` (address space bounded) where it is installed.

    Not `preexec_fn`: Streamlit runs pages in threads, and code between fork and exec in a
    threaded process may deadlock.
    """
    limiter = shutil.which("prlimit")
    return [limiter, f"--as={PDF_MEMORY_BYTES}", "--", *cmd] if limiter else cmd


def pdf_preview(data: bytes, pages: int = PDF_PAGES) -> Preview:
    """The first `pages` pages of a PDF as PNG images (poppler in a bounded child process)."""
    exe = pdf_renderer()
    if exe is None:
        return Preview("pdf", problem="pdf_unavailable")
    with tempfile.TemporaryDirectory(prefix="duban-pdf-") as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(data)
        cmd = [exe, "-png", "-f", "1", "-l", str(pages), "-scale-to", str(PDF_SCALE_PX)]
        try:
            subprocess.run(
                _bounded([*cmd, str(src), str(Path(tmp) / "page")]),
                check=True,
                capture_output=True,
                timeout=PDF_TIMEOUT_S,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            log.warning("PDF preview failed: %s", exc)
            return Preview("pdf", problem="pdf_failed")
        images = [p.read_bytes() for p in sorted(Path(tmp).glob("page*.png"))]
        total = _page_count(src)
    if not images:
        return Preview("pdf", problem="pdf_failed")
    return Preview("pdf", images, pages=total)


def _page_count(path: Path) -> int | None:
    """The PDF's number of pages from poppler's `pdfinfo`, when it is there."""
    exe = shutil.which("pdfinfo")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, str(path)], check=True, capture_output=True, timeout=PDF_TIMEOUT_S, text=True
        ).stdout
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
        return None
    for line in out.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Pages" and value.strip().isdigit():
            return int(value.strip())
    return None
