"""News agencies as data: names, sign-offs and editor codes from ``data/agencies.toml``.

Every pattern of every agency is compiled once into a few alternations, so a
line is tested against all agencies in one regex call; a match says which
agency's row it came from. Adding an agency is adding a row to the table.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from pipeline.text.tables import load_table

_SENTENCE_END = r"(?<=[.!?…\"”’»)\]])"
_ENDER = re.compile(_SENTENCE_END[4:-1])  # the character that lookbehind asks for


@dataclass(frozen=True, slots=True)
class Agency:
    """One row of the agency table."""

    name: str
    names: tuple[str, ...]
    signoff: tuple[str, ...]
    signoff_tail: tuple[str, ...]
    codes: tuple[str, ...]
    tags: tuple[str, ...] = ()
    dateline: bool = True  # False: known to credits only, not to datelines and bylines


ROWS: tuple[Agency, ...] = tuple(
    Agency(
        name=row["name"],
        names=tuple(row["names"]),
        signoff=tuple(row.get("signoff", ())),
        signoff_tail=tuple(row.get("signoff_tail", ())),
        codes=tuple(row.get("codes", ())),
        tags=tuple(row.get("tags", ())),
        dateline=row.get("dateline", True),
    )
    for row in load_table("agencies")["agency"]
)

# Agencies datelines and bylines know; ROWS also has those known to credits only.
AGENCIES: tuple[Agency, ...] = tuple(a for a in ROWS if a.dateline)

# How an agency is printed -> its canonical name ("agence france-presse" -> "AFP").
_BY_PRINTED: dict[str, str] = {
    printed.casefold(): agency.name for agency in ROWS for printed in agency.names
}
# Tags and canonical names that are also words ("SPA", "MAP", "Petra") count only as
# printed or in capitals: "(Map)" under a photo is no agency.
_BY_TAG: dict[str, str] = {
    form: agency.name
    for agency in ROWS
    for printed in (agency.name, *agency.tags)
    for form in (printed, printed.upper())
}


def _names_alternation(names: set[str]) -> str:
    """Alternation of printed names, longest first so "Agencia EFE" beats "EFE".

    Names are grouped under their first letter ("A(?:gencia\\ EFE|FP|P)|E(?:FE|PA)"),
    so a regex tries the few names that start with the character it is at, not
    all of them (the same matches: names in different groups cannot match at the
    same place, case aside, and each group keeps the names' order).
    """
    ordered = sorted(names, key=lambda n: len(re.escape(n)), reverse=True)
    group_of = _case_groups({n[0] for n in ordered})
    groups: dict[int, list[str]] = {}
    for name in ordered:
        groups.setdefault(group_of[name[0]], []).append(name)
    return "|".join(_same_first(group) for group in groups.values())


def _case_groups(chars: set[str]) -> dict[str, int]:
    """Each character -> its group: characters a case-insensitive regex may take for
    one another ("E" and "e", "I" and "İ") share a group."""
    group = {c: i for i, c in enumerate(sorted(chars))}
    for a in chars:
        for b in chars:
            if group[a] != group[b] and re.fullmatch(f"(?i:{re.escape(a)})", b):
                old, new = group[b], group[a]
                group = {c: new if g == old else g for c, g in group.items()}
    return group


def _same_first(names: list[str]) -> str:
    """``names`` in order, each run that starts with the same character written once."""
    parts: list[str] = []
    run: list[str] = []
    for name in [*names, ""]:
        if run and (not name or name[0] != run[0][0]):
            head = re.escape(run[0][0])
            parts.append(f"{head}(?:{'|'.join(re.escape(n[1:]) for n in run)})")
            run = []
        run.append(name)
    return "|".join(parts)


# Names datelines and bylines know (rows with dateline = false are left out).
NAMES = _names_alternation({n for a in AGENCIES for n in a.names})
# Every row's names: what credits know.
CREDIT_NAMES = _names_alternation({n for a in ROWS for n in a.names})


_DOMAIN = re.compile(
    r"(?:www\.)?([\w-]+)\.(?:com|net|org|info|news|gov|gob|co|com?\.[a-z]{2}|[a-z]{2})"
)


def canonical(printed: str) -> str | None:
    """The canonical agency for a printed name, or None when it is not an agency.

    Besides the listed names and tags: a pair of credits ("dpa/lno", "rtn/ots",
    "ats/afp") gives its first known part, a site address ("telam.com.ar") its name.
    """
    printed = printed.strip().strip(".,;:|").strip()
    hit = _lookup(printed)
    if hit is not None or not printed:
        return hit
    if "/" in printed:
        for part in printed.split("/"):
            hit = _lookup(part.strip())
            if hit is not None:
                return hit
    if "." in printed:
        m = _DOMAIN.fullmatch(printed.casefold())
        if m is not None:
            return _BY_PRINTED.get(m[1])
    return None


def _lookup(printed: str) -> str | None:
    hit = _BY_PRINTED.get(printed.casefold())
    return hit if hit is not None else _BY_TAG.get(printed)


def alias(printed: str) -> str:
    """The canonical name of a printed agency, else the printed name tidied: the
    name to carry for an agency the table does not list ("AA" -> "Anadolu",
    "共同" -> "Kyodo", "dpa/lno" -> "dpa", "MENA" -> "MENA")."""
    return canonical(printed) or printed.strip().strip(".,;:|()").strip()


def _tagged(kind: str, attr: str) -> dict[str, str]:
    """Group name -> agency for one pattern list; groups are ``{kind}{index}``."""
    groups: dict[str, str] = {}
    for index, agency in enumerate(ROWS):
        if getattr(agency, attr):
            groups[f"{kind}{index}"] = agency.name
    return groups


def _alternation(kind: str, attr: str) -> re.Pattern[str] | None:
    parts = [
        f"(?P<{kind}{index}>" + "|".join(f"(?:{p})" for p in getattr(agency, attr)) + ")"
        for index, agency in enumerate(ROWS)
        if getattr(agency, attr)
    ]
    return re.compile("|".join(parts)) if parts else None


_SIGNOFF = _alternation("s", "signoff")
_SIGNOFF_AGENCY = _tagged("s", "signoff")
_TAIL = re.compile(
    rf"{_SENTENCE_END}\s+(?:"
    + "|".join(
        f"(?P<t{i}>{'|'.join(f'(?:{p})' for p in a.signoff_tail)})"
        for i, a in enumerate(ROWS)
        if a.signoff_tail
    )
    + r")\s*$"
)
_TAIL_AGENCY = _tagged("t", "signoff_tail")
# Each pattern once: agencies share desk-code shapes (five rows list the same one).
_CODES = re.compile("|".join(f"(?:{p})" for p in dict.fromkeys(p for a in ROWS for p in a.codes)))


def _cased(rows: list[Agency]) -> dict[str, str]:
    """Printed name -> agency, as listed and in capitals: a bare line or a byline must
    print a name so, or the menu word "App" would be APP and "Spa" SPA."""
    cased: dict[str, str] = {}
    for agency in rows:
        for printed in agency.names:
            cased.setdefault(printed, agency.name)
            cased.setdefault(printed.upper(), agency.name)
    return cased


_CASED_BYLINE = _cased(list(AGENCIES))
_CASED = _cased(list(ROWS))
_BYLINE_NAMES = _names_alternation(set(_CASED_BYLINE))
CASED_NAMES = _names_alternation(set(_CASED))
# Names and tags, for text already read as a credit ("Source: RSS", "(SANA)").
_ALL_NAMES = _names_alternation({n for a in ROWS for n in (*a.names, *a.tags)})
TAGS = _names_alternation({n for a in ROWS for n in a.tags})

_BYLINE_LABEL = (
    r"(?:By|BY|by|Por|POR|por|Von|VON|Par|PAR|Di|Przez|From|FROM"
    r"|(?:Source|SOURCE|Fuente|FUENTE|Fonte|FONTE|Quelle|QUELLE|Kaynak|KAYNAK|Źródło)\s?:)"
)
# "By AFP", "EFE", "Por EFE", "Source: Xinhua", "Reuters staff"
_AGENCY_BYLINE = re.compile(
    rf"(?:{_BYLINE_LABEL}\s)?(?P<name>{_BYLINE_NAMES})"
    r"(?:\s(?:News Agency|NEWS AGENCY|staff|Staff|News|NEWS))?"
)
# An agency and the date it filed: "AFP, Saturday 12 Feb 2011", "EuropaPress - 05/05/2020".
_BYLINE_DATED = re.compile(
    rf"(?:{_BYLINE_LABEL}\s)?(?P<name>{_BYLINE_NAMES})(?:\s(?:News Agency|staff|News))?"
    r"(?:\s?[,|\-–—/]\s?|\s)(?P<rest>[^()]{1,60})"
)
_DATED_BYLINE_MAX_CHARS = 90
# The longest line the agency byline can match: a longer one (a paragraph) is not
# tried against every agency name.
_AGENCY_BYLINE_MAX_CHARS = int(re._parser.parse(_AGENCY_BYLINE.pattern).getwidth()[1])  # type: ignore[attr-defined]
# "By Jane Smith, Reuters" / "Jane Smith | AFP"
_BYLINE_AGENCY_SUFFIX = re.compile(rf"(?:,|\||/|-|—)\s?(?P<name>{_BYLINE_NAMES})\s*$")


def signoff_agency(line: str) -> str | None:
    """The agency whose sign-off this whole line is, or None."""
    if _SIGNOFF is None:
        return None
    m = _SIGNOFF.fullmatch(line)
    return _SIGNOFF_AGENCY[m.lastgroup] if m is not None and m.lastgroup else None


def split_tail_signoff(paragraph: str) -> tuple[str, str | None]:
    """Split a sign-off glued to the end of a paragraph: (text, agency or None).

    Any agency, listed or not ("... said. (apro)"); an end mark that names none
    (" ■", " (FIN)") is left in place here: :func:`tail_credit` splits those too.
    """
    text, hit = tail_credit(paragraph)
    if hit is None or hit.agency is None:
        return paragraph, None
    return text, hit.agency


_CODES_MAX_CHARS = 60


def is_codes(line: str) -> bool:
    """A whole line of editor or desk codes ("kk-cae/jgb/lap/mc", "PTI SKC RT")."""
    return len(line) <= _CODES_MAX_CHARS and _CODES.fullmatch(line) is not None


def _byline(line: str) -> re.Match[str] | None:
    """ "By AFP", "(Xinhua)", "• EuropaPress - 05/05/2020 10:51", "Por EFE 6 de mayo"."""
    s = line.strip().strip(_STRIP)
    if s.startswith("(") and s.endswith(")"):
        s = s[1:-1].strip()
    if s[:1] not in _BYLINE_FIRST:
        return None  # both shapes start with a label or a name: most lines start otherwise
    m = _AGENCY_BYLINE.fullmatch(s) if len(s) <= _AGENCY_BYLINE_MAX_CHARS else None
    if m is None and len(s) <= _DATED_BYLINE_MAX_CHARS:
        # "KYODO NEWS - Aug 2, 2025 | All, Japan": the part before a bar too (a line
        # without one is not tried twice)
        heads = (s, s.split(" | ", 1)[0]) if " | " in s else (s,)
        for head in heads:
            m = _BYLINE_DATED.fullmatch(head)
            if m is not None and _dated(m["rest"]):
                return m
        m = None
    return m


def byline_agency(line: str) -> str | None:
    """The agency a byline names ("By AFP", "Jane Smith, Reuters"), or None."""
    m = _byline(line) or _BYLINE_AGENCY_SUFFIX.search(line)
    return canonical(m["name"]) if m is not None else None


def is_agency_byline(line: str) -> bool:
    """A line that is only an agency credit ("By EFE", "AFP", "Source: Xinhua",
    "(Xinhua)", "Por EFE viernes 6 de mayo, 2019")."""
    return _byline(line) is not None


# ---------------------------------------------------------------------- credits
# Whole lines that credit an agency or end the story, and sign-offs glued to the
# last paragraph, in the eight languages of the wires we read. Known names and
# aliases decide first; a short tag or a bare line of capitals is an agency by its
# shape when nothing says it is something else (data/credits.toml).

CreditKind = Literal["credit", "signoff", "reporting", "end", "machine"]


@dataclass(frozen=True, slots=True)
class Credit:
    """What a credit line says: its kind, and the agency it names (canonical when
    the table lists it, else as printed; None when it names none)."""

    kind: CreditKind
    agency: str | None


_CREDITS = load_table("credits")


def _words(key: str) -> str:
    return "|".join(sorted(_CREDITS[key], key=len, reverse=True))


_NOT_AGENCIES = frozenset(w.casefold() for w in _CREDITS["not_agencies"])
_NOT_AGENCY_WORDS = frozenset(w.casefold() for w in _CREDITS["not_agency_words"])
_END_MARK = _words("end_marks")
_ROLE = _words("roles")
_ROLE_LINK = _words("role_links")
# Reuters' own credit roles, in its languages: these credit Reuters.
_REUTERS_ROLE = re.compile(
    r"(?:(?:Additional|Further)\s)?(?:Reporting|Writing|Editing|Compiled|Reportagem|Reportaje"
    r"|Reporte|Berichterstattung|In [Rr]edazione|Con la collaborazione|Rédaction|Reportage)\b"
)
_NAME_ANYWHERE = re.compile(rf"(?<!\w)(?:{_ALL_NAMES})(?!\w)", re.IGNORECASE)
_CASED_ANYWHERE = re.compile(rf"(?<!\w)(?:{CASED_NAMES})(?!\w)")

_CREDIT_MAX_CHARS = 400
_SHORT_CHARS = 48  # end marks, bare names and tags are shorter
_TAG_MAX_CHARS = 20
_SHORT_LINE_CHARS = 80
_COPYRIGHT_MAX_CHARS = 160
_ACRONYM_MAX_CHARS = 5
_LABEL_REST_MAX_WORDS = 6
_DATE_REST_MAX_WORDS = 8

_END_LINE = re.compile(rf"(?:{_END_MARK})(?:\s+[A-Za-z]{{1,5}}(?:[/-][A-Za-z]{{1,5}})+)?")
# A tag of an agency the table may not list: "ats", "apro", "MENA", "rtn/ots", "İLKHA".
_TAG = re.compile(r"[^\W\d_][^\W\d_.\-/]*(?:[.\-/][^\W\d_]+)*\.?")
_PARTY_TAG = re.compile(r"[RDIL]-[A-Z][\w.]*")  # "(R-Texas)", "(D-N.Y.)"
_CAPS_WORD = r"[A-ZÀ-ÞĀ-ŽİΑ-ΩА-Я][A-ZÀ-ÞĀ-ŽİΑ-ΩА-Я.\-]+"
_CAPS_LINE = re.compile(rf"(?:[-–—=]{{1,2}}\s?)?(?P<tag>{_CAPS_WORD}(?:\s{_CAPS_WORD})?)")
# After a role, names only: capitalised words, joined by commas, "and" and places' "in".
_NAME_WORD = r"[A-ZÀ-ÞĀ-ŽİА-Я][\w'’.\-]*"
_NAMES_LIST = (
    rf"{_NAME_WORD}(?:(?:,\s|\s|\s(?:and|y|e|und|et|ed|ve|i|in|en|em|a|aus|da|de|w|z|from|at|"
    rf"di|do|del|von|du|des|le|la|el)\s){_NAME_WORD}){{0,16}}"
)
_ROLE_PART = rf"(?:{_ROLE})\s?(?:(?:{_ROLE_LINK})\s?:?\s?|:\s?)"
_MORE_ROLE_PART = rf"(?i:{_ROLE})\s?(?:(?:{_ROLE_LINK})\s?:?\s?|:\s?)"
_ROLE_LINE = re.compile(
    rf"{_ROLE_PART}{_NAMES_LIST}(?:\s?[;,|/]\s?(?:{_MORE_ROLE_PART}|(?:and|y|e|und|et|ed|ve|i)\s)"
    rf"{_NAMES_LIST})*\.?"
)
_ROLE_OPEN = re.compile(rf"(?:{_ROLE})\b")
_LABEL = re.compile(rf"(?i:{_words('labels')})\s?:\s?(?P<rest>.+)")
_WITH = re.compile(rf"\*?(?i:{_words('with_phrases')})\s?(?P<rest>.+)")
# "Europe1 .fr avec AFP - Mis à jour le": a site line that names the agency it uses.
_INLINE_WITH = re.compile(
    r"\s(?:avec|with|con|com|mit)\s(?:l[a\x27’]\s?|la\s|el\s|a\s|die\s|der\s)?"
    rf"(?P<name>{CASED_NAMES})(?!\w)"
)
_INLINE_WITH_REST = re.compile(r"(?:\s?[-–—|,]\s?[^.!?]*)?")
_INLINE_WITH_MAX_WORDS = 5
_AGENCIES_WORD = re.compile(
    r"(?i:agencias|agências|agenzie|agenturen|agences|ajanslar|agencje|agencies|agency inputs)"
)
_AGENCY_WORD = re.compile(
    r"(?i:\b(?:agency|agencia|agência|agenzia|agentur|nachrichtenagentur|ajans\w*|agencja"
    r"|agence|press|presse|prensa|imprensa|stampa|prasowa|news|noticias|notícias|notizie"
    r"|nachrichten|haber|service|servicio|serviço)\b)"
)
_COPYRIGHT = re.compile(r"(?:©|\([cC]\)|Copyright|COPYRIGHT|Copr\.)\s?(?:©|\([cC]\))?")
_MACHINE = re.compile(
    rf"[(*]?\s?(?:{_words('machine_starts')})\b.{{0,300}}?(?i:{_words('machine_phrases')})"
)
# A known name and a date or time: "AFP, Saturday 12 Feb 2011", "• EuropaPress - 05/05/2020".
_NAME_DATED = re.compile(
    rf"(?:{_BYLINE_LABEL}\s)?(?P<name>{CASED_NAMES})(?:\s(?:News Agency|staff|News))?"
    r"(?:\s?[,|\-–—/]\s?|\s)(?P<rest>[^()]{1,60})"
)
_PAREN_NAME = re.compile(
    rf"(?P<name>{_ALL_NAMES})(?:\s(?:News Agency|News|Agency|staff))?"
    r"(?:(?:\s?[,/\-–—]\s?|\s)(?P<rest>[^()]{1,60}))?",
    re.IGNORECASE,
)
# A feed's footer: "The post Some headline first appeared on Some Agency - SA."
_FEED_POST = re.compile(
    r"The post .{1,300} (?:first )?appeared (?:first )?on (?P<site>.{2,80}?)\.?"
)
_INLINE_WITH_WORDS = (" avec ", " with ", " con ", " com ", " mit ")
_WITH_WORDS = frozenset(("Com", "COM", "Con", "CON", "Avec", "Mit", "With", "Z", "Ile"))
_NAME_FIRST_WORDS = frozenset(n.split()[0] for n in _CASED) | frozenset(
    [
        "By",
        "BY",
        "by",
        "Por",
        "POR",
        "por",
        "Von",
        "VON",
        "Par",
        "PAR",
        "Di",
        "Przez",
        "From",
        "FROM",
        "Source:",
        "SOURCE:",
        "Fuente:",
        "FUENTE:",
        "Fonte:",
        "FONTE:",
        "Quelle:",
        "QUELLE:",
        "Kaynak:",
        "KAYNAK:",
        "Źródło:",
        "Source",
        "Fuente",
        "Fonte",
        "Quelle",
        "Kaynak",
    ]
)


def _first_word(s: str) -> str:
    """The line's first word without trailing punctuation: "AFP," -> "AFP"."""
    end = s.find(" ")
    word = s if end < 0 else s[:end]
    return word.lstrip("*").rstrip(",;:|.-–—/") or word


# Words a reporting credit or a machine notice can open with (a superset: every word
# of the role patterns), so most lines skip those patterns after a set lookup.
_ROLE_WORDS = frozenset(w for f in _CREDITS["roles"] for w in re.findall(r"[^\W\d_]+", f))
_MACHINE_WORDS = frozenset(_CREDITS["machine_starts"])


def _first_chars(fragments: list[str] | set[str], *extra: str) -> frozenset[str]:
    """Every character a line matched by one of these alternatives can start with
    (a superset: the first letter of every alternative, in both cases)."""
    chars = set(extra)
    for fragment in fragments:
        for letter in re.findall(r"(?:^|\||\(\?:|\(\?i:)([^\W\d_])", fragment):
            chars.update((letter, letter.lower(), letter.upper()))
    return frozenset(chars)


_FIRST_LABEL = _first_chars(_CREDITS["labels"])
# What an agency byline (either shape) can start with: a label's or a name's first letter.
_BYLINE_FIRST = frozenset(n[0] for n in _CASED_BYLINE) | _first_chars([_BYLINE_LABEL])
_FIRST_WITH = _first_chars(
    _CREDITS["with_phrases"], "*", "C", "c", "A", "a", "M", "m", "W", "w", "Z", "z", "I", "i"
)
_FIRST_NAME = frozenset(n[0] for n in _CASED) | _first_chars(
    [
        "By|BY|by|Por|POR|por|Von|VON|Par|PAR|Di|Przez|From|FROM|Source|SOURCE|Fuente|FUENTE"
        "|Fonte|FONTE|Quelle|QUELLE|Kaynak|KAYNAK|Źródło"
    ]
)
_DASHES = "-–—="
_STRIP = " \t•·►▪*|>"


def _known(text: str) -> str | None:
    """The canonical agency a short credit text names, anywhere in it."""
    hit = canonical(text)
    if hit is not None:
        return hit
    m = _NAME_ANYWHERE.search(text)
    return canonical(m[0]) if m is not None else None


def _unknown_tag(tag: str) -> str | None:
    """A tag of an agency no row lists ("apro", "MENA", "rtn/ots"), or None."""
    tag = tag.strip()
    if not 2 <= len(tag) <= _TAG_MAX_CHARS or _TAG.fullmatch(tag) is None:
        return None
    if tag.casefold().rstrip(".") in _NOT_AGENCIES or _PARTY_TAG.fullmatch(tag):
        return None
    if not (tag[0].isupper() or tag.islower()):
        return None
    if tag[0].isupper() and not tag.isupper() and len(tag) > 12:
        return None  # a capitalised word, not a tag: "(Translated)", "(Something)"
    return tag.rstrip(".")


def _source(rest: str) -> str | None:
    """The agency a label or phrase credits: "Anatolia", "dts Nachrichtenagentur",
    "telam.com.ar", an unknown short tag or a name with an agency word."""
    rest = rest.strip().rstrip(".;:|").strip()
    if not rest or rest.count(" ") >= _LABEL_REST_MAX_WORDS:
        return None
    known = _known(rest)
    if known is not None:
        return known
    if _AGENCY_WORD.search(rest) is not None and rest[0].isupper():
        return rest
    return _unknown_tag(rest)


def _table_signoff(s: str) -> str | None:
    if _SIGNOFF is None:
        return None
    m = _SIGNOFF.fullmatch(s)
    return _SIGNOFF_AGENCY[m.lastgroup] if m is not None and m.lastgroup else None


def _reporting(inner: str) -> Credit:
    return Credit("reporting", "Reuters" if _REUTERS_ROLE.match(inner) else None)


def _parenthesised(s: str) -> Credit | None:
    inner = (s[1:-1] if s.endswith(")") else s[1:]).strip()
    if not inner:
        return None
    if _ROLE_OPEN.match(inner) is not None:
        return _reporting(inner)
    if _MACHINE.match(inner) is not None:
        return Credit("machine", _known_cased(inner))
    m = _PAREN_NAME.fullmatch(inner)
    if m is not None and (m["rest"] is None or _dated(m["rest"]) or _known(m["rest"])):
        return Credit("credit", canonical(m["name"]))
    m = _WITH.fullmatch(inner)
    if m is not None:
        return _with_credit(m["rest"])
    tag = _unknown_tag(inner)
    if tag is not None:
        return Credit("credit", tag)
    return None


def _known_cased(text: str) -> str | None:
    m = _CASED_ANYWHERE.search(text)
    return canonical(m[0]) if m is not None else None


def _dated(rest: str) -> bool:
    return any(c.isdigit() for c in rest) and rest.count(" ") < _DATE_REST_MAX_WORDS


def _with_credit(rest: str) -> Credit | None:
    agency = _source(rest)
    if agency is not None:
        return Credit("credit", agency)
    if _AGENCIES_WORD.search(rest) is not None and rest.count(" ") < _LABEL_REST_MAX_WORDS:
        return Credit("credit", None)  # "Con información de agencias"
    return None


def credit(line: str) -> Credit | None:
    """What a whole line that credits an agency or ends the story says, or None.

    Meant for lines after the lede (before it, "EFE" is a byline and "XINHUA" may be
    a masthead). Kinds: "credit" (Source: X, a bare agency line, (X), X with a date,
    Con información de X, © X), "signoff" (an agency's own sign-off from the table),
    "reporting" ("(Reporting by X; Editing by Y)" and its translations), "end"
    ("(end)", "-0-", "ENDS", "/gr") and "machine" (auto-generated or machine-translated
    copy). The agency is canonical when the table lists it, else as printed.
    """
    s = line.strip()
    if s.endswith(")."):  # "(ITALPRESS)."
        s = s[:-1]
    n = len(s)
    if n == 0 or n > _CREDIT_MAX_CHARS:
        return None
    if n <= _SHORT_LINE_CHARS:
        # Short lines (chrome, mostly) repeat from story to story of a site.
        return _short_line_credit(s)
    return _credit(s)


def _credit(s: str) -> Credit | None:
    n = len(s)
    if n <= _SHORT_CHARS and _END_LINE.fullmatch(s) is not None:
        return Credit("end", _table_signoff(s))
    s = s.strip(_STRIP)
    n = len(s)
    if n == 0:
        return None
    first = s[0]
    if n <= _COPYRIGHT_MAX_CHARS and ("©" in s or "opyright" in s or "(c)" in s or "(C)" in s):
        # "© Agencia EFE", "Riproduzione riservata © Copyright ANSA", "(c) 2024 AFP"
        m = _COPYRIGHT.search(s)
        if m is not None and (m.start() == 0 or s[m.start() - 1] == " "):
            agency = _known(s[m.end() : m.end() + 60].lstrip(" 0123456789(cC)"))
            if agency is not None:
                return Credit("credit", agency)
    if first == "(":
        hit = _parenthesised(s)
        if hit is not None:
            return hit
    word = _first_word(s).lstrip("(*")
    if word in _ROLE_WORDS and _ROLE_OPEN.match(s) and _ROLE_LINE.fullmatch(s):
        return _reporting(s)
    if word in _MACHINE_WORDS and _MACHINE.match(s) is not None:
        return Credit("machine", _known_cased(s))
    if first == "T" and (m := _FEED_POST.fullmatch(s)) is not None:
        agency = _known(m["site"])
        return Credit("credit", agency) if agency is not None else None
    agency = _table_signoff(s)
    if agency is not None:
        return Credit("signoff", agency)
    if n <= _SHORT_LINE_CHARS:
        hit = _short_credit(s)
        if hit is not None:
            return hit
    return None


_short_line_credit = functools.lru_cache(maxsize=8192)(_credit)


def _short_credit(s: str) -> Credit | None:
    """Credits of a few words: labels, phrases, bare names, names with a date, capitals.

    Each pattern is tried only when the line's first character can start it.
    """
    first = s[0]
    if first in _FIRST_LABEL and (m := _LABEL.fullmatch(s)) is not None:
        agency = _source(m["rest"])
        if agency is not None:
            return Credit("credit", agency)
        return None
    if first in _FIRST_WITH:
        m = _WITH.fullmatch(s)
        if m is not None:
            return _with_credit(m["rest"])
        m = _WITH_NAME.fullmatch(s) if _first_word(s) in _WITH_WORDS else None
        if m is not None:
            return Credit("credit", canonical(m["name"]) if m["name"] else None)
    bare = s.lstrip(_DASHES).strip().rstrip(".").strip()
    if bare in _CASED:
        return Credit("credit", _CASED[bare])
    if _first_word(bare) in _NAME_FIRST_WORDS:
        m = _AGENCY_BYLINE.fullmatch(bare) or _AGENCY_CREDIT.fullmatch(bare)
        if m is not None:
            return Credit("credit", canonical(m["name"]))
    if "/" in bare and " " not in bare and canonical(bare) is not None:
        return Credit("credit", canonical(bare))  # "ats/afp", "dpa/lno"
    if _first_word(s) in _NAME_FIRST_WORDS:
        m = _NAME_DATED.fullmatch(s)
        if m is not None and _dated(m["rest"]):
            return Credit("credit", canonical(m["name"]))
    if s[-1] not in ".!?" and any(w in s for w in _INLINE_WITH_WORDS):
        m = _INLINE_WITH.search(s)
        if (
            m is not None
            and s.count(" ", 0, m.start()) < _INLINE_WITH_MAX_WORDS
            and _INLINE_WITH_REST.fullmatch(s, m.end()) is not None
        ):
            return Credit("credit", canonical(m["name"]))
    if "@" in s and " " not in s:
        return _mail_credit(s)
    if len(s) <= _TAG_MAX_CHARS + 3:
        m = _CAPS_LINE.fullmatch(s)
        if m is not None and _caps_agency(m["tag"]):
            return Credit("credit", alias(m["tag"]))
    return None


def _mail_credit(s: str) -> Credit | None:
    """An agency's desk address after the story: "desk@aa.com.tr" is Anadolu's."""
    local, _, domain = s.partition("@")
    if not local or "." not in domain:
        return None
    agency = canonical(domain.split(".", 1)[0])
    return Credit("credit", agency) if agency is not None else None


# "Com Reuters", "*Con EFE y AFP", "Com agências": a short "with" credit.
_WITH_NAME = re.compile(
    rf"\*?(?:Com|COM|Con|CON|Avec|Mit|With|Z|Ile)\s(?:(?P<name>{CASED_NAMES})"
    rf"(?:\s(?:e|y|et|und|and|i|ve)\s(?:{CASED_NAMES}|\w+))?|{_AGENCIES_WORD.pattern})\.?"
)


# A bare credit of any row: "Sputnik", "— Bernama", "By APP".
_AGENCY_CREDIT = re.compile(
    rf"(?:{_BYLINE_LABEL}\s)?(?P<name>{CASED_NAMES})(?:\s(?:News Agency|NEWS AGENCY|staff|News))?"
)


def _caps_agency(tag: str) -> bool:
    """A bare line of capitals after the story is an unlisted agency when it reads like
    one: a short acronym ("MENA", "KPA"), or two words with an agency word ("NEPAL
    NEWS"), and no word of it is chrome ("TE RECOMENDAMOS") or a body ("UN", "NATO").
    A longer single word is more often a place alone on its line ("ANKARA")."""
    if len(tag) > _TAG_MAX_CHARS or tag.casefold() in _NOT_AGENCIES:
        return False
    words = tag.split()
    if len(words) == 1 and len(tag.replace(".", "").replace("-", "")) > _ACRONYM_MAX_CHARS:
        return False
    if len(words) > 1 and _AGENCY_WORD.search(tag) is None:
        return False
    return not any(w.casefold().strip(".-") in _NOT_AGENCY_WORDS for w in words)


# A sign-off glued after the last sentence, for any agency: " EFE", " (ats)",
# " - IANS", " — Bernama", " (Yonhap)", " /PAP/", " ■", " (FIN)", " (Reporting by ...)".
_GLUED = re.compile(
    rf"{_SENTENCE_END}\s*(?:"
    rf"(?:[-–—=]{{1,2}}\s?)?\(\s?(?P<paren>[^()]{{2,40}}?)\s?\)\.?"
    rf"|[-–—=]{{1,2}}\s?(?P<dash>[^\s()]{{2,25}}(?:\s[^\s()]{{2,25}}){{0,2}})"
    rf"|/(?P<slash>[^\s/()]{{2,20}})/\.?"
    rf"|(?<=\S)\s(?P<name>{CASED_NAMES})"
    rf"|(?P<end>{_END_MARK})"
    rf"|\((?P<role>(?:{_ROLE})\b[^()]{{2,300}})\)"
    r")\s*$"
)
_TAIL_WINDOW = 64
_ROLE_TAIL_WINDOW = 330


def tail_credit(paragraph: str) -> tuple[str, Credit | None]:
    """Split a sign-off or end mark glued after the last sentence of a paragraph:
    (text without it, what it says), or (paragraph, None)."""
    # Only the end can hold a sign-off: a reporting credit in parentheses runs long,
    # anything else is a few words.
    window = _ROLE_TAIL_WINDOW if paragraph.endswith(")") else _TAIL_WINDOW
    start = max(0, len(paragraph) - window)
    # Both patterns need a sentence's end followed by at least one character of the
    # sign-off: when the window holds no such end before its last character (most
    # paragraphs end in their only full stop there), neither can match.
    if _ENDER.search(paragraph, max(0, start - 1), len(paragraph) - 1) is None:
        return paragraph, None
    m = _TAIL.search(paragraph, start) if _TAIL is not None else None
    if m is not None and m.lastgroup:
        return paragraph[: m.start()].rstrip(), Credit("signoff", _TAIL_AGENCY[m.lastgroup])
    m = _GLUED.search(paragraph, start)
    if m is None:
        return paragraph, None
    hit = _glued_credit(m)
    if hit is None:
        return paragraph, None
    return paragraph[: m.start()].rstrip(), hit


def _glued_credit(m: re.Match[str]) -> Credit | None:
    if m["paren"] is not None:
        inner = m["paren"].strip()
        known = canonical(inner)
        if known is not None:
            return Credit("signoff", known)
        if _ROLE_OPEN.match(inner) is not None:
            return _reporting(inner)
        if _END_LINE.fullmatch(f"({inner})") is not None:
            return Credit("end", _table_signoff(f"({inner})"))
        tag = _unknown_tag(inner)
        return Credit("signoff", tag) if tag is not None else None
    if m["dash"] is not None:
        dash = m["dash"].rstrip(".")
        known = canonical(dash)
        if known is not None:
            return Credit("signoff", known)
        if _END_LINE.fullmatch(m[0].strip()) is not None:
            return Credit("end", None)
        if dash.isupper() and _unknown_tag(dash) is not None:
            return Credit("signoff", dash)
        return None
    if m["slash"] is not None:  # " /PAP/", " /TASS/": a known agency between slashes
        known = canonical(m["slash"])
        return Credit("signoff", known) if known is not None else None
    if m["name"] is not None:
        return Credit("signoff", _CASED[m["name"]])
    if m["end"] is not None:
        return Credit("end", _table_signoff(m["end"]))
    if m["role"] is not None:
        return _reporting(m["role"])
    return None
