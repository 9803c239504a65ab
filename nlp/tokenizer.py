"""A private jieba tokenizer: the global one (jieba.dt) is never touched.

Cold start is dominated by loading jieba's prefix dictionary (≈350k words, ≈1 s even from the
cache). The recogniser matches its phrases as substrings, so it only needs jieba for ordinary
words: by default we load the words of frequency ≥ 10 (≈105k, ≈0.25 s), written once to the
cache dir as a derived dictionary. Rarer words cost nothing in accuracy: every rule phrase is
matched as a substring of the text, whatever the tokenizer made of it.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import jieba

from models.files import restrict_dir

logger = logging.getLogger(__name__)

CACHE_NAME = "wishpool-jieba-f{freq}.cache"

# jieba logs "Building prefix dict…" at INFO on every start; keep our logs readable.
logging.getLogger("jieba").setLevel(logging.WARNING)


def _main_dictionary(cache_dir: Path, min_freq: int) -> Path | None:
    """jieba's dict.txt without its rare words, derived once into the cache dir."""
    if min_freq <= 1:
        return None
    target = cache_dir / f"jieba-dict-f{min_freq}.txt"
    if target.exists():
        return target
    source = Path(jieba.__file__).with_name("dict.txt")
    kept = []
    with source.open(encoding="utf-8") as f:
        for line in f:
            parts = line.split(" ", 2)
            if len(parts) >= 2 and parts[1].strip().isdigit() and int(parts[1]) >= min_freq:
                kept.append(line if line.endswith("\n") else line + "\n")
    fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.writelines(kept)
    os.replace(tmp, target)  # atomic: parallel processes never read half a file
    logger.info("derived jieba dictionary %s (%d words)", target, len(kept))
    return target


def build_tokenizer(
    userdicts: Iterable[Path], words: Iterable[str], cache_dir: Path, min_freq: int = 10
) -> jieba.Tokenizer:
    """Load the main dictionary (from the cache file when present) and our user words."""
    tok = jieba.Tokenizer()
    try:
        restrict_dir(cache_dir)
        main = _main_dictionary(cache_dir, min_freq)
        if main is not None:
            tok = jieba.Tokenizer(dictionary=str(main))
        tok.tmp_dir = str(cache_dir)
        tok.cache_file = CACHE_NAME.format(freq=min_freq)
    except OSError as exc:  # read-only disk: full dictionary, jieba's cache in the temp dir
        logger.warning("jieba cache dir %s unusable (%s); using temp dir", cache_dir, exc)
    for path in userdicts:
        tok.load_userdict(str(path))
    for word in words:
        tok.add_word(word)
    return tok
