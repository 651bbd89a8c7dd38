"""Links to citizens' posts: which network a post is on, and one spelling per post.

The same post reaches the system by hand more than once (pasted from a monitoring e-mail, from
the browser's address bar on a phone, from a share button), each time spelled differently. The
duplicate check compares identities, so every spelling of one post must normalise to one string.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

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


# Instagram also spells a post with its author first, `/<user>/p/<code>` (and `/<user>/reel/…`):
# the same post as `/p/<code>`, which is the one spelling kept.
_INSTAGRAM_AUTHORED = re.compile(r"^/[A-Za-z0-9._]{1,30}/(p|reel)/([A-Za-z0-9_-]+(?:/.*)?)$")


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
    if host == "instagram.com":
        path = _INSTAGRAM_AUTHORED.sub(r"/\1/\2", path)  # a comment's `/c/<id>` kept
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


# -- where an answer was published (clause 15) --------------------------------------------------

# A VK object with comments: a wall post, a board topic, a photo, a video, a clip.
_VK_OBJECT = re.compile(r"(wall|topic|photo|video|clip)(-?\d+)_(\d+)")
_VK_NUMBERED_PAGE = re.compile(r"(club|public|event|id)(\d+)")


def _vk(path: str, query: str) -> tuple[str | None, str | None]:
    """(discussion, page) of a VK link: `wall-1_2`, also inside `?w=`/`?z=`; `club1`, `id5`."""
    params = dict(parse_qsl(query))
    for place in (unquote(path.strip("/")), params.get("w", ""), params.get("z", "")):
        found = _VK_OBJECT.match(place.split("/")[0])
        if found:
            kind, owner, item = found.groups()
            return f"{kind}{owner}_{item}", owner
    first = path.strip("/").split("/")[0].lower()  # a short name is case-blind
    numbered = _VK_NUMBERED_PAGE.fullmatch(first)
    if numbered:
        kind, number = numbered.groups()
        return None, number if kind == "id" else f"-{number}"
    return None, first or None


def _ok(segments: list[str], query: str) -> tuple[str | None, str | None]:
    """(discussion, page) of an OK link: `/group/1/topic/2`, `/profile/5/statuses/6`, a group
    by its short name (`/zudilovo/topic/2`), the mobile site's `/dk?st.groupId=1&st.themeId=2`."""
    params = dict(parse_qsl(query))
    if params.get("st.groupId"):
        page = f"group/{params['st.groupId']}"
        theme = params.get("st.themeId") or params.get("st.topicId")
        return (f"{page}/topic/{theme}" if theme else None), page
    if len(segments) >= 2 and segments[0] in ("group", "profile"):
        page = "/".join(segments[:2])
        return ("/".join(segments[:4]) if len(segments) >= 4 else None), page
    if len(segments) >= 3 and segments[1] in ("topic", "statuses"):
        name = segments[0].lower()
        return f"{name}/{segments[1]}/{segments[2]}", name
    return None, (segments[0].lower() if segments else None)


def _telegram(segments: list[str]) -> tuple[str | None, str | None]:
    """(discussion, page) of a Telegram link: a chat or channel is one discussion, a reply or a
    comment in it a message of that chat (`t.me/chat/457`, `t.me/channel/12?comment=5`)."""
    if segments[:1] == ["s"]:  # t.me/s/<channel>: the web preview of the same channel
        segments = segments[1:]
    if segments[:1] == ["c"] and len(segments) >= 2:  # a private chat by its number
        chat = f"c/{segments[1]}"
    else:
        chat = segments[0].lower() if segments else None  # usernames are case-blind
    return chat, chat


def _places(url: str) -> tuple[str, str | None, str | None]:
    """(network, discussion, page) of a link; ValueError if it is not a link."""
    network = network_of(url)
    parts = urlsplit(normalise_post_url(url))
    segments = [s for s in parts.path.split("/") if s]
    if network == "vk":
        thread, page = _vk(parts.path, parts.query)
    elif network == "ok":
        thread, page = _ok(segments, parts.query)
    elif network == "telegram":
        thread, page = _telegram(segments)
    elif network == "instagram":
        is_post = segments[:1] in (["p"], ["reel"]) and len(segments) >= 2
        thread = "/".join(segments[:2]) if is_post else None
        page = None if is_post else (segments[0] if segments else None)
    else:  # a site's article or forum topic: its comments are on the same page
        thread, page = f"{parts.netloc}{parts.path}", parts.netloc
    key = network if network != "web" else f"web:{parts.netloc}"
    return (
        key,
        f"{key}:{thread}" if thread else None,
        f"{key}:{page}" if page else None,
    )


def page_key(url: str) -> str | None:
    """The account or page a link is on (`vk:-170171414`, `telegram:zudilovo_adm`), for the
    administration's own pages; None for a link that names none."""
    return _places(url)[2]


def answer_place(post_url: str, answer_url: str, own_pages: frozenset[str]) -> str | None:
    """Clause 15: where a published answer is, as the technical executor recorded it.

    "thread" — in the same discussion as the post (a reply or comment under the same wall post,
    topic, chat or page); "own_page" — on one of the administration's own pages (`own_pages`,
    as `page_key` gives them), allowed where answering in the thread is technically impossible;
    "the_post" — the citizen's post itself (its link copied instead of the answer's); None —
    anywhere else. ValueError if `answer_url` is not a link."""
    network, thread, page = _places(answer_url)
    if normalise_post_url(answer_url) == normalise_post_url(post_url) and (
        urlsplit(answer_url.strip()).fragment == urlsplit(post_url.strip()).fragment
    ):  # a site's comment may differ from its article by the fragment alone (#comment-5)
        return "the_post"
    try:
        post_network, post_thread, _ = _places(post_url)
    except ValueError:  # a post link we cannot read: only the own pages can be told
        post_network = post_thread = None
    if thread is not None and network == post_network and thread == post_thread:
        return "thread"
    if page is not None and page in own_pages:
        return "own_page"
    return None
