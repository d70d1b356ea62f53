"""The section parser: a SourceDoc -> ParsedReview (section tree, blocks, metadata).

Stages, one module each, in order:

    normalise.clean_lines   debris out, bullets canonical, document profile
    footnotes.extract_notes note bodies out of the text, markers -> Line.notes
    frontmatter             contents page and title page out
    tables.find_tab_tables  tab-led cell tables -> rows
    paragraphs.build_units  lines -> paragraph units (hard wraps rejoined)
    sections._Builder       units -> section tree with blocks (this module)
    dedupe                  repeated passages marked ``duplicate_of``

Heading recognition follows CORPUS-NOTES §7.6: appendices open a new numbering scope;
labelled units (Learning Point N, Recommendation N, FINDING N, Lesson N) are their own
sections; numbered headings are told from numbered paragraphs by look-ahead (is the next
item a child number?), length and shape; unnumbered headings need body text after them.
Nothing here is specific to one file: the rules are about the genre.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest.acronyms import mine_acronyms
from ingest.dedupe import mark_duplicates
from ingest.footnotes import Notes, extract_notes
from ingest.frontmatter import FRONT_TITLES, mark_title_page, strip_contents
from ingest.metadata import extract_meta
from ingest.normalise import Profile, clean_lines, profile
from ingest.paragraphs import Unit, build_units, template_key
from ingest.tables import find_tab_tables
from rag.types import Block, Kind, ParsedReview, Section, SourceDoc

_NUM = r"\d{1,2}(?:\.\d{1,2}){0,4}"
_BARE_NUM_RE = re.compile(rf"^({_NUM})\.?$")
_INLINE_NUM_RE = re.compile(rf"^({_NUM})\.?\s+(\S.*)$")
_DATE_START_RE = re.compile(r"^\d{1,2}[./]\d{1,2}[./](?:19|20)\d\d\b")
_APPENDIX_RE = re.compile(
    r"^(Appendi(?:x|ces)|Annex|Annexe)\s+(\d{1,2}|[IVXivx]{1,4}|[A-Z])\b\s*[:.\-–—]?\s*(.*)$"
)
_LABEL_RE = re.compile(
    r"^(?P<word>Learning\s+[Pp]oints?|Key\s+[Ll]earning(?:\s+[Pp]oint)?|Recommendation|"
    r"RECOMMENDATION|FINDING|Finding|Lesson|LESSON|LEARNING\s+POINT)\s+(?P<n>\d{1,2})\b"
    r"\s*(?P<sep>[:.\-–—])?\s*(?P<rest>.*)$"
)
_LABEL_KIND: dict[str, tuple[str, Kind]] = {
    "learning": ("Learning Point", "learning_point"),
    "key": ("Key Learning Point", "learning_point"),
    "recommendation": ("Recommendation", "recommendation"),
    "finding": ("Finding", "finding"),
    "lesson": ("Lesson", "lesson"),
}
_GLOSSARY_RE = re.compile(r"\b(glossary|acronyms|abbreviations|terminology)\b", re.I)
_FAMILY_RE = re.compile(r"\bviews? of (?:the )?family|\bfamily(?: members?)?[’']?s? views?\b", re.I)
_RECS_RE = re.compile(r"^(?:[\d.]+\s+)?(?:[\w&]+\s+){0,3}recommendations?\b", re.I)
_LESSONS_RE = re.compile(r"\blessons?\s+(?:learn|identified)", re.I)
# Unnumbered headings that sit at the top of the tree whatever came before (genre titles).
_TOP_TITLES_RE = re.compile(
    r"^(?:foreword|preface|acknowledge?ments?|executive summary|contents|introduction|"
    r"(?:(?:learning|lessons?)(?: points?)? and )?recommendations?|conclusions?|"
    r"references|bibliography|glossary|action plan|terms of reference)\.?$",
    re.I,
)
_DATE_RANGE_RE = re.compile(r"^\(.*\b(?:19|20)\d\d\b.*\)\.?$|^\(.*onwards\)\.?$")
_TERMINAL = (".", "?", "!", ":", ";", ",")
_LETTER_ITEM_RE = re.compile(r"^\(?[a-h][.)]$")
_LETTER_INLINE_RE = re.compile(r"^\(?[a-h]\)\s|^[a-h]\.\s|^\([ivx]{1,4}\)\s")


@dataclass
class _Node:
    title: str
    type: str  # root | appendix | num | unnum | label | template | synthetic
    num: str | None = None
    kind: Kind | None = None
    label: str | None = None
    parent: _Node | None = None
    top: int = 0  # last top-level number seen in this scope (root/appendix only)
    level: int | None = None  # DOCX 'Heading N' level, when the source had styles

    def path(self) -> tuple[str, ...]:
        out: list[str] = []
        node: _Node | None = self
        while node is not None and node.type != "root":
            out.append(node.title)
            node = node.parent
        return tuple(reversed(out))

    def nums(self) -> tuple[str, ...]:
        out: list[str] = []
        node: _Node | None = self
        while node is not None and node.type != "root":
            if node.num:
                out.append(node.num)
            node = node.parent
        return tuple(reversed(out))

    def effective_kind(self) -> Kind:
        node: _Node | None = self
        while node is not None:
            if node.kind:
                return node.kind
            node = node.parent
        return "body"


@dataclass
class _Block:
    units: list[Unit]
    para: str | None = None
    text: str = ""


@dataclass
class _Segment:
    node: _Node
    blocks: list[_Block] = field(default_factory=list)


def parse_review(doc: SourceDoc, overrides: dict | None = None) -> ParsedReview:
    """Recover a review's section tree, blocks, metadata, acronyms and quality warnings."""
    lines = clean_lines(doc)
    prof = profile(lines, doc)
    notes = extract_notes(lines, prof)
    contents = strip_contents(lines)
    mark_title_page(lines)
    tables, _spans = find_tab_tables(lines)
    units = build_units(lines, prof, tables)
    builder = _Builder(units, prof, contents)
    builder.run()
    sections = builder.sections(notes)
    sections = mark_duplicates(sections)
    meta = extract_meta(doc, overrides)
    acronyms = mine_acronyms(doc.review_id, sections)
    warnings = notes.warnings + builder.warnings + _quality_checks(sections, contents, notes)
    return ParsedReview(
        meta=meta,
        sections=tuple(sections),
        acronyms=acronyms,
        contents=tuple(contents),
        warnings=tuple(dict.fromkeys(warnings)),
    )


