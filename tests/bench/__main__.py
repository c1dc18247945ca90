"""`make bench`: print throughput and latency of each stage (timings live here, never in tests)."""

import importlib
import os

from tests.conftest import PG_URL


def main() -> None:
    rows: list[dict[str, object]] = []
    for name in ("bench_risk", "bench_matching", "bench_market_data", "bench_streams", "bench_fix"):
        try:
            module = importlib.import_module(f"tests.bench.{name}")
        except ImportError as exc:
            print(f"{name}: not available ({exc})")
            continue
        rows.extend(module.run())
    from tests.bench import bench_oms

    rows.extend(bench_oms.run(os.environ.get("BROKERAGE_TEST_POSTGRES_URL", PG_URL)))
    from tests.bench import bench_http

    rows.extend(bench_http.run())
    for row in rows:
        figures = ", ".join(f"{k}={v:,.1f}" if isinstance(v, float) else f"{k}={v}"
                            for k, v in row.items() if k != "name")
        print(f"{row['name']:<45} {figures}", flush=True)


main()
