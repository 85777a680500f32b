"""Turn one file into an :class:`Article`: decoded, main text extracted, cleaned.

Each loader raises :class:`LoadError` with a sentence a person can act on; the pipeline records
it and goes on with the other files. HTML and PDF parsing runs in a worker process with a time
limit (see :mod:`ingest.pipeline`), so a hostile file cannot hang an ingest.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.clean import clean_text, find_published, outlet_from_url, parse_date, title_from_text

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES


def unsupported_reason(suffix: str) -> str:
    """Why a file of type ``suffix`` is not read, and what to use instead."""
    return f"unsupported file type {suffix!r}; use .txt, .md, .html or .pdf"


class LoadError(Exception):
    """A file that cannot be ingested; ``str()`` says why and what to do."""


@dataclass(frozen=True)
class Article:
    source: str
    title: str
    text: str
    """The cleaned text that chunks and citations index into."""
    published: str | None = None
    """ISO ``YYYY-MM-DD`` from the file's own metadata (front matter, HTML meta, PDF info, a
    date line under the title); never guessed from a copyright year."""
    pages: list[tuple[int, int, int]] = field(default_factory=list)
    url: str | None = None
    outlet: str | None = None


def kind_of(path: Path, head: bytes) -> str:
    """'text', 'html' or 'pdf', by suffix, else by the first bytes (files with no extension)."""
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        return "pdf"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in TEXT_SUFFIXES:
        return "text"
    if head.startswith(b"%PDF-"):
        return "pdf"
    sniff = head[:512].lstrip().lower()
    if sniff.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in sniff:
        return "html"
    if suffix == "":
        return "text"
    raise LoadError(unsupported_reason(suffix))


# -- text ------------------------------------------------------------------------------------
_BOMS = [
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
]
# Characters a Western news text in cp1252 plausibly holds beyond ASCII.
_CP1252_PLAUSIBLE = re.compile(
    r"[\u00a0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
    r"\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022"
    r"\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def decode_text(data: bytes) -> str:
    """Bytes to text, by BOM, then strict UTF-8, then cp1252, then charset detection.

    >>> decode_text("Café “Derna”".encode("cp1252"))
    'Café “Derna”'
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise LoadError(
                    f"starts with a {encoding} byte-order mark but is not valid {encoding}; "
                    "re-save it as UTF-8"
                ) from exc
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    if b"\x00" in data[:65536]:
        raise LoadError(
            "looks like a binary file, not text; convert it to .txt, .md, .html or .pdf"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    mixed = _decode_mixed_lines(data)
    if mixed is not None:
        return mixed
    try:
        text = data.decode("cp1252")
        non_ascii = [c for c in text if ord(c) > 127]
        if all(_CP1252_PLAUSIBLE.match(c) for c in non_ascii):
            return text
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise LoadError("cannot tell the text encoding; re-save the file as UTF-8")
    return str(best)


def _decode_mixed_lines(data: bytes) -> str | None:
    """A file pasted together from UTF-8 and cp1252 parts: each line in its own encoding.

    Only used when some lines are valid UTF-8 with non-ASCII characters, so a plain cp1252
    file is left to the whole-file decoders.
    """
    utf8_lines = 0
    out = []
    for line in data.split(b"\n"):
        try:
            text = line.decode("utf-8")
            utf8_lines += any(b > 127 for b in line)
        except UnicodeDecodeError:
            try:
                text = line.decode("cp1252")
            except UnicodeDecodeError:
                return None
            if not all(_CP1252_PLAUSIBLE.match(c) for c in text if ord(c) > 127):
                return None
        out.append(text)
    return "\n".join(out) if utf8_lines else None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text with no BOM shows a NUL in every other byte of ASCII-range text."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nuls = sample[0::2].count(0) / (len(sample) / 2)
    odd_nuls = sample[1::2].count(0) / (len(sample) / 2)
    for ratio_hi, ratio_lo, encoding in (
        (odd_nuls, even_nuls, "utf-16-le"),
        (even_nuls, odd_nuls, "utf-16-be"),
    ):
        if ratio_hi > 0.4 and ratio_lo < 0.05:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def _check_textual(text: str) -> None:
    if not text.strip():
        raise LoadError("has no text after cleaning (empty or only whitespace)")
    sample = text[:20000]
    odd = sum(1 for c in sample if (ord(c) < 32 and c not in "\n\r\t") or c == "\ufffd")
    if odd > max(8, len(sample) * 0.02):
        raise LoadError(
            "looks like a binary file, not text; convert it to .txt, .md, .html or .pdf"
        )


# Front-matter keys that hold each field, in order of preference.
_DATE_KEYS = ("date", "published", "published_at", "publish_date", "pubdate", "datetime")
_URL_KEYS = ("url", "link", "canonical", "canonical_url", "source_url", "permalink")
_OUTLET_KEYS = ("outlet", "publisher", "site_name", "sitename", "site", "source", "publication")


def load_text(path: Path, data: bytes, source: str) -> Article:
    raw = decode_text(data)
    _check_textual(raw)
    raw, front = _split_front_matter(raw)
    text = clean_text(raw)
    _check_textual(text)
    published = _first(front, _DATE_KEYS, parse_date) or find_published(text)
    url = _first(front, _URL_KEYS, _as_url)
    outlet = _first(front, _OUTLET_KEYS, lambda v: None if _as_url(v) else v or None)
    url = url or _first(front, ("source",), _as_url)
    return Article(
        source=source,
        title=front.get("title") or title_from_text(text, path.stem),
        text=text,
        published=published,
        url=url,
        outlet=outlet or outlet_from_url(url),
    )


def _first(
    fields: dict[str, str], keys: tuple[str, ...], parse: Callable[[str], str | None]
) -> str | None:
    for key in keys:
        value = parse(fields.get(key, ""))
        if value:
            return value
    return None


def _as_url(value: str) -> str | None:
    """``value`` if it is a web address: ``"https://cnn.com/x"`` -> itself, ``"CNN"`` -> None."""
    value = value.strip()
    return value if re.match(r"https?://[^\s/]+\.[^\s]+$", value) else None


_FRONT_LINE = re.compile(r"^(?:[A-Za-z_][\w -]*:.*|\s+.*|\s*#.*|\s*-.*)?$")


def _split_front_matter(raw: str) -> tuple[str, dict[str, str]]:
    """YAML-style ``---`` front matter's simple ``key: value`` lines, and the body.

    A block counts as front matter only when every line reads as YAML, so a text that merely
    opens with a ``---`` rule keeps its first paragraph.
    """
    raw = raw.replace("\r\n", "\n")
    match = re.match(r"\A\ufeff?---\n(.*?)\n---\n", raw, re.DOTALL)
    if not match or not all(_FRONT_LINE.match(line) for line in match.group(1).split("\n")):
        return raw, {}
    fields = {}
    for line in match.group(1).split("\n"):
        key, sep, value = line.partition(":")
        if sep and not key.startswith((" ", "\t", "#", "-")):
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return raw[match.end() :], fields


# -- html ------------------------------------------------------------------------------------
# Elements a browser never shows, which trafilatura would otherwise keep (it already drops
# comments, scripts, display:none, visibility:hidden and aria-hidden): text hidden there can
# carry instructions that a reader of the page cannot see.
HIDDEN_HTML = ["//*[@hidden]", "//template"]


def load_html(path: Path, data: bytes, source: str) -> Article:
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            data,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            deduplicate=False,
            prune_xpath=HIDDEN_HTML,
            # Only dates the page states (meta tags, JSON-LD, <time>, the URL): the extensive
            # search also reads a "Copyright 2024" footer as 2024-01-01.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except (RecursionError, ValueError, TypeError) as exc:
        raise LoadError(f"is not HTML that can be parsed ({type(exc).__name__})") from exc
    body = str(getattr(doc, "text", None) or "")
    if not body.strip():
        raise LoadError("no article text found in this HTML page")
    text = clean_text(body)
    _check_textual(text)
    title = str(getattr(doc, "title", None) or "").strip() or title_from_text(text, path.stem)
    url = _as_url(str(getattr(doc, "url", None) or ""))
    outlet = str(getattr(doc, "sitename", None) or "").strip() or None
    return Article(
        source=source,
        title=clean_text(title),
        text=text,
        published=parse_date(getattr(doc, "date", None)),
        url=url,
        outlet=clean_text(outlet) if outlet else outlet_from_url(url),
    )


# -- pdf -------------------------------------------------------------------------------------
def load_pdf(path: Path, data: bytes, source: str, max_pages: int = 2000) -> Article:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise LoadError("is an encrypted PDF; save an unprotected copy and ingest that")
        n_pages = len(reader.pages)
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise LoadError(f"is not a readable PDF ({type(exc).__name__}: {exc})"[:300]) from exc
    if n_pages > max_pages:
        raise LoadError(
            f"has {n_pages} pages, more than the limit of {max_pages}; split it or raise "
            "chunking.max_pdf_pages"
        )
    parts: list[str] = []
    pages: list[tuple[int, int, int]] = []
    offset = 0
    for number in range(n_pages):
        try:
            page_text = clean_text(reader.pages[number].extract_text() or "")
        except Exception as exc:  # pypdf raises many types on damaged pages
            raise LoadError(f"page {number + 1} cannot be read ({type(exc).__name__})") from exc
        if not page_text:
            continue
        if parts:
            offset += 2  # the "\n\n" between pages
        pages.append((number + 1, offset, offset + len(page_text)))
        parts.append(page_text)
        offset += len(page_text)
    text = "\n\n".join(parts)
    if not text.strip():
        raise LoadError("has no extractable text (a scanned PDF needs OCR first)")
    meta_title = None
    published = None
    try:
        meta = reader.metadata
        if meta is not None:
            meta_title = (meta.title or "").strip() or None
            if meta.creation_date is not None:
                published = meta.creation_date.date().isoformat()
    except Exception:  # damaged metadata is not worth failing a readable PDF for
        pass
    return Article(
        source=source,
        title=meta_title or title_from_text(text, path.stem),
        text=text,
        published=published,
        pages=pages,
    )


def load_file(path: Path, source: str, max_bytes: int, max_pdf_pages: int = 2000) -> Article:
    """Read and parse one file. Raises :class:`LoadError` for anything that cannot be ingested."""
    try:
        size = path.stat().st_size
        if size == 0:
            raise LoadError("is empty")
        if size > max_bytes:
            raise LoadError(
                f"is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit "
                "(chunking.max_file_mb); split it into smaller files"
            )
        data = path.read_bytes()
    except PermissionError as exc:
        raise LoadError("cannot be read (permission denied)") from exc
    except IsADirectoryError as exc:
        raise LoadError("is a directory") from exc
    except OSError as exc:
        raise LoadError(f"cannot be read ({exc.strerror or exc})") from exc
    kind = kind_of(path, data[:1024])
    if kind == "pdf":
        return load_pdf(path, data, source, max_pdf_pages)
    if kind == "html":
        return load_html(path, data, source)
    return load_text(path, data, source)