# --- classification helpers ---------------------------------------------------------


def _words(text: str) -> int:
    return len(text.split())


def _title_like(text: str, max_words: int = 12) -> bool:
    """Short, starts upper case, no sentence punctuation at the end (a final full stop
    is allowed on very short titles: '5.12 Information Sharing.')."""
    t = text.strip()
    if not t or _words(t) > max_words:
        return False
    if not re.search(r"[A-Za-z]{2}", t):
        return False  # a date or number on its own line ('24.6.2106') is not a title
    if not (t[0].isupper() or t[0].isdigit() or t[0] in "‘“'\"("):
        return False
    if t.endswith((",", ";")):
        return False
    if t.endswith(":") and _words(t) > 4:
        return False
    if t.endswith(".") and (_words(t) > 6 or re.search(r"\.\s+[A-Z]", t[:-1])):
        return False
    if t.count("(") != t.count(")"):
        return False
    return True


def _label(text: str, numbered: bool = False) -> tuple[str, Kind, str, str] | None:
    """'Learning Point 3: text' -> ('Learning Point 3', 'learning_point', '3', 'text').
    ``numbered``: the text followed a paragraph number ('6.5 Recommendation 5 The…'),
    which makes the label structural even without a colon."""
    if text.startswith("See "):
        return None
    m = _LABEL_RE.match(text)
    if not m:
        return None
    word, rest, sep = m.group("word"), m.group("rest"), m.group("sep")
    if rest and not sep and not word.isupper() and not (numbered and rest[:1].isupper()):
        return None  # 'Finding 2 shows…' in running text
    name, kind = _LABEL_KIND[word.split()[0].lower()]
    return f"{name} {m.group('n')}", kind, m.group("n"), rest.strip()


def _num_parts(num: str) -> list[str]:
    return num.split(".")


def _is_child_num(parent: str, child: str) -> bool:
    p, c = _num_parts(parent), _num_parts(child)
    return len(c) == len(p) + 1 and c[: len(p)] == p


def _unit_num(u: Unit) -> tuple[str | None, str]:
    """(number, rest) of a numbered unit; (None, text) otherwise. Dates are not numbers."""
    if u.kind != "text" or u.bullet or _DATE_START_RE.match(u.text):
        return None, u.text
    m = _BARE_NUM_RE.match(u.text)
    if m:
        return m.group(1), ""
    m = _INLINE_NUM_RE.match(u.text)
    if m and not m.group(2)[:1].islower() and not m.group(2).startswith("%"):
        return m.group(1), m.group(2)
    return None, u.text


# --- the builder --------------------------------------------------------------------


