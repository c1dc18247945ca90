"""The compiled order book, when there is one, is built from the book.py beside it."""

from pathlib import Path

from brokerage.venues.matching import book


def test_a_compiled_book_is_not_older_than_its_source():
    loaded = Path(book.__file__)
    source = loaded.with_name("book.py")
    if loaded.suffix == ".py":
        return  # plain Python: nothing compiled to go stale
    assert loaded.stat().st_mtime >= source.stat().st_mtime, (
        "book.py changed after it was compiled: run `make install` (or "
        "`python scripts/build_native.py --clean` to run it as Python)")
