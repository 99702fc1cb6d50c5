"""PDF from DOCX through LibreOffice (where it is installed), with the GB fonts mapped to Noto CJK."""

import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from duban.core.errors import DubanError
from duban.documents.layout import BODY_FONT, FALLBACK_FONT, HEADING_FONT, KAITI_FONT, TITLE_FONT


class DocumentConversionFailed(DubanError):
    """LibreOffice was found but could not convert the document."""


def libreoffice_binary() -> str | None:
    return shutil.which("libreoffice") or shutil.which("soffice")


_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  {aliases}
</fontconfig>
"""


def _fontconfig_file(directory: Path) -> Path:
    """Map the GB fonts to Noto CJK where they are not installed, so the PDF stays serif."""
    pairs = [
        (BODY_FONT, "Noto Serif CJK SC"),
        (TITLE_FONT, "Noto Serif CJK SC"),
        (KAITI_FONT, "Noto Serif CJK SC"),
        (HEADING_FONT, "Noto Sans CJK SC"),
        (FALLBACK_FONT, "Noto Serif CJK SC"),
    ]
    aliases = "\n  ".join(
        f"<alias><family>{a}</family><prefer><family>{b}</family></prefer></alias>"
        for a, b in pairs
    )
    path = directory / "fonts.conf"
    path.write_text(_FONTCONFIG.format(aliases=aliases), encoding="utf-8")
    return path


# One LibreOffice profile per process, used by one conversion at a time (Streamlit serves each
# browser session from a thread; two soffice instances on one profile fail).
_PDF_LOCK = threading.Lock()


def docx_to_pdf(data: bytes, *, timeout: float = 120) -> bytes | None:
    """Convert DOCX bytes to PDF with LibreOffice; None where LibreOffice is not installed."""
    binary = libreoffice_binary()
    if binary is None:
        return None
    with tempfile.TemporaryDirectory(prefix="duban_pdf_") as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / "notice.docx"
        src.write_bytes(data)
        env = dict(os.environ, FONTCONFIG_FILE=str(_fontconfig_file(tmpdir)))
        # A private profile per process: two conversions at once must not share one.
        profile = f"file:///tmp/lo_{os.getpid()}"
        cmd = [
            binary,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmpdir),
            str(src),
        ]
        try:
            with _PDF_LOCK:
                proc = subprocess.run(
                    cmd, capture_output=True, timeout=timeout, env=env, check=False
                )
        except subprocess.TimeoutExpired as exc:
            raise DocumentConversionFailed("PDF 转换超时，请下载 Word 版本。") from exc
        out = tmpdir / "notice.pdf"
        if proc.returncode != 0 or not out.is_file():
            raise DocumentConversionFailed(
                "PDF 转换失败，请下载 Word 版本。"
                + (proc.stderr.decode(errors="replace")[-200:] if proc.stderr else "")
            )
        return out.read_bytes()
