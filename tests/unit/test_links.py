"""Post links: the network of a link, and one spelling per post for the duplicate check."""

import pytest

from otklik.config import SettingsError, own_pages
from otklik.domain.links import NETWORKS, answer_place, network_of, normalise_post_url, page_key


def test_networks_are_the_contracts_list():
    assert NETWORKS == ("vk", "ok", "telegram", "instagram", "web", "other")


@pytest.mark.parametrize(
    ("url", "network"),
    [
        # VK, its mirror domain, the mobile site and any subdomain
        ("https://vk.com/wall-170171414_48213", "vk"),
        ("https://vk.ru/wall-170171414_48213", "vk"),
        ("https://m.vk.com/wall-1_2", "vk"),
        ("https://m.vk.ru/wall-1_2", "vk"),
        ("https://new.vk.com/id1", "vk"),
        ("http://VK.COM/club1", "vk"),
        # Odnoklassniki
        ("https://ok.ru/group/54321098765432/topic/155667788990011", "ok"),
        ("https://m.ok.ru/group/1/topic/2", "ok"),
        ("https://odnoklassniki.ru/group/1/topic/2", "ok"),
        ("https://www.odnoklassniki.ru/group/1/topic/2", "ok"),
        # Telegram
        ("https://t.me/barnaul_pervomaysky/8841", "telegram"),
        ("https://telegram.me/barnaul_pervomaysky/8841", "telegram"),
        ("https://telegram.org/blog", "telegram"),
        # Instagram
        ("https://instagram.com/p/DAbc123XyZ/", "instagram"),
        ("https://www.instagram.com/p/DAbc123XyZ/", "instagram"),
        # everything else is the web, including look-alike hosts
        ("https://pos.gosuslugi.ru/lkp/messages/7731204/", "web"),
        ("https://barnaul.info/news/12", "web"),
        ("https://notvk.com/wall-1_2", "web"),
        ("https://vk.com.example.org/wall-1_2", "web"),
        ("https://okru.example/x", "web"),
        ("https://t.me.example.org/x", "web"),
        ("http://192.168.0.1/x", "web"),
    ],
)
def test_network_of(url, network):
    assert network_of(url) == network


