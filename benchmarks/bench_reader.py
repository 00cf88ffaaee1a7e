"""Time the annotated reader (a script, not a test: numbers vary by machine).

Run: .venv/bin/python benchmarks/bench_reader.py

Prints the median time to render the whole annotated article, one kind-filter update of the reader widget
(target < 30 ms), one search update, and the size of the rendered HTML.
"""

from __future__ import annotations

from timing import median_time

from casekit import source

TARGET_UPDATE_S = 0.030


def main() -> None:
    box = source.reader()
    toggle = box.toggles["translation_error"]

    def flip():
        toggle.value = not toggle.value

    def search():
        box.search.value = "Qin" if box.search.value != "Qin" else "Aspen"

    full = median_time(source.render_html)
    update = median_time(flip)
    searching = median_time(search)
    size = len(source.render_html().encode("utf-8"))
    verdict = "meets" if update < TARGET_UPDATE_S else "MISSES"
    print(f"render_html(), whole article:        {full * 1000:7.1f} ms")
    print(f"reader: one kind toggled (update):   {update * 1000:7.1f} ms  ({verdict} the {TARGET_UPDATE_S * 1000:.0f} ms target)")
    print(f"reader: one search update:           {searching * 1000:7.1f} ms")
    print(f"rendered HTML:                       {size / 1024:7.1f} KB")


if __name__ == "__main__":
    main()
