"""matplotlib: pyplot figures opened and never closed."""

from __future__ import annotations

from typing import Optional

from leaksleuth.analysis.diagnosis._evidence import Evidence, Found, Rule, at, path_text

PYPLOT_FIX = (
    "call plt.close(fig) once the figure is saved or shown (or plt.close('all') at the end "
    "of each iteration); or build it with matplotlib.figure.Figure(), which pyplot does not "
    "keep"
)


def pyplot_figures(ev: Evidence) -> Optional[Found]:
    holder = ev.holder_where("matplotlib._pylab_helpers.Gcf")
    through = ev.sites_passing("matplotlib/pyplot.py")
    figures = ev.growing_type("Figure")
    if holder is None and not (through and figures):
        return None
    # The line whose objects pyplot's registry holds made the figure: the line to close it
    # after. Else the largest line through pyplot.
    made = next((s for s in ev.sites if holder is not None and holder in s.suspect.holders), None)
    site = made or (through[0] if through else ev.site_for(holder))
    proof = []
    if holder is not None:
        proof.append(f"the leaked objects are held by pyplot's figure manager: {path_text(holder)}")
    if through:
        proof.append(f"{at(site)} allocates through matplotlib.pyplot")
    if figures:
        proof.append(f"{figures} objects grow by {ev.types[figures]:.3g} per iteration")
    return Found(
        summary=f"{at(site)} opens a pyplot figure per call and never closes it: pyplot keeps "
        "every open figure (Gcf.figs) until plt.close",
        evidence="; ".join(proof),
        fix=PYPLOT_FIX,
        where=site.where if site else "",
        holder=holder,
    )


RULES = (Rule("pyplot_figure", pyplot_figures),)
