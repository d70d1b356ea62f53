"""The web page in a real browser (Debian chromium) against a real uvicorn server.

Each test drives the page the way its user would (practitioner asks, trainer finds and
exports, evaluator checks an answer, administrator uploads) and checks what is shown
against what the API itself returns.
"""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from api.app import create_app
from tests.conftest import REVIEWS, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.integration]

MARAC_Q = "What went wrong with the MARAC referral for Ms A?"
OFF_CORPUS_Q = "What did the Rotherham inquiry say about taxi licensing?"
LAMBETH = "Child K (Lambeth and Bromley, 2018)"
SLOW = 120_000  # ms; the first /ask warms the embedder, and CI machines can be busy

expect.set_options(timeout=30_000)


def squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def open_tab(page: Page, url: str, tab: str) -> None:
    page.goto(f"{url}/#{tab}")
    expect(page.get_by_role("tab", selected=True)).to_have_attribute("data-tab", tab)
    # the reviews arrive asynchronously and fill the filters and the table
    expect(page.locator("#reviews-table tbody tr")).not_to_have_count(0)


def ask(page: Page, question: str) -> None:
    page.get_by_label("Ask a question about the reviews").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator("#ask-answer")).to_have_attribute("aria-busy", "false", timeout=SLOW)
    expect(page.locator("#ask-status")).not_to_contain_text("…", timeout=SLOW)


def evaluate_field(page: Page, label):  # noqa: ANN001, ANN201
    # scoped to the form: "Answer" also names the Ask tab's answer region
    return page.locator("#eval-form").get_by_label(label, exact=isinstance(label, str))


def snap(page: Page, path) -> None:  # noqa: ANN001
    """A full-page screenshot from the top, without a passing toast over it."""
    page.evaluate("window.scrollTo(0, 0); document.querySelector('#toast').classList.remove('on')")
    page.screenshot(path=str(path), full_page=True, animations="disabled")


def search(
    page: Page, query: str, *, reviews: tuple[str, ...] = (), kinds: tuple[str, ...] = ()
) -> None:
    page.get_by_label("Search for passages").fill(query)
    for title in reviews:
        page.locator("#find-reviews").get_by_label(title, exact=True).check()
    for kind in kinds:
        page.locator("#find-kinds").get_by_label(kind, exact=True).check()
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#find-status")).to_contain_text("found", timeout=SLOW)


def test_asked_question_streams_a_cited_answer_and_opens_the_quoted_source(
    page: Page, live_server, screenshots
):
    expected = httpx.post(f"{live_server.url}/ask", json={"question": MARAC_Q}, timeout=120).json()
    assert not expected["refused"] and expected["citations"]
    first = expected["citations"][0]

    open_tab(page, live_server.url, "ask")
    with page.expect_response(f"{live_server.url}/ask") as resp:
        ask(page, MARAC_Q)
    assert resp.value.headers["content-type"].startswith("text/event-stream")
    assert resp.value.request.post_data_json["stream"] is True

    answer = page.locator("#ask-answer")
    expect(answer).to_contain_text(LAMBETH)
    expect(answer.locator("button.cite")).to_have_count(len(expected["support"]))
    expect(page.locator("#ask-status")).to_contain_text("Answer ready")

    answer.locator('button.cite[data-n="1"]').first.click()
    source = page.locator("#source")
    expect(source).to_be_visible()
    expect(source.locator(".source-title")).to_have_text(first["review_title"])
    expect(source.locator(".crumbs li").last).to_have_text(first["section_path"][-1])
    expect(source.locator(".meta")).to_contain_text("¶")
    mark = source.locator("#source-text mark")
    expect(mark).to_have_count(1)
    assert squash(mark.inner_text()) == squash(first["quote"])

    source.get_by_role("button", name="Show context").click()
    expect(source.locator(".ctx-block").first).to_be_visible()
    ctx = httpx.get(f"{live_server.url}/passages/{first['passage_id']}?context=1").json()
    expect(source.locator(".ctx-block")).to_have_count(len(ctx["before"]) + len(ctx["after"]))
    expect(source.get_by_role("button", name="Show more context")).to_be_visible()
    snap(page, screenshots / "ask-1280.png")