class _Builder:
    def __init__(self, units: list[Unit], prof: Profile, contents: list[str]) -> None:
        self.units = units
        self.prof = prof
        self.contents = contents
        self.root = _Node(title="", type="root")
        self.stack: list[_Node] = [self.root]
        self.segments: list[_Segment] = []
        self.warnings: list[str] = []
        self.colon_list = False
        self.list_items = False
        self.plain_after_colon = 0
        self.questions = False
        self.last_block: _Block | None = None
        self.glossary_term: _Block | None = None
        self.skip_until_heading = False
        self.floating = False

    # -- tree ops --

    @property
    def top(self) -> _Node:
        return self.stack[-1]

    def scope(self) -> _Node:
        for node in reversed(self.stack):
            if node.type in ("root", "appendix"):
                return node
        return self.root

    def push(self, node: _Node) -> _Node:
        node.parent = self.top
        self.stack.append(node)
        self.last_block = None
        self.glossary_term = None
        self.colon_list = False
        self.questions = node.kind == "questions_for_board"
        self.skip_until_heading = False
        return node

    def pop_to(self, pred) -> None:
        while len(self.stack) > 1 and not pred(self.top):
            self.stack.pop()

    def pop_labels(self) -> None:
        self.pop_to(lambda n: n.type not in ("label", "template", "synthetic"))

    def add_block(self, block: _Block, node: _Node | None = None) -> None:
        node = node or self.top
        if not self.segments or self.segments[-1].node is not node:
            self.segments.append(_Segment(node))
        self.segments[-1].blocks.append(block)
        self.last_block = block

    def in_kind(self, kind: str) -> bool:
        return any(n.kind == kind for n in self.stack)

    def in_finding(self) -> _Node | None:
        for n in reversed(self.stack):
            if n.type == "label" and n.kind == "finding":
                return n
        return None

    # -- main loop --

    def run(self) -> None:
        i = 0
        while i < len(self.units):
            i = self.step(i)

    def step(self, i: int) -> int:
        u = self.units[i]
        if u.kind == "row":
            self.table_row(u, chronology=True)
            return i + 1
        if "after_shape" in u.flags and self._floating_starts(i):
            self.floating = True
            self.stack = [self.root]
            self.push(_Node(title="[floating text box]", type="floating"))
            self.warnings.append(
                f"text boxes dumped after line {u.line_start} filed under [floating text box]"
            )
        text = u.text
        # 1. appendix: a new numbering scope
        m = _APPENDIX_RE.match(text)
        if m and _words(text) <= 14 and not u.bullet and not text.endswith((",", ";")):
            return self.appendix(i, m)
        num, rest = _unit_num(u)
        style_level = _style_level(u)
        # 2. labelled units (also '6.1 Recommendation 1: …')
        lab = (
            (_label(rest, numbered=True) if num and rest else _label(text))
            if not u.bullet
            else None
        )
        if lab:
            return self.labelled(i, lab, num if rest else None)
        # 3. finding template sub-headings
        if self.in_finding() and not u.bullet and self._is_template(i):
            return self.template(i)
        if self.skip_until_heading:
            if num and rest and self._numbered_heading(i, num, rest, bare=False):
                self.skip_until_heading = False
            else:
                return i + 1
        # 4. numbered items
        if num is not None and not self.floating:
            return self.numbered(i, num, rest)
        if "row_heading" in u.flags:
            return self.numbered(i, text.split(".")[0], text.split(".", 1)[1].strip())
        if u.bullet:
            self.bullet(u)
            return i + 1
        if _LETTER_ITEM_RE.match(text):
            # 'a.' on its own line, its text on the next (PDF): a list item
            if i + 1 < len(self.units) and self.units[i + 1].kind == "text":
                nxt = self.units[i + 1]
                self.bullet(Unit(text=f"{text} {nxt.text}", lines=u.lines + nxt.lines, bullet=True))
                return i + 2
        if _LETTER_INLINE_RE.match(text) and (self.colon_list or self._after_item()):
            self.bullet(u)
            return i + 1
        if "tab_row" in u.flags:
            if self.in_kind("glossary"):
                self.glossary_entry(u.cells[0] if u.cells else text, " ".join(u.cells[1:]), u)
            else:
                self.table_row(u)
            return i + 1
        if self.in_kind("glossary") and not self.floating:
            self.glossary_unit(u)
            return i + 1
        # 5. column-major tables flattened one cell per line (PDF)
        if self.prof.hard_wrapped and not self.floating:
            j = self._cell_run(i)
            if j - i >= 4:
                return self.column_table(i, j)
        # 6. unnumbered headings
        if (style_level or self._unnumbered_heading(i)) and not self.floating:
            return self.unnumbered(i, style_level)
        self.paragraph([u])
        return i + 1

    # -- appendices --

    def appendix(self, i: int, m: re.Match) -> int:
        u = self.units[i]
        word, ident, title = m.group(1), m.group(2), m.group(3).strip()
        consumed = i + 1
        heading = f"{word} {ident}"
        if not title:
            title = self._contents_appendix_title(ident)
            if not title and i + 1 < len(self.units):
                nxt = self.units[i + 1]
                if (
                    nxt.kind == "text"
                    and "tab_row" not in nxt.flags
                    and not nxt.bullet
                    and _title_like(nxt.text, 12)
                    and _unit_num(nxt)[0] is None
                    and not _label(nxt.text)
                ):
                    title = nxt.text
                    consumed = i + 2
        full = u.text if m.group(3).strip() else (f"{heading} {title}" if title else heading)
        self.floating = False
        self.stack = [self.root]
        node = self.push(_Node(title=full, type="appendix"))
        if _GLOSSARY_RE.search(full) and not re.search(r"explained", full, re.I):
            node.kind = "glossary"
        return consumed

    def _contents_appendix_title(self, ident: str) -> str:
        in_appx = False
        for entry in self.contents:
            if re.match(r"^appendi(x|ces)\b", entry, re.I):
                in_appx = True
                mm = re.match(rf"^appendix\s+{re.escape(ident)}\b\s*[:.\-–]?\s*(.*)$", entry, re.I)
                if mm and mm.group(1):
                    return mm.group(1)
                continue
            if in_appx:
                mm = re.match(rf"^{re.escape(ident)}\.?\s+(.*)$", entry)
                if mm:
                    return mm.group(1)
        return ""

    # -- labels --

    def labelled(self, i: int, lab: tuple[str, Kind, str, str], para: str | None) -> int:
        name, kind, _n, rest = lab
        u = self.units[i]
        same = next(
            (n for n in reversed(self.stack) if n.type == "label" and n.label == name), None
        )
        if same is not None and kind == "finding":
            # The boxed restatement of a finding inside its own unit.
            self.pop_to(lambda n: n is same)
            self.push(_Node(title="Restatement", type="template", kind="finding"))
        else:
            self.pop_labels()
            self.push(_Node(title=name, type="label", kind=kind, label=name))
        if rest:
            self.add_block(_Block(units=[u], para=para, text=rest))
        self.colon_list = False
        return i + 1

    def _is_template(self, i: int) -> bool:
        u = self.units[i]
        if template_key(u.text):
            return True
        if self.questions:
            return False
        t = u.text
        return (
            t.endswith("?")
            and _words(t) <= 20
            and t[0].isupper()
            and i + 1 < len(self.units)
            and self.units[i + 1].words > 12
            and not t.startswith(("Does ", "Is ", "How does", "Should", "Are "))
        )

    def template(self, i: int) -> int:
        u = self.units[i]
        finding = self.in_finding()
        self.pop_to(lambda n: n is finding)
        title = template_key(u.text) or u.text
        kind: Kind | None = (
            "questions_for_board" if title.isupper() and "QUESTION" in title else None
        )
        self.push(
            _Node(
                title=title if not title.isupper() else title.capitalize(),
                type="template",
                kind=kind,
            )
        )
        return i + 1

    # -- numbered items --

    def numbered(self, i: int, num: str, rest: str) -> int:
        u = self.units[i]
        if not rest:
            return self.bare_numbers(i)
        if self._numbered_heading(i, num, rest, bare=False):
            self.heading(num, rest, u)
            return self._date_range(i + 1)
        self.numbered_paragraph(num, [u], rest)
        return i + 1

    def bare_numbers(self, i: int) -> int:
        """Numbers on lines of their own: '1.' / '1.1' / 'Introduction' / 'Why…' (003),
        '3.1' / 'Assessment of…' (000), or '1.1' / 'This report is…' (a paragraph)."""
        nums: list[str] = []
        j = i
        while j < len(self.units):
            n, r = _unit_num(self.units[j])
            if n is None or r:
                break
            nums.append(n)
            j += 1
        if len(nums) >= 3:
            ints = [int(x.split(".")[0]) for x in nums]
            if all(b == a + 1 for a, b in zip(ints, ints[1:], strict=False)):
                nxt = self.units[j] if j < len(self.units) else None
                if nxt is not None and nxt.words <= 3 and not _unit_num(nxt)[0]:
                    # A table flattened column by column: the row numbers, then a header
                    # cell, then every cell; the text is jumbled, so it is not indexed.
                    self.skip_until_heading = True
                    self.warnings.append(
                        f"dropped a column-major table at line {self.units[i].line_start} "
                        "(cells out of order)"
                    )
                return j
        titles: list[Unit] = []
        k = j
        for _ in nums:
            if k < len(self.units) and self._bare_title(k, nums, len(titles)):
                titles.append(self.units[k])
                k += 1
            else:
                break
        if titles and len(titles) == len(nums):
            for n, t in zip(nums, titles, strict=True):
                if self._accept_numbered(n, t.text, bare=True, next_i=k):
                    self.heading(n, t.text, t)
                else:
                    self.numbered_paragraph(n, [t], t.text)
            return self._date_range(k)
        # No title: the last number is the paragraph number of the next unit.
        if j < len(self.units) and not self.units[j].bullet and _unit_num(self.units[j])[0] is None:
            nxt = self.units[j]
            if not _label(nxt.text):
                self.numbered_paragraph(nums[-1], [nxt], nxt.text)
                return j + 1
        return j

    def _bare_title(self, k: int, nums: list[str], idx: int) -> bool:
        u = self.units[k]
        if u.bullet or u.kind != "text" or _unit_num(u)[0] is not None or _label(u.text):
            return False
        t = u.text
        w = _words(t)
        if not t[:1].isupper() and not t[:1].isdigit():
            return False
        if t.endswith((":", ":-")) and w > 4 or t.endswith((",", ";", "-")):
            return False
        if t.endswith("?"):
            return w <= 25
        if not t.endswith("."):
            return w <= 25
        # A one-sentence title ending in a full stop: only when a list or a child (not a
        # sibling) number follows (000 6.3.4 'Insufficient emphasis… relationship.').
        if w > 25 or re.search(r"\.\s+[A-Z]", t[:-1]):
            return False
        nxt = self.units[k + 1] if k + 1 < len(self.units) else None
        if nxt is None:
            return False
        if nxt.bullet:
            return True
        nn, _ = _unit_num(nxt)
        me = nums[idx]
        if nn and (_is_child_num(me, nn) or (len(_num_parts(nn)) == 1 and len(_num_parts(me)) > 1)):
            return True
        return w <= 6

    def _numbered_heading(self, i: int, num: str, rest: str, bare: bool) -> bool:
        u = self.units[i]
        depth = len(_num_parts(num))
        nxt_num = self._next_num(i + 1)
        bold = u.bold or "row_heading" in u.flags
        if "row_heading" in u.flags:
            return True
        if _style_level(u):
            return True
        child = nxt_num is not None and _is_child_num(num, nxt_num)
        if "partial_bold" in u.flags:
            return False  # '6.3. **Two schools…** were involved…': emphasis in a paragraph
        if rest.endswith(":") and not bold and not (child and _words(rest) <= 12):
            return False
        ok = False
        if (
            child
            and (bold or _words(rest) <= 12 or (_words(rest) <= 30 and not rest.endswith(":")))
            and not (rest.endswith(".") and _words(rest) > 30)
        ):
            ok = True
        elif bold and _words(rest) <= 30:
            ok = True
        elif _title_like(rest, 10):
            ok = True
        elif depth == 1 and _title_like(rest, 14):
            ok = True
        if not ok:
            return False
        return self._accept_numbered(num, rest, bare=bare, next_i=i + 1)

    def _accept_numbered(self, num: str, title: str, bare: bool, next_i: int) -> bool:
        parts = _num_parts(num)
        scope = self.scope()
        if len(parts) == 1:
            n = int(parts[0])
            if self.colon_list and not self.list_items:
                return False  # '…categories of underlying issues:' / '1. Multi-agency…'

            if n != scope.top + 1 and not (scope.top == 0 and n <= 2):
                return False
            return _words(title) <= 15
        # deeper numbers must sit under the current top-level number of their scope
        top_n = int(parts[0])
        return top_n in (scope.top, scope.top + 1) or scope.top == 0

    def _next_num(self, i: int) -> str | None:
        for u in self.units[i : i + 6]:
            if u.bullet:
                continue
            n, _ = _unit_num(u)
            if n:
                return n
            if _label(u.text) or u.words > 0:
                # a paragraph of text between: look at most past one unit
                continue
        return None

    def heading(self, num: str, title: str, u: Unit) -> None:
        parts = _num_parts(num)
        scope = self.scope()
        self.floating = False

        def is_parent(node: _Node) -> bool:
            if node is scope:
                return True
            return (
                node.type == "num"
                and node.num is not None
                and (
                    len(_num_parts(node.num)) < len(parts)
                    and parts[: len(_num_parts(node.num))] == _num_parts(node.num)
                )
            )

        self.pop_to(is_parent)
        if len(parts) == 1:
            scope.top = int(parts[0])
        elif self.top is scope and scope.top < int(parts[0]):
            scope.top = int(parts[0])
        node = self.push(_Node(title=f"{num} {title}", type="num", num=num, level=_style_level(u)))
        node.kind = _title_kind(title)
        self._lesson_label(node)
        self.colon_list = False

    def _date_range(self, i: int) -> int:
        """'3.6 Phase 2: …' / '(27 August 2014 - end of September 2014).' — the date line
        belongs to the heading."""
        if i < len(self.units) and _DATE_RANGE_RE.match(self.units[i].text):
            node = self.top
            node.title = f"{node.title} {self.units[i].text}"
            return i + 1
        return i

    def numbered_paragraph(self, num: str, units: list[Unit], text: str) -> None:
        depth = len(_num_parts(num))
        in_recs = any(n.kind == "recommendation" and n.type in ("num", "unnum") for n in self.stack)
        if depth == 1 and in_recs and not self.floating:
            # '1.' … '10.' inside a Recommendations section are recommendations (000).
            self.pop_labels()
            name = f"Recommendation {num}"
            self.push(_Node(title=name, type="label", kind="recommendation", label=name))
            self.add_block(_Block(units=units, text=text))
            return
        if not self.floating:
            self.pop_labels()
        if depth > 1:
            self.colon_list = False
        self.add_block(_Block(units=units, para=num, text=text))
        self.questions = False if self.top.kind != "questions_for_board" else self.questions

    # -- unnumbered headings --

    def _unnumbered_heading(self, i: int, depth: int = 0) -> bool:
        u = self.units[i]
        t = u.text
        if u.bullet or u.kind != "text" or "tab_row" in u.flags or self.questions:
            return False
        if t.startswith(("See ", "E.g", "e.g", "(")) or t.endswith(("-", ":-")):
            return False
        if (self.colon_list and not self.list_items) or self.in_kind("glossary"):
            return False
        caps = t.isupper() and 2 <= _words(t) <= 12
        long_ok = (
            _words(t) <= 25
            and not t.endswith(_TERMINAL + ("?",))
            and u.gap_before >= 1
            and i + 1 < len(self.units)
            and _unit_num(self.units[i + 1])[0] is not None
            and t[:1].isupper()
        )
        front = bool(FRONT_TITLES.match(t.rstrip(".")))
        shape_ok = (
            (_title_like(t, 12) and not t.endswith((".", "?", ":", ";", ",")))
            or caps
            or front
            or long_ok
        )
        if not shape_ok:
            return False
        if i + 1 >= len(self.units):
            return False
        nxt = self.units[i + 1]
        if nxt.text[:1].islower():
            return False
        if nxt.bullet and not front:
            return True
        nnum, nrest = _unit_num(nxt)
        if nnum is not None or _label(nxt.text) or nxt.kind == "row" or "row_heading" in nxt.flags:
            return True
        if nxt.words > 12:
            return True
        if "tab_row" in nxt.flags:
            return front or caps
        if depth == 0 and self._unnumbered_heading(i + 1, depth=1):
            return True
        return False

    def unnumbered(self, i: int, style_level: int | None) -> int:
        u = self.units[i]
        title = u.text
        scope = self.scope()
        nxt = self.units[i + 1] if i + 1 < len(self.units) else None
        nnum, nrest = _unit_num(nxt) if nxt is not None else (None, "")
        consumed = i + 1
        num: str | None = None
        if (
            nnum is not None
            and not nrest
            and int(nnum.split(".")[0]) == scope.top + 1
            and "." not in nnum
        ):
            num = nnum  # 'Background Information' / '4' (002)
            consumed = i + 2
        elif (
            nnum is not None
            and len(_num_parts(nnum)) == 2
            and nnum.split(".")[1] == "1"
            and int(nnum.split(".")[0]) == scope.top + 1
        ):
            num = nnum.split(".")[0]  # 'Methodology' then '2.1 …': this is section 2
        top_level = num is not None or bool(_TOP_TITLES_RE.match(title)) or style_level == 1
        if self.in_finding() and title.lower() == "introduction":
            return self.template(i)
        if top_level:
            self.floating = False
            self.pop_to(lambda n: n is scope)
            if num is not None:
                scope.top = int(num)
            node = _Node(
                title=f"{num} {title}" if num else title, type="num" if num else "unnum", num=num
            )
        elif style_level:
            # DOCX styles give the level outright: a child of the nearest shallower heading
            self.pop_to(
                lambda n: (
                    n.type in ("root", "appendix")
                    or (n.level is not None and n.level < style_level)
                    or (n.type == "num" and n.level is None)
                )
            )
            node = _Node(title=title, type="unnum")
        else:
            # a child of the nearest numbered ancestor; consecutive ones are siblings,
            # except straight after an empty one ('Move to Ealing…' / 'MASH Assessment')
            just_pushed = self.top.type == "unnum" and not (
                self.segments and self.segments[-1].node is self.top
            )
            if not just_pushed:
                self.pop_to(lambda n: n.type in ("root", "appendix", "num"))
            node = _Node(title=title, type="unnum")
        node.kind = _title_kind(title)
        node.level = style_level
        self.push(node)
        self._lesson_label(node)
        return consumed

    def _lesson_label(self, node: _Node) -> None:
        """Headings under a 'Lessons learned' section are lessons: 'Lesson 1', …"""
        parent = node.parent
        if node.kind or parent is None or parent.kind != "lesson" or parent.type == "label":
            return
        parent.top += 1
        node.kind = "lesson"
        node.label = f"Lesson {parent.top}"

    # -- bodies --

    def paragraph(self, units: list[Unit], para: str | None = None) -> None:
        u = units[0]
        text = u.text
        if self.colon_list:
            # A list ends at the first plain paragraph after its items; a list without
            # bullet glyphs (items as plain paragraphs) ends after two of them.
            self.plain_after_colon += 1
            if self.list_items or self.plain_after_colon >= 2:
                self.colon_list = False
        self.add_block(_Block(units=units, para=para, text=text))
        if text.endswith((":", ":-", ";")):
            self.colon_list, self.list_items, self.plain_after_colon = True, False, 0

    def _after_item(self) -> bool:
        blk = self.last_block
        return blk is not None and "\n- " in blk.text

    def bullet(self, u: Unit) -> None:
        if self.colon_list:
            self.list_items = True
        blk = self.last_block
        seg = self.segments[-1] if self.segments else None
        if blk is not None and seg is not None and seg.node is self.top and blk is seg.blocks[-1]:
            blk.units.append(u)
            blk.text = f"{blk.text}\n- {u.text}"
            return
        self.add_block(_Block(units=[u], text=f"- {u.text}"))

    def table_row(self, u: Unit, chronology: bool = False) -> None:
        node = self.top
        want: Kind = "chronology" if chronology else "table"
        seg = self.segments[-1] if self.segments else None
        has_blocks = seg is not None and seg.node is node
        if node.kind == want:
            pass
        elif (
            not has_blocks
            and node.type in ("appendix", "num", "unnum")
            and node.kind in (None, "body")
        ):
            node.kind = want
        else:
            self.pop_to(lambda n: n.type != "synthetic")
            title = "[chronology]" if chronology else "[table]"
            self.push(_Node(title=title, type="synthetic", kind=want))
        self.add_block(_Block(units=[u], text=u.text))

    def glossary_entry(self, term: str, definition: str, u: Unit) -> None:
        self.add_block(_Block(units=[u], text=f"{term}: {definition}".strip().rstrip(":")))

    def glossary_unit(self, u: Unit) -> None:
        """Term / definition pairs in a glossary: a short unit after a definition is the
        next term; anything else continues the current definition."""
        t = u.text
        term = self.glossary_term
        short = _words(t) <= 8 and not t.endswith((".", ";", ":"))
        if term is None or (
            term.text.endswith(":") is False
            and short
            and term.units[-1] is not None
            and len(term.units) > 1
        ):
            # start a new entry
            blk = _Block(units=[u], text=f"{t}:")
            self.add_block(blk)
            self.glossary_term = blk
            return
        if term.text.endswith(":"):
            term.text = f"{term.text} {t}"
        else:
            sep = " " if not short else " "
            term.text = f"{term.text}{sep}{t}"
        term.units.append(u)

    # -- column tables (PDF) --

    def _cell_run(self, i: int) -> int:
        j = i
        while j < len(self.units):
            u = self.units[j]
            t = u.text
            if (
                u.bullet
                or u.kind != "text"
                or _unit_num(u)[0] is not None
                or _label(t)
                or _words(t) > 5
                or t.endswith(_TERMINAL + ("?",))
                or template_key(t)
                or _APPENDIX_RE.match(t)
                or (j > i and u.gap_before > 1)
            ):
                break
            j += 1
        return j

    def column_table(self, i: int, j: int) -> int:
        first = [u.text for u in self.units[i:j]]
        k = j
        # a stray footnote number between the columns
        if k < len(self.units) and _BARE_NUM_RE.match(self.units[k].text):
            k += 1
        k2 = self._cell_run(k)
        units = self.units[i:j]
        if k2 - k == j - i:
            second = [u.text for u in self.units[k:k2]]
            rows = [f"{a} | {b}" for a, b in zip(first, second, strict=True)]
            units_all = self.units[i:k2]
            for r, (ua, ub) in enumerate(zip(self.units[i:j], self.units[k:k2], strict=True)):
                self.table_row(Unit(text=rows[r], lines=ua.lines + ub.lines, kind="row"))
            del units_all
            return k2
        self.table_row(
            Unit(text="\n".join(first), lines=[ln for u in units for ln in u.lines], kind="row")
        )
        return j

    def _floating_starts(self, i: int) -> bool:
        """After a lost diagram, text-box content dumped with runs of blank lines."""
        nxt = self.units[i + 1] if i + 1 < len(self.units) else None
        return nxt is not None and self.units[i].gap_before >= 3 and nxt.gap_before >= 3

    # -- output --

    def sections(self, notes: Notes) -> list[Section]:
        out: list[Section] = []
        for seg in self.segments:
            blocks = [b for b in (_to_block(blk, notes) for blk in seg.blocks) if b is not None]
            if not blocks:
                continue
            node = seg.node
            out.append(
                Section(
                    path=node.path(),
                    nums=node.nums(),
                    kind=node.effective_kind(),
                    label=_label_above(node),
                    blocks=tuple(blocks),
                )
            )
        return out


