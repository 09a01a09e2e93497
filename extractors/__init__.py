"""Network edge of the pipeline: the polite HTTP client (http.py), canonical URLs (urls.py),
feed polling (feeds.py) and article extraction (articles.py). The only package that does HTTP."""