def test_search_filtered_by_review_and_kind_shows_only_those(page: Page, live_server, screenshots):
    open_tab(page, live_server.url, "find")
    search(
        page,
        "what should professionals learn about domestic abuse",
        reviews=(LAMBETH,),
        kinds=("Learning point",),
    )
    results = page.locator("#find-list > li")
    assert results.count() >= 2
    for i in range(results.count()):
        r = results.nth(i)
        assert r.get_attribute("data-review-id") == "lambeth-child-k"
        assert r.get_attribute("data-kind") == "learning_point"
        expect(r.locator(".review")).to_have_text(LAMBETH)
        expect(r.locator(".badge")).to_have_text("Learning point")
        expect(r.locator(".crumbs li").first).not_to_be_empty()
        expect(r.locator(".text")).not_to_be_empty()
    snap(page, screenshots / "find-1280.png")


def test_copy_citation_puts_the_formatted_reference_on_the_clipboard(page: Page, live_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    open_tab(page, live_server.url, "find")
    search(page, "Domestic Violence Disclosure Scheme", reviews=(LAMBETH,))
    first = page.locator("#find-list > li").first
    first.get_by_role("button", name="Copy citation for passage 1").click()
    expect(page.locator("#toast")).to_contain_text("Citation copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    top = httpx.post(
        f"{live_server.url}/search",
        json={
            "query": "Domestic Violence Disclosure Scheme",
            "filters": {"review_ids": ["lambeth-child-k"]},
        },
    ).json()["passages"][0]
    para = top["paragraphs"]
    ref = f"{LAMBETH}, {top['section_path'][-1]}"
    if para:
        ref += ", ¶" + (para[0] if len(para) == 1 else f"{para[0]}–{para[-1]}")
    a, b = top["lines"]
    ref += f", line {a}" if a == b else f", lines {a}–{b}"
    assert copied == f"“{squash(top['text'])}” — {ref}"


def test_two_selected_results_export_as_markdown_and_csv(page: Page, live_server):
    open_tab(page, live_server.url, "find")
    search(page, "information sharing between agencies")
    results = page.locator("#find-list > li")
    picked = []
    for i in (0, 2):
        results.nth(i).locator("input.sel").check()
        picked.append(results.nth(i).get_attribute("data-id"))
    expect(page.get_by_role("button", name="Export Markdown (2)")).to_be_enabled()

    with page.expect_download() as dl:
        page.get_by_role("button", name="Export Markdown (2)").click()
    assert dl.value.suggested_filename.endswith(".md")
    md = open(dl.value.path(), encoding="utf-8").read()

    with page.expect_download() as dl:
        page.get_by_role("button", name="Export CSV (2)").click()
    assert dl.value.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(open(dl.value.path(), encoding="utf-8-sig").read())))

    passages = {
        p["id"]: p
        for p in httpx.post(
            f"{live_server.url}/search",
            json={"query": "information sharing between agencies", "k": 10},
        ).json()["passages"]
    }
    assert md.startswith("# ReviewQA passages")
    assert md.count("\n## ") == 2
    assert [r["passage_id"] for r in rows] == picked
    for pid, row in zip(picked, rows, strict=True):
        p = passages[pid]
        assert f"## {picked.index(pid) + 1}. {p['label']}" in md
        assert f"> {p['text'].splitlines()[0]}" in md
        assert row["text"] == p["text"] and row["review_title"] == p["review_title"]
        assert row["kind"] == p["kind"] and row["label"] == p["label"]
        assert row["section_path"] == " > ".join(p["section_path"])
        assert row["reference"].startswith(p["review_title"] + ", ")
        assert f"- Reference: {row['reference']}" in md


