"""The two documents that describe an account's servers: clientConfig
(``clientconfig.py``, Thunderbird's config-v1.1 XML) and Microsoft
Autodiscover POX (``autodiscover.py``). Reading and writing only: the
sources that fetch them live in ``discovery/``, the files that carry them in
``export/``. Nothing is imported here, so importing one format costs only
that format."""