def _label_above(node: _Node) -> str | None:
    n: _Node | None = node
    while n is not None:
        if n.label:
            return n.label
        n = n.parent
    return None


def _style_level(u: Unit) -> int | None:
    style = u.first.style or ""
    m = re.match(r"^Heading\s*(\d)", style, re.I)
    return int(m.group(1)) if m else None


def _title_kind(title: str) -> Kind | None:
    t = title.lower()
    if re.match(r"^(?:\d[\d.]*\s+)?foreword\b", t):
        return "foreword"
    if re.match(r"^(?:acknowledge?ments?|preface)\b", t):
        return "front_matter"
    if _GLOSSARY_RE.search(title) and not re.search(r"explained|used", t):
        return "glossary"
    if _FAMILY_RE.search(title):
        return "family_view"
    if _LESSONS_RE.search(title):
        return "lesson"
    if _RECS_RE.search(title) and not re.search(r"learning", t):
        return "recommendation"
    return None


def _clean_text(text: str) -> str:
    lines = []
    for part in text.split("\n"):
        part = re.sub(r"\s+", " ", part).strip()
        if part:
            lines.append(part)
    return "\n".join(lines)


def _to_block(blk: _Block, notes: Notes) -> Block | None:
    text = _clean_text(blk.text)
    if not text or not re.search(r"\w", text):
        return None
    lines = [ln for u in blk.units for ln in u.lines]
    pages = [ln.page for ln in lines if ln.page is not None]
    keys: list[str] = []
    for u in blk.units:
        for k in u.notes:
            if k not in keys:
                keys.append(k)
    bodies = tuple(notes.bodies[k] for k in keys if k in notes.bodies)
    return Block(
        text=text,
        para=blk.para,
        line_start=min(ln.line for ln in lines),
        line_end=max(ln.line for ln in lines),
        page_start=min(pages) if pages else None,
        page_end=max(pages) if pages else None,
        notes=bodies,
    )


