"""Reading schools' Google spreadsheets: kcbx's one spreadsheets.get per school against the usual
gspread way (open the spreadsheet, then ``get_all_values`` sheet by sheet), same run.

Both use the real gspread client against the local fake of the Sheets API (tests/), with a
simulated round trip per request, since request count and latency are what a pull over
the internet costs. Run: ``python benchmarks/google_pull.py [--schools 40] [--latency-ms 80]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fake_google import FakeGoogle, write_credentials  # noqa: E402
from kcbx.sources.google import GoogleUnit, google_transport, open_client, read_unit  # noqa: E402
from kcbx.sources.google_retry import Pacing  # noqa: E402
from workbooks import kid, roster_row, sheet  # noqa: E402

TABLES = ("cover", "roster", "dropouts", "absences", "changes", "care")


class SlowFake(FakeGoogle):
    """The fake with a fixed round trip added to every request."""

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency = latency

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        time.sleep(self.latency)
        return super().send(request, *args, **kwargs)


def school(n: int, rows: int) -> dict[str, list[list[Any]]]:
    from workbooks import cover

    out = dict([sheet("cover", [cover(f"S{n:03d}")])])
    for name in TABLES[1:]:
        records = [roster_row(id_number=kid(i % 400), name=f"王某{i}") for i in range(rows)] \
            if name == "roster" else []
        title, data = sheet(name, records)
        out[title] = data
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--rows", type=int, default=300, help="roster rows per school")
    parser.add_argument("--latency-ms", type=float, default=80.0, help="simulated round trip")
    args = parser.parse_args()
    fake = SlowFake(args.latency_ms / 1000)
    for n in range(args.schools):
        fake.add_spreadsheet(f"key-{n}", school(n, args.rows))
    creds = write_credentials(Path(tempfile.mkdtemp()) / "c.json")
    results: dict[str, tuple[float, int, int]] = {}
    with google_transport(fake):
        client = open_client(None, creds)
        client.http.request("get", "https://sheets.googleapis.com/v4/spreadsheets/key-0")  # token first

        fake.log.clear()
        start = time.perf_counter()
        cells = 0
        for n in range(args.schools):
            book = client.gc.open_by_key(f"key-{n}")
            for ws in book.worksheets():
                cells += sum(1 for r in ws.get_all_values() for v in r if v != "")
        results["gspread: open_by_key + get_all_values per sheet"] = (
            time.perf_counter() - start, len(fake.log), cells)

        fake.log.clear()
        start = time.perf_counter()
        cells = 0
        for n in range(args.schools):
            raw_book, _ = read_unit(client, GoogleUnit(f"S{n:03d}", f"key-{n}"), Pacing())
            cells += sum(1 for s in raw_book.sheets for r in s.rows for v in r if v not in ("", None))
        results["kcbx: one spreadsheets.get (every sheet) per school"] = (
            time.perf_counter() - start, len(fake.log), cells)

    baseline = results["gspread: open_by_key + get_all_values per sheet"]
    print(f"{args.schools} schools × {len(TABLES)} sheets, {args.rows} roster rows each, "
          f"simulated round trip {args.latency_ms:.0f} ms")
    for label, (seconds, requests, cells) in results.items():
        print(f"  {label}: {seconds:.2f} s, {requests} requests, {cells} non-empty cells read; time ratio "
              f"vs gspread {seconds / baseline[0]:.2f}, requests ratio {requests / baseline[1]:.2f}")
    print(json.dumps({k: {"seconds": round(v[0], 3), "requests": v[1]} for k, v in results.items()},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
