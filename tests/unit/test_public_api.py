import leaksleuth


def test_public_names_are_exactly_the_documented_ones() -> None:
    assert sorted(leaksleuth.__all__) == sorted(
        [
            "CaptureError", "Capture", "CheckOptions", "Frame", "LeaksleuthError", "LineProfile",
            "LineStat", "Report", "SignalTrend", "Suspect", "TargetError", "TargetFailure",
            "TargetNotCallable", "TargetNotFound", "UsageError", "Verdict", "Watch", "check",
            "line_profile", "profile_lines", "tick", "watch",
        ]
    )  # fmt: skip
    for name in leaksleuth.__all__:
        assert hasattr(leaksleuth, name)


def test_every_error_derives_from_the_one_root() -> None:
    for name in ("CaptureError", "TargetError", "TargetNotCallable", "TargetNotFound",
                 "UsageError"):  # fmt: skip
        assert issubclass(getattr(leaksleuth, name), leaksleuth.LeaksleuthError)