# --- quality checks (CORPUS-NOTES §7.10) ---------------------------------------------

_DEBRIS = ("\ufffd", "SHAPE", "[footnoteRef", "<p>", "**", "[bookmark", "@@")


def _norm_title(text: str) -> str:
    t = re.sub(r"^(?:appendix\s+\w+|\d+(?:\.\d+)*)\.?\s*[:.\-–]?\s*", "", text.lower())
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", t).split())


def _quality_checks(sections: list[Section], contents: list[str], notes: Notes) -> list[str]:
    out: list[str] = []
    titles = {_norm_title(p) for s in sections for p in s.path}
    heads = " | ".join(sorted(titles))
    for entry in contents:
        if entry.lower() in ("appendices", "appendix"):
            continue
        key = _norm_title(entry)
        if key and key not in titles and key not in heads:
            out.append(f"contents entry {entry!r} not found as a heading")
    tops: list[int] = []
    for s in sections:
        if s.nums and not s.path[0].lower().startswith(("appendix", "annex", "[")):
            tops.append(int(s.nums[0].split(".")[0]))
    if any(b < a for a, b in zip(tops, tops[1:], strict=False)):
        out.append("top-level section numbers are not increasing")
    for s in sections:
        for b in s.blocks:
            bad = [d for d in _DEBRIS if d in b.text]
            if bad:
                out.append(f"debris {bad} left in {' > '.join(s.path)} (line {b.line_start})")
        if len(s.path) > 5:
            out.append(f"path deeper than 5: {' > '.join(s.path)}")
    n_blocks = sum(len(s.blocks) for s in sections)
    dups = sum(1 for s in sections for b in s.blocks if b.duplicate_of)
    if n_blocks and dups / n_blocks > 0.2:
        out.append(f"{dups} of {n_blocks} blocks are duplicates")
    numbered = [int(k) for k in notes.bodies if k.isdigit()]
    if numbered and max(numbered) != len(numbered):
        out.append(f"{len(numbered)} footnotes extracted but the highest number is {max(numbered)}")
    return out


