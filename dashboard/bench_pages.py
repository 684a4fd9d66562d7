"""Server-side render time of every dashboard page, for `cspulse bench` (JSON on stdout).

Each page is rendered once to warm the cache, then five times; the median is reported in ms.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).with_name("app.py")
PAGES = ("overview", "sla", "clients", "managers", "data")


def page_ms(runs: int = 5) -> dict[str, float]:
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    app = AppTest.from_file(str(APP), default_timeout=600)
    app.run()
    timings = {}
    for page in PAGES:
        app.switch_page(f"views/{page}.py").run()  # warm the cache
        if app.exception:
            raise RuntimeError(f"page {page} raised: {app.exception[0].value}")
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            app.run()
            samples.append((time.perf_counter() - started) * 1000)
        timings[page] = round(statistics.median(samples), 1)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    os.environ["CSPULSE_DB"] = str(args.db)
    print(json.dumps(page_ms()))


if __name__ == "__main__":
    main()
