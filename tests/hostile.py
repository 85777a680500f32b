"""A generated corpus of hostile and broken files, mixed with a few good articles."""

from __future__ import annotations

import gzip
import io
import os
import random
import zipfile
import zlib
from pathlib import Path

from testing.pdfgen import make_pdf

GOOD = {
    "good-harbour.txt": (
        "Benghazi harbour",
        "The Benghazi harbour authority reopened berth "
        "nine on Monday after repairs to the Juliana breakwater were finished.",
    ),
    "good-clinic.md": (
        "Qubbah clinic",
        "# Clinic news\n\nThe Qubbah field clinic vaccinated "
        "eleven hundred children against measles during the spring campaign.",
    ),
    "good-festival.html": (
        "Ghadames festival",
        "<html><head><title>Ghadames festival</title>"
        "</head><body><article><p>The Ghadames date festival welcomed "
        "visitors from Tunisia and Algeria for three days of music and "
        "crafts in the old town.</p></article></body></html>",
    ),
    "good-report.pdf": ("Kufra airstrip", None),
    "good-mixed-encoding.txt": ("Zliten", None),
}


def _pdf_good() -> bytes:
    return make_pdf(
        [
            "The Kufra airstrip was lengthened to take larger cargo aircraft.",
            "Officials said the work cost twelve million dinars.",
        ]
    )


def build(folder: Path, outside: Path) -> tuple[dict[str, str], set[str], dict[str, str]]:
    """Write the corpus; returns (bad name -> expected reason fragment, tolerated, good)."""
    folder.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    bad: dict[str, str] = {}

    def put(name: str, data: bytes | str, reason: str | None) -> None:
        (folder / name).write_bytes(data.encode() if isinstance(data, str) else data)
        if reason is not None:
            bad[name] = reason

    valid = make_pdf(["A page about Derna and the siege.", "Another page of text."] * 3)
    for i, cut in enumerate(
        [20, 60, 120, 200, 300, 400, 500, 600, len(valid) // 2, len(valid) - 40]
    ):
        put(f"truncated-{i}.pdf", valid[:cut], "")
    put("header-only.pdf", b"%PDF-1.7\n", "")
    put("garbage-after-header.pdf", b"%PDF-1.4\n" + os.urandom(3000), "")
    put("bad-xref.pdf", valid.replace(b"xref", b"xxxx").replace(b"startxref", b"startxxxx"), None)
    put(
        "self-referencing-pages.pdf",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [2 0 R] /Count 1 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF",
        "",
    )
    put("huge-length.pdf", valid.replace(b"/Length ", b"/Length 99999999", 1), None)
    put(
        "encrypted-looking.pdf",
        valid.replace(b"trailer\n<<", b"trailer\n<< /Encrypt 99 0 R", 1),
        None,
    )
    put("many-pages.pdf", make_pdf([f"p{i}" for i in range(2500)]), "pages")
    bomb = zlib.compress(b"\x00" * 150_000_000, 9)
    put(
        "zip-bomb-stream.pdf",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n"
        b"4 0 obj << /Length "
        + str(len(bomb)).encode()
        + b" /Filter /FlateDecode >>\nstream\n"
        + bomb
        + b"\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
        "",
    )
    put("no-text.pdf", make_pdf(["   "]), "")

    for depth in (5_000, 50_000, 200_000):
        put(f"nested-{depth}.html", "<div>" * depth + "deep" + "</div>" * depth, "")
    put(
        "nested-with-article.html",
        "<div>" * 3000 + "<p>" + "Nested words here. " * 40 + "</p>" + "</div>" * 3000,
        None,
    )
    put(
        "scripts-only.html",
        "<html><body>" + "<script>alert(1)</script>" * 500 + "</body></html>",
        "no article text",
    )
    put(
        "billion-laughs.html",
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{"&lol" + str(i - 1) + ";" if i else "&lol;"}' * 10 + '">'
            for i in range(1, 9)
        )
        + "]><html><body><p>&lol8;</p></body></html>",
        None,
    )
    put(
        "huge-attribute.html",
        '<html><body><p title="' + "x" * 3_000_000 + '">hi</p></body></html>',
        None,
    )
    put("unclosed-tags.html", "<html><body><p>" + "<b><i><u>" * 20000, None)
    put("empty.html", "", "empty")

    put("empty.txt", b"", "empty")
    put("empty.md", b"", "empty")
    put("empty.pdf", b"", "empty")
    put("whitespace.txt", "   \n\t\n   " * 100, "no text")
    put("zero-width-only.txt", "\u200b\u200c\u200d\u2060\ufeff" * 200, "no text")
    put("nul-bytes.txt", b"\x00" * 5000, "binary")
    put("random-bytes.txt", bytes(rng.randrange(256) for _ in range(8000)), "binary")
    put(
        "controls.txt",
        bytes(rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14]) for _ in range(4000)),
        "binary",
    )
    put("bad-utf16.txt", b"\xff\xfe" + b"\x00\xd8" * 100, "")
    put("bad-utf32.txt", b"\xff\xfe\x00\x00" + b"\xff\xff\xff\xff" * 10, "")
    mixed = (
        b"Zliten market reopened after the floods, traders said.\n"
        + "Café owners in Zliten welcomed the “good news”.\n".encode("cp1252")
        + "Naïve hopes, façades repaired — all in Zliten.\n".encode()
    )
    (folder / "good-mixed-encoding.txt").write_bytes(mixed)

    put("noext-random", os.urandom(6000), "")
    put("noext-elf", b"\x7fELF\x02\x01\x01" + os.urandom(2000), "")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "zipped")
    put("noext-zip", buf.getvalue(), "")
    put("archive.gz", gzip.compress(b"text " * 1000), "unsupported")
    put("document.docx", buf.getvalue(), "unsupported")
    put("photo.jpg", b"\xff\xd8\xff\xe0" + os.urandom(500), "unsupported")
    put("program.exe", b"MZ" + os.urandom(500), "unsupported")
    put("too-big.txt", b"a" * 6_000_000, "limit")

    # a multi-megabyte single line of real words: may be ingested, or stopped by the time limit
    words = ["siege", "harbour", "council", "envoy", "market", "oasis", "report", "statement"]
    put(
        "single-line.txt",
        " ".join(rng.choice(words) + str(rng.randrange(50)) for _ in range(230_000)),
        None,
    )

    secret = outside / "secret.txt"
    secret.write_text("TOP SECRET outside the folder")
    (outside / "secret-dir").mkdir(exist_ok=True)
    (outside / "secret-dir" / "x.txt").write_text("also outside")
    for name, target in [
        ("link-to-file.txt", secret),
        ("link-to-etc", Path("/etc/passwd")),
        ("link-dir", outside / "secret-dir"),
        ("dangling.txt", outside / "gone"),
    ]:
        (folder / name).symlink_to(target)
        bad[name] = "symbolic link"

    for name, (_, body) in GOOD.items():
        if body is not None:
            (folder / name).write_text(body)
    (folder / "good-report.pdf").write_bytes(_pdf_good())

    tolerated = {name for name, reason in list(bad.items()) if reason == ""}
    for name in tolerated:  # must not be ingested silently as garbage, but any reason will do
        bad[name] = ""
    maybe = {
        "bad-xref.pdf",
        "huge-length.pdf",
        "encrypted-looking.pdf",
        "nested-with-article.html",
        "billion-laughs.html",
        "huge-attribute.html",
        "unclosed-tags.html",
        "single-line.txt",
    }
    good = {name: phrase for name, (phrase, _) in GOOD.items()}
    return bad, maybe, good
