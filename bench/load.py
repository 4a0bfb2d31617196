"""`make bench-load`: the busy morning against production (the pages and streams processes
of bench/servers.py on PostgreSQL and Redis), then the capacity steps.

    make bench-load                                  # 60 s, 100 techs, then 200, 400, 800
    make bench-load ARGS="--seconds 30 --capacity-steps 0"

The shop: the demo, 2,000 open SRs spread over the bench's techs, 5 managers, 20 wall-TV
links. 300 streams are held in all (20 TVs, the rest idle board and approval streams of
managers and techs, each viewer within MSPBOARD_STREAMS_PER_VIEWER)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench import loadgen, shop
from bench.servers import Production


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--techs", type=int, default=100)
    parser.add_argument("--managers", type=int, default=5)
    parser.add_argument("--tvs", type=int, default=20)
    parser.add_argument("--streams", type=int, default=300)
    parser.add_argument("--open-srs", type=int, default=2000)
    parser.add_argument(
        "--capacity-steps",
        type=int,
        default=3,
        help="after the morning, double the techs up to this many times (0: none) until "
        "some request type's p99 passes 250 ms",
    )
    parser.add_argument("--step-seconds", type=float, default=20.0)
    options = parser.parse_args()

    most_techs = options.techs * 2**options.capacity_steps
    with tempfile.TemporaryDirectory() as folder, shop.database("postgresql", Path(folder)) as url:
        app = shop.bench_app(url, Path(folder))
        print(f"seeding: {most_techs} techs, {options.open_srs} open SRs …", flush=True)
        the_shop = shop.build(
            app,
            open_srs=options.open_srs,
            techs=most_techs,
            managers=options.managers,
            tvs=options.tvs,
        )
        with app.app_context():
            from mspboard.models import db

            db.engine.dispose()
        print("serving: the pages and streams processes", flush=True)
        with Production(url) as production:

            def plan(techs: int, seconds: float) -> loadgen.Plan:
                return loadgen.Plan(
                    pages=production.pages,
                    streams=production.streams,
                    database_url=url,
                    techs=the_shop.techs[:techs],
                    tech_srs=the_shop.tech_srs,
                    managers=the_shop.managers,
                    tv_tokens=the_shop.tv_tokens,
                    marker_sr=the_shop.marker_sr,
                    duration=seconds,
                    streams_total=options.streams,
                )

            morning = loadgen.run(plan(options.techs, options.seconds))
            print(
                loadgen.report(
                    morning,
                    f"Busy morning: {options.techs} techs, {options.managers} managers, "
                    f"{options.tvs} wall TVs, {options.streams} streams, {options.seconds:.0f} s",
                )
            )
            print(verdict(morning))
            capacity(plan, options, morning)


def verdict(results: loadgen.Results) -> str:
    worst = results.worst_p99
    errors = sum(results.errors.values())
    tv = loadgen.percentile(results.tv_change_ms, 0.95)
    marks = [
        f"p99 of every type {worst:.0f} ms (bar 250): {'pass' if worst <= 250 else 'MISS'}",
        f"errors {errors} (bar 0): {'pass' if errors == 0 else 'MISS'}",
        f"exactly once: {'pass' if not results.exactly_once else 'MISS'}",
        f"wall TV change p95 {tv:.0f} ms (bar 1000): {'pass' if tv <= 1000 else 'MISS'}",
    ]
    return "\n".join(marks)


def capacity(plan, options, morning: loadgen.Results) -> None:
    if options.capacity_steps <= 0:
        return
    print(
        "\nCapacity: techs doubled until some p99 passes 250 ms "
        f"({options.step_seconds:.0f} s steps)"
    )
    print(f"{'techs':>6} {'req/s':>8} {'worst p99 ms':>13} {'errors':>7}")
    rows = [(options.techs, morning)]
    print(row(options.techs, morning))
    techs = options.techs
    for _step in range(options.capacity_steps):
        if rows[-1][1].worst_p99 > 250:
            break
        techs *= 2
        results = loadgen.run(plan(techs, options.step_seconds))
        rows.append((techs, results))
        print(row(techs, results), flush=True)
    passing = [(t, r) for t, r in rows if r.worst_p99 <= 250]
    if passing:
        techs, best = passing[-1]
        rate = best.requests / best.elapsed
        print(f"capacity: {rate:.0f} req/s with {techs} techs at p99 <= 250 ms (aim >= 400)")
    else:
        print("capacity: p99 passed 250 ms already at the first step")


def row(techs: int, results: loadgen.Results) -> str:
    return (
        f"{techs:>6} {results.requests / results.elapsed:>8.1f} {results.worst_p99:>13.0f} "
        f"{sum(results.errors.values()):>7}"
    )


if __name__ == "__main__":
    main()