@pytest.mark.parametrize(
    ("url", "identity"),
    [
        # the brief's example: scheme, case, www, trailing slash, tracking, order, fragment
        (
            "HTTP://WWW.VK.com/wall-1_2/?utm_source=x&reply=3&thread=2#c",
            "https://vk.com/wall-1_2?reply=3&thread=2",
        ),
        # mobile and www prefixes
        ("https://m.vk.com/wall-1_2", "https://vk.com/wall-1_2"),
        ("https://www.instagram.com/p/DAbc123XyZ/", "https://instagram.com/p/DAbc123XyZ"),
        ("https://m.ok.ru/group/1/topic/2", "https://ok.ru/group/1/topic/2"),
        ("https://www.m.vk.com/wall-1_2", "https://vk.com/wall-1_2"),
        # mirror domains fold onto one
        ("https://vk.ru/wall-1_2", "https://vk.com/wall-1_2"),
        ("https://m.vk.ru/wall-1_2", "https://vk.com/wall-1_2"),
        ("https://telegram.me/chan/5", "https://t.me/chan/5"),
        ("https://odnoklassniki.ru/group/1/topic/2", "https://ok.ru/group/1/topic/2"),
        ("https://www.odnoklassniki.ru/group/1/topic/2", "https://ok.ru/group/1/topic/2"),
        # a subdomain is not a mirror
        ("https://new.vk.com/wall-1_2", "https://new.vk.com/wall-1_2"),
        # a prefix that is the whole registrable name stays
        ("https://m.com/a", "https://m.com/a"),
        # default ports go, other ports stay
        ("https://t.me:443/c/1/2", "https://t.me/c/1/2"),
        ("http://example.com:80/a/", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        # the path: trailing slashes go, "/" becomes nothing, the case of the path stays
        ("https://vk.com/", "https://vk.com"),
        ("https://vk.com", "https://vk.com"),
        ("https://vk.com//", "https://vk.com"),
        ("https://instagram.com/p/DAbc123XyZ//", "https://instagram.com/p/DAbc123XyZ"),
        ("https://t.me/Chan/5", "https://t.me/Chan/5"),
        # the fragment goes
        ("https://vk.com/wall-1_2#comments", "https://vk.com/wall-1_2"),
        # utm_* in any case
        (
            "https://vk.com/wall-1_2?utm_source=im&utm_medium=email&utm_campaign=c&utm_content=1"
            "&utm_term=t&UTM_Source=x&Utm_Id=2",
            "https://vk.com/wall-1_2",
        ),
        # click identifiers
        ("https://vk.com/wall-1_2?fbclid=a&gclid=b&yclid=c&ysclid=d", "https://vk.com/wall-1_2"),
        ("https://vk.com/wall-1_2?FBCLID=a&YsClId=d", "https://vk.com/wall-1_2"),
        # referrers and share markers
        ("https://vk.com/wall-1_2?from=feed&ref=x&ref_src=y&rt=z", "https://vk.com/wall-1_2"),
        ("https://t.me/chan/5?share=1&si=abc", "https://t.me/chan/5"),
        ("https://www.instagram.com/p/X/?igshid=abc&igsh=MWx0", "https://instagram.com/p/X"),
        # mailing and advertising markers
        ("https://ok.ru/group/1/topic/2?mc_cid=1&mc_eid=2", "https://ok.ru/group/1/topic/2"),
        ("https://ok.ru/group/1/topic/2?_openstat=abc&erid=2Vtzq", "https://ok.ru/group/1/topic/2"),
        # parameters that select a post or a comment stay, in a fixed order
        ("https://vk.com/wall-1_2?thread=2&reply=3", "https://vk.com/wall-1_2?reply=3&thread=2"),
        (
            "https://vk.com/club1?z=photo-1_2&w=wall-1_2",
            "https://vk.com/club1?w=wall-1_2&z=photo-1_2",
        ),
        ("https://vk.com/wall-1_2?post=5&comment=7", "https://vk.com/wall-1_2?comment=7&post=5"),
        (
            "https://vk.com/wall-1_2?utm_source=x&thread=2&fbclid=f&reply=3#c",
            "https://vk.com/wall-1_2?reply=3&thread=2",
        ),
        # a tracking name inside another name is not tracking
        (
            "https://vk.com/wall-1_2?fromage=1&preference=2",
            "https://vk.com/wall-1_2?fromage=1&preference=2",
        ),
        # empty pieces of the query go; a bare name stays
        ("https://vk.com/wall-1_2?&reply=3&&flag", "https://vk.com/wall-1_2?flag&reply=3"),
        ("https://vk.com/wall-1_2?", "https://vk.com/wall-1_2"),
        ("https://vk.com/wall-1_2?utm_source=x", "https://vk.com/wall-1_2"),
        # percent-encoding is left as written
        ("https://vk.com/wall%2D1_2?q=%D0%B0", "https://vk.com/wall%2D1_2?q=%D0%B0"),
        # credentials are not part of the post
        ("https://user:pw@vk.com/wall-1_2", "https://vk.com/wall-1_2"),
        # surrounding whitespace of a paste
        ("  https://vk.com/wall-1_2\n", "https://vk.com/wall-1_2"),
        # a host written with a trailing dot
        ("https://vk.com./wall-1_2", "https://vk.com/wall-1_2"),
    ],
)
def test_normalise_post_url(url, identity):
    assert normalise_post_url(url) == identity


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://vk.com/wall-1_2?reply=3&thread=2", "http://m.vk.ru/wall-1_2/?thread=2&reply=3"),
        ("https://t.me/chan/5", "https://telegram.me/chan/5/?utm_source=share#top"),
        ("https://ok.ru/group/1/topic/2", "https://www.odnoklassniki.ru/group/1/topic/2/"),
        ("https://instagram.com/p/X", "https://www.instagram.com/p/X/?igsh=MWx0&utm_medium=copy"),
        # Instagram spells a post with its author first, too
        ("https://instagram.com/p/DAbc1", "https://www.instagram.com/zudilovo.adm/p/DAbc1/"),
        ("https://instagram.com/reel/C9x", "https://instagram.com/ivan_petrov/reel/C9x/?igsh=1"),
    ],
)
def test_one_post_spelled_twice_has_one_identity(first, second):
    assert normalise_post_url(first) == normalise_post_url(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://vk.com/wall-1_2?reply=3", "https://vk.com/wall-1_2?reply=4"),
        ("https://vk.com/wall-1_2", "https://vk.com/wall-1_3"),
        ("https://t.me/chan/5", "https://t.me/chan/6"),
    ],
)
def test_different_posts_stay_different(first, second):
    assert normalise_post_url(first) != normalise_post_url(second)


