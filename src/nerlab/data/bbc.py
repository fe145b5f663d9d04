"""BBC News raw articles (Greene & Cunningham 2006): a zip of ``bbc/<category>/<NNN>.txt``.

The first line of an article is its title, the rest its text. Files are UTF-8
except a few stray Latin-1 bytes (``sport/199.txt`` holds 0xA3, a pound sign):
such a file is decoded as Latin-1, and the repair is counted and located.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

from nerlab.config.errors import DataError
from nerlab.data.repairs import RepairLog

_ARTICLE = re.compile(r"(?:^|/)bbc/([^/]+)/(\d+)\.txt$")


def read_bbc_zip(path: str | Path, repairs: RepairLog) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise DataError(path, None, "file not found")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise DataError(path, None, "not a zip archive") from None
    articles, seen_text = [], {}
    with archive:
        for name in sorted(archive.namelist()):
            match = _ARTICLE.search(name)
            if not match:
                continue
            category, number = match.groups()
            raw = archive.read(name)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                text = raw.decode("latin-1")
                repairs.add("latin1_decoded", f"{path}!{name}", f"byte 0x{raw[err.start]:02X} at offset {err.start}")
            lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
            title = next((line for line in lines if line), "")
            body = "\n".join(lines[lines.index(title) + 1:]).strip() if title else ""
            if not title or not body:
                raise DataError(f"{path}!{name}", 1, "article has no title line or no text")
            article_id = f"{category}-{number}"
            digest = hashlib.sha1(raw).hexdigest()
            duplicate_of = seen_text.setdefault(digest, article_id)
            if duplicate_of != article_id:
                repairs.add("duplicate_text_kept", f"{path}!{name}", f"same text as {duplicate_of}")
            articles.append({"id": article_id, "category": category, "title": title, "text": body,
                             "duplicate_of": None if duplicate_of == article_id else duplicate_of})
    if not articles:
        raise DataError(path, None, "no bbc/<category>/<NNN>.txt articles in the archive")
    return articles
