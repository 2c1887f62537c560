"""SSE framing: what the browser's parser makes of our frames."""

from __future__ import annotations

import orjson
import pytest
from sse_reader import parse

from pipeline.web import sse


def test_one_event_with_name_and_json_data() -> None:
    raw = sse.frame(orjson.dumps({"a": 1}).decode(), event="stories")
    assert raw == b'event: stories\ndata: {"a":1}\n\n'
    [message] = parse(raw)
    assert (message.event, orjson.loads(message.data)) == ("stories", {"a": 1})


@pytest.mark.parametrize("data", ["a\nb", "a\r\nb", "a\rb", "a\n\nevent: evil\ndata: x", ""])
def test_line_breaks_in_data_cannot_start_another_event(data: str) -> None:
    messages = parse(sse.frame(data, event="stories") + sse.frame("after"))
    assert [m.event for m in messages] == ["stories", "message"]
    expected = data.replace("\r\n", "\n").replace("\r", "\n")
    assert messages[0].data == expected
    assert messages[1].data == "after"


def test_story_text_with_markup_stays_inside_the_json_string() -> None:
    story = {"headline": "<script>alert(1)</script>\n\ndata: x", "body": ["</script>\r"]}
    [message] = parse(sse.frame(orjson.dumps(story).decode(), event="stories"))
    assert orjson.loads(message.data) == story


@pytest.mark.parametrize("bad", ["a\nb", "a\rb", "a\0b"])
def test_event_and_id_must_be_one_line(bad: str) -> None:
    with pytest.raises(ValueError):
        sse.frame("x", event=bad)
    with pytest.raises(ValueError):
        sse.frame("x", id=bad)


def test_id_retry_and_comment() -> None:
    raw = sse.retry(2000) + sse.comment("keep\nalive") + sse.frame("x", id="7")
    messages = parse(raw)
    assert messages[0].retry == 2000
    assert (messages[1].id, messages[1].data) == ("7", "x")
    assert b": keep alive\n\n" in raw
