from typing import Dict, List, Tuple

from leaksleuth.analysis import AttributionConfig, SourceClassifier, find_suspects
from leaksleuth.analysis._attribution import is_consistent, site_key
from leaksleuth.capture import Burst, FrameKey, SiteTable

LIB = "/usr/lib/python3.11/site-packages/lib/mod.py"
USER = "/home/me/app/service.py"


def _burst(series: Dict[Tuple[FrameKey, ...], List[int]], step: int = 10) -> Burst:
    n = len(next(iter(series.values())))
    snaps: List[SiteTable] = []
    for j in range(n):
        snaps.append({tb: (sizes[j], max(1, sizes[j] // 100)) for tb, sizes in series.items()})
    return Burst(
        iterations=tuple(1 + j * step for j in range(n)),
        snapshots=tuple(snaps),
        nframes=10,
        gc_collected=True,
    )


def test_steady_site_is_a_suspect_with_its_rate() -> None:
    burst = _burst({((USER, 12),): [0, 1000, 2000, 3000, 4000]})
    (suspect,) = find_suspects([burst], SourceClassifier())
    assert (suspect.file, suspect.line) == (USER, 12)
    assert suspect.bytes_per_iteration == 100.0
    assert suspect.windows_growing == 4 and suspect.windows == 4
    assert suspect.share == 1.0


def test_noisy_site_that_shrinks_in_one_window_is_not_a_suspect() -> None:
    burst = _burst({((USER, 5),): [0, 25_000, 23_000, 48_000, 70_000]})
    assert find_suspects([burst], SourceClassifier()) == ()


def test_site_that_stops_growing_like_a_filling_cache_is_not_a_suspect() -> None:
    burst = _burst({((USER, 7),): [0, 5000, 9000, 9000, 9000]})
    assert find_suspects([burst], SourceClassifier()) == ()


def test_library_allocations_are_grouped_under_the_calling_user_line() -> None:
    series = {((LIB, i), (USER, 40)): [0, 100 * i, 200 * i, 300 * i, 400 * i] for i in range(1, 6)}
    series[((USER, 90),)] = [0, 500, 1000, 1500, 2000]
    suspects = find_suspects([_burst(series)], SourceClassifier())
    assert [(s.file, s.line) for s in suspects] == [(USER, 40), (USER, 90)]
    assert suspects[0].variants == 5
    assert suspects[0].traceback[0].file == LIB and not suspects[0].traceback[0].user
    assert suspects[0].traceback[1].user
    assert abs(sum(s.share for s in suspects) - 1.0) < 1e-9


def test_deep_user_frame_is_the_site_not_the_outer_caller() -> None:
    tb = ((USER, 3), (USER, 6), (USER, 9))
    assert site_key(tb, SourceClassifier()) == (USER, 3)


def test_intermittent_growth_one_step_per_window_is_consistent() -> None:
    assert is_consistent([0, 300, 600, 900, 1200], AttributionConfig()) == (True, 4)


def test_tiny_rate_below_the_floor_is_ignored() -> None:
    burst = _burst({((USER, 1),): [0, 10, 20, 30, 40]})
    assert find_suspects([burst], SourceClassifier(), AttributionConfig()) == ()


def test_fewer_than_three_snapshots_attribute_nothing() -> None:
    burst = _burst({((USER, 1),): [0, 1000]})
    assert find_suspects([burst], SourceClassifier()) == ()


def test_frozen_and_site_packages_frames_are_not_user_code() -> None:
    classifier = SourceClassifier()
    assert not classifier.is_user("<frozen importlib._bootstrap>")
    assert not classifier.is_user(LIB)
    assert classifier.is_user(USER)
