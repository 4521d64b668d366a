"""Profiles of one run rather than verdicts over many: what each line of a function
allocates and keeps (``leaksleuth lines``), and what each import costs (``leaksleuth
imports``)."""