BAD_URLS = [
    pytest.param("", id="empty"),
    pytest.param("   ", id="blank"),
    pytest.param("не ссылка", id="words"),
    pytest.param("vk.com/wall-1_2", id="no-scheme"),
    pytest.param("ftp://vk.com/wall-1_2", id="ftp"),
    pytest.param("mailto:press@example.ru", id="mailto"),
    pytest.param("javascript:alert(1)", id="javascript"),
    pytest.param("https://", id="no-host"),
    pytest.param("https:///wall-1_2", id="empty-host"),
    pytest.param("https://a..b/x", id="bad-host"),
    pytest.param("https://vk .com/wall-1_2", id="space-in-host"),
    pytest.param("https://vk.com/wall 1_2", id="space-in-path"),
    pytest.param("https://vk.com/wall-1_2\x00", id="nul"),
    pytest.param("https://vk.com/\x1b[31mwall", id="escape"),
    pytest.param("https://vk.com/wall\u00851_2", id="c1-control"),
    pytest.param("https://vk.com:99999/wall-1_2", id="port-out-of-range"),
    pytest.param("https://vk.com:abc/wall-1_2", id="port-not-a-number"),
    pytest.param("https://vk.com/" + "a" * 20_000, id="20000-characters"),
    pytest.param("h" * 20_000, id="20000-garbage"),
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_normalise_refuses_what_is_not_an_http_link(url):
    with pytest.raises(ValueError):
        normalise_post_url(url)


@pytest.mark.parametrize("url", BAD_URLS)
def test_network_of_refuses_what_is_not_an_http_link(url):
    with pytest.raises(ValueError):
        network_of(url)


def test_a_non_string_is_refused():
    with pytest.raises(ValueError):
        normalise_post_url(None)  # type: ignore[arg-type]


OWN = frozenset({"vk:-170171414", "telegram:zudilovo_adm", "ok:group/5412"})


@pytest.mark.parametrize(
    ("post", "answer", "place"),
    [
        # VK: a reply under the same wall post, however the link is spelled
        ("https://vk.com/wall-5_10?reply=12", "https://vk.com/wall-5_10?reply=14", "thread"),
        ("https://vk.com/wall-5_10?reply=12", "https://m.vk.ru/wall-5_10?reply=15", "thread"),
        ("https://vk.com/wall-5_10", "https://vk.com/club5?w=wall-5_10_r16", "thread"),
        ("https://vk.com/topic-5_3?post=9", "https://vk.com/topic-5_3?post=11", "thread"),
        ("https://vk.com/wall-5_10?reply=12", "https://vk.com/wall-5_11", None),  # another post
        ("https://vk.com/wall-5_10?reply=12", "https://vk.com/wall-170171414_7", "own_page"),
        ("https://vk.com/wall-5_10?reply=12", "https://vk.com/club170171414", "own_page"),
        ("https://vk.com/wall-5_10?reply=12", "https://vk.com/wall-5_10?reply=12", "the_post"),
        ("https://vk.com/wall-5_10?reply=12", "https://m.vk.com/wall-5_10?reply=12", "the_post"),
        ("https://vk.com/wall-5_10?reply=12", "https://vk.com/durov", None),
        # OK: the same topic; Telegram: the same chat
        ("https://ok.ru/group/7/topic/8", "https://ok.ru/group/7/topic/8?commentId=2", "thread"),
        ("https://ok.ru/group/7/topic/8", "https://ok.ru/group/7/topic/9", None),
        ("https://ok.ru/group/7/topic/8", "https://ok.ru/group/5412/topic/1", "own_page"),
        ("https://ok.ru/zudilovo/topic/8", "https://ok.ru/Zudilovo/topic/8?commentId=3", "thread"),
        ("https://ok.ru/zudilovo/topic/8", "https://ok.ru/zudilovo/topic/9", None),
        ("https://ok.ru/group/7/topic/8", "https://m.ok.ru/dk?st.groupId=7&st.themeId=8", "thread"),
        ("https://t.me/zudilovo_chat/456", "https://t.me/zudilovo_chat/460", "thread"),
        ("https://t.me/zudilovo_chat/456", "https://t.me/Zudilovo_Chat/461", "thread"),
        ("https://t.me/zudilovo/45", "https://t.me/s/zudilovo/45?comment=3", "thread"),
        ("https://t.me/zudilovo_chat/456", "https://t.me/other_chat/460", None),
        ("https://t.me/zudilovo_chat/456", "https://t.me/zudilovo_adm/9", "own_page"),
        # Instagram: comments are under the post, spelled with its author or without
        (
            "https://instagram.com/p/DAbc1",
            "https://instagram.com/zudilovo.adm/p/DAbc1/",
            "the_post",
        ),
        ("https://instagram.com/ivan/p/DAbc1", "https://instagram.com/p/DAbc2", None),
        ("https://instagram.com/p/DAbc1", "https://instagram.com/adm/p/DAbc1/c/1790", "thread"),
        # a network's link is never an answer on another network, nor a site on another site
        ("https://vk.com/wall-5_10", "https://ok.ru/group/7/topic/8", None),
        # a site: a comment on the same page, often known by its fragment alone
        ("https://forum.example.ru/t/1", "https://forum.example.ru/t/1#post-5", "thread"),
        ("https://forum.example.ru/t/1", "https://forum.example.ru/t/1?page=2", "thread"),
        ("https://forum.example.ru/t/1#c4", "https://forum.example.ru/t/1#c4", "the_post"),
        ("https://forum.example.ru/t/1", "https://forum.example.ru/t/2", None),
        ("https://forum.example.ru/t/1", "https://evil.example/t/1", None),
    ],
)
def test_an_answer_is_in_the_posts_thread_on_an_own_page_or_nowhere_allowed(post, answer, place):
    assert answer_place(post, answer, OWN) == place


@pytest.mark.parametrize(
    "answer", ["vk.com/wall-5_10", "javascript:alert(1)", "https://", "https://a b/", "x" * 5000]
)
def test_an_answer_that_is_not_a_link_is_a_value_error(answer):
    with pytest.raises(ValueError):
        answer_place("https://vk.com/wall-5_10", answer, OWN)


@pytest.mark.parametrize(
    ("page", "key"),
    [
        ("https://vk.com/club170171414", "vk:-170171414"),
        ("https://vk.com/public170171414", "vk:-170171414"),
        ("https://vk.com/id55", "vk:55"),
        ("https://t.me/zudilovo_adm", "telegram:zudilovo_adm"),
        ("https://ok.ru/group/5412", "ok:group/5412"),
        ("https://vk.com/", None),
    ],
)
def test_a_page_is_known_by_its_number_or_name(page, key):
    assert page_key(page) == key


@pytest.mark.parametrize(
    "value", ["https://vk.com/zudilovo_adm", "vk.com/club1", "https://vk.com/"]
)
def test_an_own_page_that_could_never_match_stops_the_start(value):
    with pytest.raises(SettingsError, match="OWN_PAGES"):
        own_pages(value)


def test_own_pages_are_read_by_their_keys():
    assert own_pages("https://vk.com/public170171414, https://t.me/Zudilovo_Adm") == {
        "vk:-170171414",
        "telegram:zudilovo_adm",
    }
