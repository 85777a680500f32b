"""The harness that the tests and the benchmarks share.

Neither imports the other's files: both import from here.

    paths.py            the repository's sample articles, dev set and test-artifacts folder
    servers.py          free a port, wait for one, stop a process; run app.py, `chroma run`
                        and a llama.cpp server as a user would
    stats.py            percentiles and latency summaries
    corpus.py           a deterministic synthetic news corpus (benchmarks, load, smoke tests)
    ingest_helpers.py   small generated articles and an exact snapshot of an index
    pdfgen.py           a dependency-free PDF writer
    injection_corpus.py planted documents with injected instructions, and their judging
    load.py             the web app under load: the corpus, the requests and the phases
"""
