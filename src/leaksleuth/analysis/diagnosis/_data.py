"""numpy and pandas: a small view keeping its big base array; a DataFrame grown with
concat in a loop."""

from __future__ import annotations

from typing import Optional

from leaksleuth.analysis.diagnosis._evidence import Evidence, Found, Rule, at, path_text

VIEW_FIX = (
    "keep a copy of the slice, not a view: arr[i:j].copy() (or np.array(view)) lets the big "
    "array it came from be freed"
)
CONCAT_FIX = (
    "collect the pieces in a list and call pd.concat once at the end; if the frame must "
    "live on, bound it (df = df.tail(N)) or write old rows out. concat in a loop also "
    "copies the whole frame on every call"
)
_VIEW_BYTES = 512  # sys.getsizeof of an ndarray that owns no data is about 112 bytes


def numpy_view(ev: Evidence) -> Optional[Found]:
    for holder in ev.holders:
        if holder.object_type != "numpy.ndarray" or holder.root_kind not in ("module", "class"):
            continue
        site = ev.site_for(holder)
        if site is None:
            continue
        per_object = site.suspect.bytes_per_iteration / max(
            site.suspect.allocations_per_iteration, 1.0
        )
        small = 0 < holder.object_bytes <= _VIEW_BYTES
        if not (".base" in path_text(holder) or (small and per_object > 8 * holder.object_bytes)):
            continue
        return Found(
            summary=f"a small numpy view is kept, and with it the whole array it was sliced "
            f"from (made at {at(site)})",
            evidence=f"the kept ndarray is {holder.object_bytes} bytes itself (a view owns no "
            f"data) while its site retains about {per_object:,.0f} bytes per allocation; "
            f"held by {path_text(holder)}",
            fix=VIEW_FIX,
            where=site.where,
            holder=holder,
        )
    return None


def dataframe_concat(ev: Evidence) -> Optional[Found]:
    through = ev.sites_passing("pandas/core/reshape/concat.py")
    calls = [s for s in ev.sites if "concat(" in s.source]
    frame = next((h for h in ev.holders if h.object_type.endswith("DataFrame")), None)
    chosen = through or calls
    site = chosen[0] if chosen else None
    if site is None or (frame is None and not through):
        return None
    proof = f"{at(site)} allocates through pandas.concat"
    if frame is not None:
        proof += f"; the frame is held by {path_text(frame)}"
    return Found(
        summary=f"a DataFrame is grown with pd.concat on every call and kept ({at(site)})",
        evidence=proof,
        fix=CONCAT_FIX,
        where=site.where,
        holder=frame,
    )


RULES = (Rule("numpy_view", numpy_view), Rule("dataframe_concat", dataframe_concat))