def test_evaluated_answer_with_a_wrong_number_is_flagged_with_the_number(
    page: Page, live_server, screenshots
):
    open_tab(page, live_server.url, "evaluate")
    evaluate_field(page, "Question").fill("How many domestic violence incidents did police record?")
    evaluate_field(page, "Answer").fill(
        "Police recorded over 90 incidents of domestic violence between Adult A and Adult B."
    )
    page.get_by_role("button", name="Evaluate").click()
    verdict = page.locator("#eval-sentences > li").first
    expect(verdict).to_have_class(re.compile(r"\bunsupported\b"), timeout=SLOW)
    expect(verdict.locator(".badge")).to_have_text("✗ Unsupported")
    expect(verdict.locator(".chip")).to_contain_text(["number '90'"])
    expect(verdict.locator(".evidence mark")).to_contain_text("over 40 recorded incidents")
    expect(page.locator("#eval-scores")).to_contain_text("Faithfulness")
    expect(page.locator("#eval-scores")).to_contain_text("0%")
    expect(page.locator("#eval-scores")).to_contain_text("Citation recall")

    # the same answer judged against a pasted passage, and a correct one beside it
    evaluate_field(page, "Answer").fill(
        "Police recorded over 90 incidents of domestic violence between Adult A and Adult B [1]. "
        "There are over 40 recorded incidents of Domestic Violence responded to by the police [1]."
    )
    evaluate_field(page, re.compile("^Passages")).fill(
        "There are over 40 recorded incidents of Domestic Violence responded to by the police "
        "in Greater Manchester and Lancashire.\n\nA second, unrelated passage about housing."
    )
    page.get_by_role("button", name="Evaluate").click()
    verdicts = page.locator("#eval-sentences > li")
    expect(verdicts).to_have_count(2, timeout=SLOW)
    expect(verdicts.nth(0)).to_have_class(re.compile(r"\bunsupported\b"))
    expect(verdicts.nth(0).locator(".chip")).to_contain_text(["number '90'"])
    expect(verdicts.nth(1)).to_have_class(re.compile(r"\bsupported\b"))
    expect(verdicts.nth(1).locator(".badge")).to_have_text("✓ Supported")
    expect(page.locator("#eval-evidence-list > li")).to_have_count(2)
    snap(page, screenshots / "evaluate-1280.png")


def test_upload_needs_the_key_and_upload_then_delete_works_with_it(
    page: Page, corpus_copy, screenshots
):
    # the first two sections of a bundled review: small, so embedding it takes seconds
    lines = (REVIEWS / "bolton-child-a-b.txt").read_text(encoding="utf-8").splitlines()
    data = "\n".join(lines[:60]).encode("utf-8")
    with LiveServer(create_app(qa=corpus_copy)) as srv:
        open_tab(page, srv.url, "reviews")
        expect(page.locator("#reviews-table tbody tr")).to_have_count(5)
        error = page.locator("#reviews-error")

        page.get_by_label(re.compile("^Review file")).set_input_files(
            {"name": "my-new-review.txt", "mimeType": "text/plain", "buffer": data}
        )
        page.get_by_role("button", name="Upload").click()
        expect(error).to_have_text("Not authorised: missing or wrong X-API-Key header")
        expect(error).to_have_attribute("role", "alert")

        page.get_by_label("API key").fill("test-key")
        assert page.evaluate("sessionStorage.getItem('reviewqa.apiKey')") == "test-key"
        page.get_by_label(re.compile("^Review file")).set_input_files(
            {"name": "notes.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"}
        )
        page.get_by_role("button", name="Upload").click()
        expect(error).to_contain_text("Unsupported file type: unsupported file type '.exe'")

        page.get_by_label(re.compile("^Review file")).set_input_files(
            {"name": "my-new-review.txt", "mimeType": "text/plain", "buffer": data}
        )
        page.get_by_role("button", name="Upload").click()
        expect(page.locator("#reviews-message")).to_contain_text(
            "Uploaded my-new-review.txt: indexed", timeout=SLOW
        )
        expect(error).to_be_hidden()
        row = page.locator('#reviews-table tr[data-review-id="my-new-review"]')
        expect(row).to_have_count(1)
        snap(page, screenshots / "reviews-1280.png")

        row.get_by_role("button", name=re.compile("^Delete ")).click()
        expect(row.get_by_role("group")).to_contain_text("Delete")
        row.get_by_role("button", name="Cancel").click()
        expect(row).to_have_count(1)
        row.get_by_role("button", name=re.compile("^Delete ")).click()
        row.get_by_role("button", name=re.compile("^Yes, delete")).click()
        expect(page.locator("#reviews-message")).to_contain_text("Deleted")
        expect(page.locator('#reviews-table tr[data-review-id="my-new-review"]')).to_have_count(0)
        expect(page.locator("#reviews-table tbody tr")).to_have_count(5)


