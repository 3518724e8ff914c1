"""bench/run's vote rows: rounds combined into medians, each ratio a round's project over its own floors."""

from bench.run import combine_rounds


def a_round(floor, sql_floor, project, *, cpu=None, wrong=0, recorded=None, statuses=None):
    return {
        "floor": {"votes_per_s": floor, "p95": 10.0},
        "sql_floor": {"votes_per_s": sql_floor, "p95": 20.0, "statements": 7},
        "project": {
            "votes_per_s": project,
            "p95": 100.0,
            "statuses": statuses or {"200": recorded or 100},
            **({"cpu_ms_per_vote": cpu} if cpu else {}),
        },
        "counts_wrong": wrong,
        "votes_recorded": recorded if recorded is not None else 100,
    }


def test_each_ratio_is_the_median_of_the_rounds_own_ratios():
    # The machine slows down in round 2: floor and project alike. Setting the median project beside the median
    # floor would mix rounds (600 / 150 = 4.0); each round's own ratio is 3.0, 3.0 and 4.0.
    row = combine_rounds([a_round(1200, 600, 200), a_round(600, 300, 100), a_round(900, 600, 150)])
    assert row["rounds_ratio_sql"] == [3.0, 3.0, 4.0]
    assert row["ratio_sql"] == 3.0
    assert row["ratio"] == 6.0  # 1200/200, 600/100, 900/150
    assert row["project_votes_per_s"] == 150 and row["sql_floor_votes_per_s"] == 600
    assert row["rounds"] == 3 and row["sql_floor_statements"] == 7


def test_counts_and_statuses_add_up_over_the_rounds_and_cpu_is_a_median():
    row = combine_rounds(
        [
            a_round(1000, 500, 200, cpu={"server": 5.0, "postgres": 2.0, "clients": 0.3}, recorded=90),
            a_round(
                1000,
                500,
                100,
                cpu={"server": 7.0, "postgres": 3.0, "clients": 0.5},
                wrong=1,
                recorded=80,
                statuses={"200": 80, "0": 1},
            ),
        ]
    )
    assert row["statuses"] == {"0": 1, "200": 170}
    assert row["votes_recorded"] == 170
    assert row["counts_wrong"] == 1  # a single wrong count in any round shows
    assert row["cpu_ms_per_vote"] == {"server": 6.0, "postgres": 2.5, "clients": 0.4}


def test_a_round_without_votes_has_no_ratio_and_does_not_divide_by_zero():
    row = combine_rounds([a_round(1000, 500, 0, recorded=0, statuses={"0": 3})])
    assert row["ratio"] is None and row["ratio_sql"] is None and row["rounds_ratio_sql"] == [None]
    assert row["cpu_ms_per_vote"] is None
