"""``pipeline tail``'s line: a section the model guessed is marked."""

from pipeline.tail import format_line


def event(**section):
    return {
        "processed_at": "2024-01-01T21:04:05.000Z",
        "version": 1,
        "agency": "EFE",
        "section": {"label": "politics", **section},
        "dateline": {"place": "Quito"},
        "headline": "Assembly passes the budget",
    }


def test_an_uncertain_section_is_marked_and_a_sure_one_is_not():
    assert " ?politics " in format_line(event(uncertain=True))
    assert " politics " in format_line(event(uncertain=False))
    assert "?" not in format_line(event(uncertain=False))


def test_an_event_written_before_the_flag_reads_as_sure():
    assert "?" not in format_line(event())
