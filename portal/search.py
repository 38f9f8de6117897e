"""Chinese-aware search on Wagtail's stock database backend.

SQLite's FTS5 and PostgreSQL's parser keep a run of Chinese characters as one token, so
"养老" finds nothing inside "社区养老服务项目". Both the indexed text and every query are
therefore rewritten into overlapping two-character pieces ("社区 区养 养老 老服 …"): a
query's pieces must all be present (AND), which finds a word anywhere inside longer text.

Indexing: models add `SearchableMixin.search_bigrams` (see portal.models.pages) as a
SearchField and an AutocompleteField. Querying: this module is the configured backend; it
rewrites strings and query objects (Wagtail's admin passes objects) before the stock
backend compiles them, on every database vendor.
"""

import re
from functools import cache

from modelsearch.backends.database import SearchBackend as stock_search_backend
from modelsearch.query import And, Boost, Not, Or, Phrase, PlainText

# CJK Unified Ideographs (+ Extension A and compatibility ideographs).
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
PUNCTUATION = re.compile(r"[^\w\s]+")


def cjk_bigrams(text: str) -> str:
    """Rewrite every run of Chinese characters as its overlapping two-character pieces,
    leaving other words alone: "社区养老 elderly" -> "社区 区养 养老 elderly"."""
    if not text:
        return ""

    def split_run(match: re.Match) -> str:
        run = match.group(0)
        if len(run) == 1:
            return f" {run} "
        return " " + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + " "

    # Punctuation separates words, as both databases' tokenizers treat it, but the stock
    # PostgreSQL backend sends a query's words as lexemes without parsing them: "2000-0"
    # would be looked up whole, or as "2000" and "0" against an indexed "-0".
    return " ".join(PUNCTUATION.sub(" ", CJK_RUN.sub(split_run, text)).split())


def _plain_text(query_string: str, operator: str):
    """A PlainText query in which each Chinese run must match all of its pieces."""
    parts = []
    for word in query_string.split():
        if CJK_RUN.search(word):
            parts.append(PlainText(cjk_bigrams(word), operator="and"))
        else:
            parts.append(PlainText(word, operator=operator))
    if not parts:
        return PlainText(query_string, operator=operator)
    if len(parts) == 1:
        return parts[0]
    return And(parts) if operator == "and" else Or(parts)


def cjk_query(query, operator: str | None = None):
    """Return the query (a string or a query object) with Chinese rewritten into pieces."""
    if isinstance(query, str):
        if not CJK_RUN.search(query):
            return query
        return _plain_text(query, (operator or "or").lower())
    if isinstance(query, PlainText):
        if not CJK_RUN.search(query.query_string):
            return query
        return _plain_text(query.query_string, query.operator)
    if isinstance(query, Phrase):
        if not CJK_RUN.search(query.query_string):
            return query
        return Phrase(cjk_bigrams(query.query_string))
    if isinstance(query, And):
        return And([cjk_query(q) for q in query.subqueries])
    if isinstance(query, Or):
        return Or([cjk_query(q) for q in query.subqueries])
    if isinstance(query, Not):
        return Not(cjk_query(query.subquery))
    if isinstance(query, Boost):
        return Boost(cjk_query(query.subquery), query.boost)
    return query


class CJKBackendMixin:
    """Rewrites queries before the stock backend's search() and autocomplete() run them."""

    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        rewritten = cjk_query(query, kwargs.get("operator"))
        if rewritten is not query:
            # The operator is now inside the query objects.
            kwargs["operator"] = None
        return super()._search(query_compiler_class, rewritten, model_or_queryset, **kwargs)


@cache
def _backend_class(stock_class):
    return type(f"CJK{stock_class.__name__}", (CJKBackendMixin, stock_class), {})


def SearchBackend(params):  # noqa: N802 - the name Wagtail looks for in a backend module
    """The stock database backend for the current vendor, with Chinese-aware queries."""
    stock = stock_search_backend(params)
    backend = _backend_class(type(stock))(params)
    return backend


__all__ = ["SearchBackend", "cjk_bigrams", "cjk_query"]