# --- outline ------------------------------------------------------------------------


def outline_lines(parsed: ParsedReview) -> list[str]:
    """The detected tree as indented lines: title [kind, label] (n blocks)."""
    out: list[str] = []
    seen: list[tuple[str, ...]] = []
    for s in parsed.sections:
        for depth in range(1, len(s.path) + 1):
            prefix = s.path[:depth]
            if prefix in seen and depth < len(s.path):
                continue
            if depth < len(s.path):
                seen.append(prefix)
                out.append("  " * (depth - 1) + prefix[-1])
                continue
            extra: list[str] = [s.kind] if s.kind != "body" else []
            if s.label and s.label != s.path[-1]:
                extra.append(s.label)
            dup = sum(1 for b in s.blocks if b.duplicate_of)
            tag = f" [{', '.join(extra)}]" if extra else ""
            dtag = f", {dup} duplicate" if dup else ""
            out.append("  " * (depth - 1) + f"{prefix[-1]}{tag} ({len(s.blocks)} blocks{dtag})")
            if prefix not in seen:
                seen.append(prefix)
    return out


def iter_blocks(parsed: ParsedReview) -> Iterable[tuple[Section, Block]]:
    """Every (section, block) pair in document order."""
    for s in parsed.sections:
        for b in s.blocks:
            yield s, b
