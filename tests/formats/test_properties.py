"""Property tests: whatever bytes arrive in a format's clothing, the processor gives
outcomes (stories or dead letters with a known reason) and never raises."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import events
from pipeline.processor import DeadLettered, Enriched, RawMessage, process_all
from tests.formats.conftest import sample_files

SAMPLES = [p.read_bytes() for p in sample_files()]
PREFIXES = [
    b"<nitf>",
    b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/">',
    b'<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>',
    b'<NewsML Version="1.2"><NewsItem>',
    b"<rss><channel><item><title>",
    b'<feed xmlns="http://www.w3.org/2005/Atom"><entry>',
    b'{"uri": "u", "headlines": [',
    b"[{",
    b"\x16\x16\x01b0001\x1f",
    b"\x01dpa0001 4 s 0010 ",
]


def mutated(data: bytes, cut: int, junk: bytes) -> bytes:
    at = cut % (len(data) + 1)
    return data[:at] + junk + data[at:]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.builds(lambda p, b: p + b, st.sampled_from(PREFIXES), st.binary(max_size=300)),
        st.builds(
            mutated, st.sampled_from(SAMPLES), st.integers(0, 10_000), st.binary(max_size=20)
        ),
        st.builds(
            lambda d, n: d[: n % (len(d) + 1)], st.sampled_from(SAMPLES), st.integers(0, 10_000)
        ),
    )
)
def test_format_shaped_bytes_never_raise(value):
    outcomes = process_all(RawMessage(value=value), max_bytes=1_048_576)
    assert outcomes
    for outcome in outcomes:
        assert isinstance(outcome, Enriched | DeadLettered)
        if isinstance(outcome, DeadLettered):
            assert outcome.letter.reason in events.REASONS
            assert outcome.letter.reason != events.ENGINE_ERROR, outcome.letter.error
