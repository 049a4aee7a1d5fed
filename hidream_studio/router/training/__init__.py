"""Training and evaluation of the router's intent model (not imported when routing).

    sources.py   the public sources of the data card (assets/router/DATA.md): where, which commit, how labelled
    project.py   the project's own phrasings (assets/router/project/*.jsonl) and their split
    fit.py       softmax regression over hashed features, in numpy
    evaluate.py  per-source accuracy of a model, routed the way the studio routes
"""
