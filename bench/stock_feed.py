#!/usr/bin/env python3
"""Writes a stock snapshot feed for the demo chain, for `omni stock import` benchmarks.

    python3 bench/stock_feed.py DATA_DIR/omni.db 1000000 > feed-1m.csv

Rows are `sku,location,quantity` over the demo SKUs (SKU-000001 … SKU-050000) and the
tenant's location codes read from the SQLite database, drawn with a fixed seed; three
planted bad rows (unknown location, negative quantity, malformed SKU) must come back in
the import's report of rejected rows.
"""
import random
import sqlite3
import sys


def main() -> None:
    db, rows = sys.argv[1], int(sys.argv[2])
    codes = [r[0] for r in sqlite3.connect(db).execute("SELECT code FROM locations ORDER BY code")]
    if not codes:
        sys.exit("no locations: load the demo first (omni demo --scale chain)")
    rng = random.Random(42)
    out = sys.stdout
    out.write("sku,location,quantity\n")
    bad = {rows // 4: "SKU-000001,NO-SUCH-PLACE,5\n",
           rows // 2: "SKU-000002,%s,-3\n" % codes[0],
           3 * rows // 4: "not a sku,%s,1\n" % codes[0]}
    for i in range(rows - len(bad)):
        if i in bad:
            out.write(bad[i])
        out.write("SKU-%06d,%s,%d\n" % (rng.randint(1, 50_000), rng.choice(codes), rng.randint(0, 40)))


if __name__ == "__main__":
    main()
