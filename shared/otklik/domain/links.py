"""Links to citizens' posts: which network a post is on, and one spelling per post.

The same post reaches the system by hand more than once (pasted from a monitoring e-mail, from
the browser's address bar on a phone, from a share button), each time spelled differently. The
duplicate check compares identities, so every spelling of one post must normalise to one string.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote, urlsplit

# The contract's list of networks (openapi.yaml, the monitoring system's `network` field).
NETWORKS = ("vk", "ok", "telegram", "instagram", "web", "other")

# Longer strings are not links anybody pasted; refusing them keeps every caller's work bounded.
MAX_URL_LENGTH = 4096

_NETWORK_DOMAINS: tuple[tuple[str, str], ...] = (
    ("vk.com", "vk"),
    ("vk.ru", "vk"),
    ("vkontakte.ru", "vk"),
    ("ok.ru", "ok"),
    ("odnoklassniki.ru", "ok"),
    ("t.me", "telegram"),
    ("telegram.me", "telegram"),
    ("telegram.org", "telegram"),
    ("instagram.com", "instagram"),
)

# Mirror domains of one network: a post has the same identity under either name.
_HOST_ALIASES = {
    "vk.ru": "vk.com",
    "vkontakte.ru": "vk.com",
    "telegram.me": "t.me",
    "odnoklassniki.ru": "ok.ru",
}

_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "yclid",
        "ysclid",
        "_openstat",
        "from",
        "ref",
        "ref_src",
        "si",
        "igshid",
        "igsh",
        "share",
        "mc_cid",
        "mc_eid",
        "rt",
        "erid",
    }
)

_DEFAULT_PORTS = {"http": 80, "https": 443}
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f\s]")
_HOST_CHARS = re.compile(r"[\w.\-:]+")


def network_of(url: str) -> str:
    """The network a post link belongs to, so that the answer is published where the post is.

    A valid http(s) link on no known network is "web"; anything that is not such a link raises
    `ValueError`, because a form should refuse it rather than file it under some network.
    """
    host = _host(_split(url))
    for domain, network in _NETWORK_DOMAINS:
        if host == domain or host.endswith("." + domain):
            return network
    return "web"


def normalise_post_url(url: str) -> str:
    """One spelling per post, so that a post registered twice by hand is recognised.

    Only differences that never change which post a link opens are removed: the scheme, the
    host's case, mobile and `www.` prefixes, mirror domains, a default port, a trailing slash,
    the fragment and tracking parameters. Other parameters (`reply`, `thread`, `w`, `z`) select
    a comment or a post, so they stay, in a fixed order. Percent-encoding is left as written:
    decoding it could merge links that the network itself tells apart.
    """
    parts = _split(url)
    host = _host(parts)
    while host.startswith(("www.", "m.")) and host.count(".") > 1:
        host = host.split(".", 1)[1]
    host = _HOST_ALIASES.get(host, host)
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    port = parts.port
    if port is not None and port not in (_DEFAULT_PORTS[parts.scheme.lower()], 443):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = _clean_query(parts.query)
    return f"https://{host}{path}" + (f"?{query}" if query else "")


def _split(url: str) -> SplitResult:
    if not isinstance(url, str):
        raise ValueError("a link must be a string")
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise ValueError("not a link: empty or too long")
    if _FORBIDDEN.search(url):
        raise ValueError("not a link: contains spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise ValueError("not an http(s) link")
    _ = parts.port  # raises ValueError for a port that is not a number in range
    return parts


def _host(parts: SplitResult) -> str:
    host = (parts.hostname or "").rstrip(".")
    if not host or not _HOST_CHARS.fullmatch(host) or ".." in host:
        raise ValueError("not a link: no host")
    return host.lower()


def _clean_query(query: str) -> str:
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = unquote(pair.split("=", 1)[0]).lower()
        if name in _TRACKING_PARAMS or name.startswith("utm_"):
            continue
        kept.append(pair)
    kept.sort(key=lambda pair: (pair.split("=", 1)[0], pair))
    return "&".join(kept)


def thread_key(url: str) -> str:
    """The discussion a post belongs to (clause 18: "the same thread"): its address without the
    reply or comment part, the host as `normalise_post_url` folds it (m.vk.com, vk.ru, www.)."""
    try:
        parts = urlsplit(normalise_post_url(url))
    except ValueError:  # not a link we can normalise: its raw host and path
        parts = urlsplit(url.strip())
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}"


def author_key(message) -> str:
    """One author on one network (clause 18: "the same author")."""
    return f"{message.network}:{message.author.id}"
