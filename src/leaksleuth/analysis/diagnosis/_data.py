"""numpy and pandas: a small view keeping its big base array; a DataFrame grown with
concat in a loop."""

from __future__ import annotations

from typing import Optional

from leaksleuth.analysis.diagnosis._evidence import Evidence, Found, Rule, Site, at, path_text

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


def _per_allocation(site: Site) -> float:
    return site.suspect.bytes_per_iteration / max(site.suspect.allocations_per_iteration, 1.0)


def numpy_view(ev: Evidence) -> Optional[Found]:
    arrays = [h for h in ev.holders if h.object_type == "numpy.ndarray"]
    # The base array, when the search walked to it from the view (".base").
    through = next((h for h in arrays if ".base" in path_text(h)), None)
    for holder in arrays:
        small = 0 < holder.object_bytes <= _VIEW_BYTES
        if holder.root_kind not in ("module", "class", "frame") or not small:
            continue
        site = ev.site_for(holder)
        if site is None:
            continue
        # The big array's memory: the base's own site, the view's line (sliced where it
        # was made), or another growing line no Python object holds (an array's data).
        found = ev.site_for(through) if through is not None else None
        bases = [found] if found is not None else []
        bases += [site] + [s for s in ev.sites if s is not site and not s.suspect.holders]
        base = next((b for b in bases if _per_allocation(b) > 8 * holder.object_bytes), None)
        if base is None:
            continue
        return Found(
            summary=f"a small numpy view is kept, and with it the whole array it was sliced "
            f"from (kept at {at(site)})",
            evidence=f"the kept ndarray is {holder.object_bytes} bytes itself (a view owns no "
            f"data) while {base.where} retains about {_per_allocation(base):,.0f} bytes per "
            f"allocation; held by {path_text(holder)}",
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
