"""PDFs written at test time with fpdf2: a report with text and metadata,
one encrypted with a password, one with only an image (a scan)."""

from __future__ import annotations

import datetime
from pathlib import Path

REPORT_TITLE = "Damage assessment of the Roman gate of Tell Zahra"
REPORT_AUTHOR = "Heritage Watch field team"
REPORT_DATE = datetime.datetime(2017, 2, 3, 9, 30, tzinfo=datetime.UTC)
REPORT_PARAGRAPHS = [
    "Summary. The Roman gate of Tell Zahra was destroyed with explosives on 19 January "
    "2017. Only the foundations and the lowest course of the eastern pier remain.",
    "Method. This assessment compares satellite images of 12 January and 25 January 2017 "
    "with photographs taken by local contacts on 22 January 2017.",
    "Findings. The central arch and both side passages collapsed. Debris covers the "
    "colonnaded street for about thirty metres to the west of the gate.",
    "Recommendation. The debris should be documented and protected where it lies until a "
    "team of specialists can reach the site.",
]


def _document():
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    return pdf


def report_pdf(path: Path, metadata: bool = True) -> Path:
    pdf = _document()
    if metadata:
        pdf.set_title(REPORT_TITLE)
        pdf.set_author(REPORT_AUTHOR)
        pdf.set_creation_date(REPORT_DATE)
        pdf.set_lang("en-GB")
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.multi_cell(0, 8, REPORT_TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", size=11)
    for paragraph in REPORT_PARAGRAPHS:
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    pdf.output(str(path))
    return path


def encrypted_pdf(path: Path) -> Path:
    from fpdf.enums import EncryptionMethod

    pdf = _document()
    pdf.set_encryption(
        owner_password="owner-secret",
        user_password="reader-secret",
        encryption_method=EncryptionMethod.RC4,
    )
    for paragraph in REPORT_PARAGRAPHS:
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def image_only_pdf(path: Path) -> Path:
    from PIL import Image, ImageDraw

    scan = Image.new("RGB", (600, 800), "white")
    draw = ImageDraw.Draw(scan)
    for row in range(40, 760, 24):  # lines of "text", as a scanner sees them
        draw.rectangle([40, row, 560, row + 10], fill=(60, 60, 60))
    pdf = _document()
    pdf.image(scan, x=10, y=10, w=190)
    pdf.output(str(path))
    return path
