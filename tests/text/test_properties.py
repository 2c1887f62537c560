"""Property tests: the engine never raises on text, and never keeps a stripped line."""

import string

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.text.engine import EmptyStory, enrich
from pipeline.text.normalise import DecodeError

STRIPPED = {"navigation", "signoff", "editor_codes", "caption", "byline", "section", "headline"}

WIRE_LINES = st.sampled_from(
    [
        "Politics",
        "World",
        "Skip to content",
        "Related Articles",
        "Back to top button",
        "EFE",
        "kk-cae/jgb/lap/mc",
        "(Reporting by Jane Doe; Editing by John Roe)",
        "Enditem",
        "___",
        "Share this:",
        "Advertisement",
        "READ ALSO: Another story",
        "(Photo: AP/Jane Doe)",
        "By AFP",
        "June 15, 2021 | 03:06 am",
        "Tags: politics, elections",
        "Nur-Sultan, Jun 4 (EFE).- Kazakhstan backs Antonio Guterres for a second term.",
        "NUR-SULTAN, June 15 (Reuters) - The lower house approved a bill on Tuesday that allows "
        "residents of villages to elect their mayors directly.",
        "The former prime minister has expressed his willingness to remain in office for a second "
        "term, officials said on Friday.",
        "Kazakhstan endorses Guterres for second term as UN chief",
    ]
)
ANY_LINE = st.one_of(WIRE_LINES, st.text(min_size=0, max_size=120))


def check(raw):
    try:
        story = enrich(raw)
    except (EmptyStory, DecodeError):
        return
    stripped = {b.text for b in story.blocks if b.kind in STRIPPED}
    body_lines = {b.text for b in story.blocks if b.kind == "body"}
    for paragraph in story.body:
        assert paragraph not in stripped or paragraph in body_lines
        assert paragraph.strip() == paragraph and paragraph
    assert story.word_count == sum(len(p.split()) for p in story.body)
    assert len(story.blocks) >= len(story.body)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ANY_LINE, max_size=30), st.sampled_from(["\n", "\n\n", "\r\n"]))
def test_wire_like_text(lines, sep):
    check(sep.join(lines))


@settings(max_examples=300, deadline=None)
@given(st.text())
@example("\x00")
@example("(" * 50)
@example("A" * 5000)
def test_arbitrary_text(text):
    check(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(raw):
    check(raw)


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=string.ascii_letters + " .,-()/", min_size=1, max_size=60))
def test_many_lines(line):
    check("\n".join([line] * 2000))


_PROMO_WORDS = st.sampled_from(
    ["our", "newsletter", "sign up", "you", "here", "cookies", "-", "_", " ", ".", "x1", "é"]
)


@given(st.lists(_PROMO_WORDS | st.text(string.printable, max_size=6), max_size=20))
def test_promo_patterns_read_ascii_text_the_same_with_ascii_classes(parts):
    """The ASCII-flag copies of the promo patterns find what the originals find."""
    from pipeline.text import navigation

    text = "".join(parts).lower()
    pairs = [
        (navigation._PROMO_KEYWORD, navigation._PROMO_KEYWORD_ASCII),
        (navigation._PROMO_ADDRESS, navigation._PROMO_ADDRESS_ASCII),
    ]
    for unicode, ascii_ in pairs:
        found, fast = unicode.search(text), ascii_.search(text)
        if text.isascii():
            assert (found and found.span()) == (fast and fast.span())
