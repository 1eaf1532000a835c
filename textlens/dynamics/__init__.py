"""How subjects move between periods: weak/strong signals, topic lineage, press vs customers.

    from textlens.dynamics.signals import signals, anticipation     # noise / weak / strong per period
    from textlens.dynamics.lineage import topic_lineage             # births, deaths, splits, merges
    from textlens.dynamics.divergence import divergence             # press vs customers per subject

Every function reads the store (no analysis is rerun) and returns DataFrames or dataclasses; the CLI
(`textlens signals`, `textlens topics --lineage`, `textlens divergence`) and the report only render them.
"""