def test_off_corpus_question_is_shown_as_a_refusal_with_nearest_passages(
    page: Page, live_server, screenshots
):
    open_tab(page, live_server.url, "ask")
    ask(page, OFF_CORPUS_Q)
    expect(page.locator("#ask-result-h")).to_have_text("Not answered from the reviews")
    expect(page.locator("#ask-answer .badge")).to_have_text("Refused")
    expect(page.locator("#ask-answer")).to_contain_text("don't answer this")
    expect(page.locator("#ask-answer button.cite")).to_have_count(0)
    expect(page.locator("#ask-passages-h")).to_have_text("Nearest passages")
    nearest = page.locator("#ask-passages > li")
    assert nearest.count() >= 1
    nearest.first.get_by_role("button").click()
    expect(page.locator("#source .source-title")).not_to_be_empty()
    snap(page, screenshots / "ask-refusal-1280.png")


def test_page_requests_nothing_outside_the_app(page: Page, live_server):
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    open_tab(page, live_server.url, "ask")
    version = httpx.get(f"{live_server.url}/health").json()["version"]
    expect(page.locator("#health")).to_contain_text("5 reviews · ")
    expect(page.locator("#health")).to_contain_text(f"v{version}")
    for name in ("Find passages", "Evaluate", "Reviews", "Ask"):
        page.get_by_role("tab", name=name).click()
    ask(page, MARAC_Q)
    page.locator("#ask-answer button.cite").first.click()
    expect(page.locator("#source-text")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert any(u.endswith("/static/app.js") for u in urls)
    assert any(u.endswith("/static/style.css") for u in urls)
    outside = [u for u in urls if not u.startswith((live_server.url + "/", "data:", "blob:"))]
    assert outside == []


def test_keyboard_reaches_the_question_box_and_ask_button_with_visible_focus(
    page: Page, live_server
):
    open_tab(page, live_server.url, "ask")

    def focus_ring(selector: str) -> dict:
        return page.eval_on_selector(
            selector,
            """el => {
            const s = getComputedStyle(el);
            return {outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow};
        }""",
        )

    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id"))
        if reached[-1] == "ask-button":
            break
    assert "ask-question" in reached and reached[-1] == "ask-button", reached
    assert reached.index("ask-question") == len(reached) - 2
    for sel in ("#ask-button",):
        ring = focus_ring(sel)
        assert ring["outline"] != "none" or ring["shadow"] != "none", ring
    page.keyboard.press("Shift+Tab")
    ring = focus_ring("#ask-question")
    assert ring["outline"] != "none" or ring["shadow"] != "none", ring

    # the tab strip is a proper tablist: arrow keys move between tabs
    page.get_by_role("tab", name="Ask").focus()
    ring = focus_ring("#tab-ask")
    assert ring["outline"] != "none" or ring["shadow"] != "none", ring
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Find passages")).to_be_focused()
    expect(page.get_by_role("tab", name="Find passages")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel", name="Find passages")).to_be_visible()

    # Enter in the question box asks
    page.get_by_role("tab", name="Ask").click()
    page.get_by_label("Ask a question about the reviews").fill(MARAC_Q)
    page.get_by_label("Ask a question about the reviews").press("Enter")
    expect(page.locator("#ask-answer button.cite").first).to_be_visible(timeout=SLOW)


def test_narrow_screen_has_no_horizontal_scroll(page: Page, live_server, screenshots):
    page.set_viewport_size({"width": 390, "height": 844})

    def no_sideways_scroll(where: str) -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 391, f"{where}: page is {width}px wide at 390px"

    open_tab(page, live_server.url, "ask")
    no_sideways_scroll("ask, empty")
    ask(page, MARAC_Q)
    page.locator("#ask-answer button.cite").first.click()
    page.locator("#source").get_by_role("button", name="Show context").click()
    expect(page.locator("#source .ctx-block").first).to_be_visible()
    no_sideways_scroll("ask, with source and context")
    snap(page, screenshots / "ask-390.png")

    page.get_by_role("tab", name="Find passages").click()
    search(page, "learning about domestic abuse", kinds=("Learning point", "Recommendation"))
    no_sideways_scroll("find, with results")
    snap(page, screenshots / "find-390.png")

    page.get_by_role("tab", name="Evaluate").click()
    evaluate_field(page, "Question").fill("How many incidents?")
    evaluate_field(page, "Answer").fill(
        "Police recorded over 90 incidents of domestic violence between Adult A and Adult B."
    )
    page.get_by_role("button", name="Evaluate").click()
    expect(page.locator("#eval-sentences > li")).to_have_count(1, timeout=SLOW)
    no_sideways_scroll("evaluate, with a verdict")

    page.get_by_role("tab", name="Reviews").click()
    no_sideways_scroll("reviews")
    snap(page, screenshots / "reviews-390.png")
