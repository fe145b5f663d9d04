"""DVC stage `fetch_bbc`: the BBC News archive -> data/prepared/bbc_news/articles.jsonl (annotate_bbc, topics)."""
from nerlab.paths import BBC
from nerlab.pipeline import fetch
from nerlab.stage import main

main(lambda params: fetch.run(params, dataset=BBC), __doc__)
