/* ReviewQA web page: plain JS over the JSON API (no build step, no external assets).
 * Every piece of data from the server is inserted as text (textContent / text nodes),
 * never as HTML, so passage text cannot inject markup. */
"use strict";

(() => {
  const $ = (sel, root = document) => root.querySelector(sel);

  /* ---------- DOM helpers ---------- */

  /** Build an element: h("a", {href: "#", class: "x", onclick: fn}, "text", child). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "text") el.textContent = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  function show(el, on = true) { el.hidden = !on; }

  let toastTimer = null;
  function toast(msg) {
    const t = $("#toast");
    t.textContent = msg;
    t.classList.add("on");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => t.classList.remove("on"), 2500);
  }

  const KIND_NAMES = {
    body: "Body text", learning_point: "Learning point", recommendation: "Recommendation",
    finding: "Finding", lesson: "Lesson", questions_for_board: "Questions for the board",
    chronology: "Chronology", table: "Table", glossary: "Glossary", foreword: "Foreword",
    family_view: "Family's view", front_matter: "Front matter", notes: "Notes",
  };
  const KIND_ORDER = Object.keys(KIND_NAMES);
  const kindName = (k) => KIND_NAMES[k] || k.replace(/_/g, " ");

  /* ---------- API ---------- */

  class ApiError extends Error {
    constructor(status, detail, errors) {
      super(readable(status, detail));
      this.status = status;
      this.detail = detail;
      this.errors = errors || [];
    }
  }

  function readable(status, detail) {
    const what = {
      0: "Could not reach the server",
      400: "The request could not be handled",
      401: "Not authorised",
      404: "Not found",
      413: "File too large",
      415: "Unsupported file type",
      422: "Please check the input",
    }[status] || (status >= 500 ? `Server error (${status})` : `Request failed (${status})`);
    return detail ? `${what}: ${detail}` : what;
  }

  async function api(method, path, body, headers = {}) {
    const init = { method, headers: { Accept: "application/json", ...headers } };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, String(e.message || e));
    }
    return parse(resp);
  }

  async function parse(resp) {
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!resp.ok) {
      const detail = data && typeof data.detail === "string" ? data.detail
        : data && data.detail ? JSON.stringify(data.detail) : text.slice(0, 300);
      throw new ApiError(resp.status, detail, data && data.errors);
    }
    return data;
  }

  function showError(box, err) {
    clear(box);
    box.append(h("strong", {}, err instanceof ApiError ? err.message : String(err.message || err)));
    if (err instanceof ApiError && err.errors && err.errors.length > 1) {
      box.append(h("ul", {}, err.errors.map((e) => h("li", {}, `${e.field}: ${e.message}`))));
    }
    box.hidden = false;
  }

  function hideError(box) { box.hidden = true; clear(box); }

  /* ---------- references ---------- */

  const range = (a, b) => (a === b || b === undefined ? `${a}` : `${a}–${b}`);

  /** "Child K (Lambeth and Bromley, 2018), 5.13 Domestic…, ¶5.13.1–5.13.2, lines 246–250" */
  function reference(p) {
    const parts = [p.review_title];
    const path = p.section_path || [];
    if (path.length) parts.push(path[path.length - 1]);
    const paras = p.paragraphs || [];
    if (paras.length) parts.push("¶" + range(paras[0], paras[paras.length - 1]));
    if (p.lines && p.lines.length) {
      parts.push((p.lines[0] === p.lines[1] ? "line " : "lines ") + range(p.lines[0], p.lines[1]));
    }
    if (p.pages && p.pages.length) {
      parts.push((p.pages[0] === p.pages[1] ? "p. " : "pp. ") + range(p.pages[0], p.pages[1]));
    }
    return parts.join(", ");
  }

  const squash = (s) => String(s || "").replace(/\s+/g, " ").trim();
  const citationText = (p) => `“${squash(p.text)}” — ${reference(p)}`;

  async function copyText(text) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch { /* fall through to the textarea way */ }
    const ta = h("textarea", { class: "offscreen", readonly: true, "aria-hidden": "true" });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch { ok = false; }
    ta.remove();
    return ok;
  }

  async function copyCitation(p) {
    const ok = await copyText(citationText(p));
    toast(ok ? `Citation copied: ${p.review_title}` : "Could not copy; select the text and copy it by hand");
  }

  function download(name, text, type) {
    const blob = new Blob([text], { type });
    const url = URL.createObjectURL(blob);
    const a = h("a", { href: url, download: name, class: "offscreen" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 4000);
  }

  /** Put `quote` inside <mark> within `text`, tolerant of whitespace differences. */
  function highlighted(text, quote) {
    const frag = document.createDocumentFragment();
    let start = -1, end = -1;
    const q = (quote || "").trim();
    if (q) {
      start = text.indexOf(q);
      if (start >= 0) end = start + q.length;
      else {
        const pattern = q.split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\s+");
        const m = new RegExp(pattern, "i").exec(text);
        if (m) { start = m.index; end = start + m[0].length; }
      }
    }
    if (start < 0) {
      frag.append(text);
      return { frag, found: false };
    }
    frag.append(text.slice(0, start), h("mark", {}, text.slice(start, end)), text.slice(end));
    return { frag, found: true };
  }

  function pathCrumbs(path) {
    return h("ol", { class: "crumbs", "aria-label": "Section path" },
      (path || []).map((s) => h("li", {}, s)));
  }

  function metaLine(p) {
    const bits = [kindName(p.kind)];
    if (p.paragraphs && p.paragraphs.length) bits.push("¶" + range(p.paragraphs[0], p.paragraphs[p.paragraphs.length - 1]));
    if (p.lines) bits.push((p.lines[0] === p.lines[1] ? "line " : "lines ") + range(p.lines[0], p.lines[1]));
    if (p.pages) bits.push((p.pages[0] === p.pages[1] ? "p. " : "pp. ") + range(p.pages[0], p.pages[1]));
    return h("p", { class: "meta" }, bits.join(" · "));
  }

  /* ---------- tabs ---------- */

  const tabs = Array.from(document.querySelectorAll('[role="tab"]'));

  function selectTab(name, focus = false) {
    for (const t of tabs) {
      const on = t.dataset.tab === name;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      $("#" + t.getAttribute("aria-controls")).hidden = !on;
      if (on && focus) t.focus();
    }
    if (location.hash !== "#" + name) history.replaceState(null, "", "#" + name);
  }

  for (const t of tabs) {
    t.addEventListener("click", () => selectTab(t.dataset.tab));
    t.addEventListener("keydown", (e) => {
      const i = tabs.indexOf(t);
      let j = null;
      if (e.key === "ArrowRight") j = (i + 1) % tabs.length;
      else if (e.key === "ArrowLeft") j = (i - 1 + tabs.length) % tabs.length;
      else if (e.key === "Home") j = 0;
      else if (e.key === "End") j = tabs.length - 1;
      if (j !== null) {
        e.preventDefault();
        selectTab(tabs[j].dataset.tab, true);
      }
    });
  }

  /* ---------- reviews (shared) ---------- */

  let reviews = [];

  async function loadReviews() {
    try {
      reviews = await api("GET", "/reviews");
    } catch (err) {
      showError($("#reviews-error"), err);
      reviews = [];
    }
    renderReviewChecks($("#find-reviews"), "find-review");
    renderReviewChecks($("#ask-reviews"), "ask-review");
    renderKindChecks();
    renderReviewTable();
  }

  function renderReviewChecks(box, prefix) {
    const checked = new Set(Array.from(box.querySelectorAll("input:checked")).map((i) => i.value));
    box.querySelectorAll(".check").forEach((n) => n.remove());
    reviews.forEach((r, i) => {
      const id = `${prefix}-${i}`;
      box.append(h("div", { class: "check" },
        h("input", { type: "checkbox", id, value: r.review_id, name: prefix, checked: checked.has(r.review_id) }),
        h("label", { for: id }, r.title)));
    });
  }

  function renderKindChecks() {
    const box = $("#find-kinds");
    const checked = new Set(Array.from(box.querySelectorAll("input:checked")).map((i) => i.value));
    const present = new Set(reviews.flatMap((r) => Object.keys(r.kinds || {})));
    const kinds = KIND_ORDER.filter((k) => present.has(k))
      .concat([...present].filter((k) => !KIND_ORDER.includes(k)).sort());
    box.querySelectorAll(".check").forEach((n) => n.remove());
    kinds.forEach((k) => {
      const id = `find-kind-${k}`;
      box.append(h("div", { class: "check" },
        h("input", { type: "checkbox", id, value: k, name: "kind", checked: checked.has(k) }),
        h("label", { for: id }, kindName(k))));
    });
  }

  const checkedValues = (box) => Array.from(box.querySelectorAll("input:checked")).map((i) => i.value);

  /* ---------- Ask ---------- */

  const passageCache = new Map();
  let askController = null;

  function citeButton(c) {
    return h("button", {
      type: "button", class: "cite", "aria-label": `Citation ${c.n}: ${c.label}`,
      title: c.label, dataset: { n: c.n }, onclick: () => openSource(c),
    }, `[${c.n}]`);
  }

  /** Render answer text: paragraphs, "Title:" prefixes, [n] markers as buttons,
   *  and sentences the verifier did not support underlined with a text label. */
  function renderAnswer(box, answer, citations, support) {
    clear(box);
    const byN = new Map(citations.map((c) => [c.n, c]));
    const titles = new Set(citations.map((c) => c.review_title));
    const weak = (support || []).filter((s) => !s.supported).map((s) => s.sentence);
    for (const para of answer.split(/\n\s*\n/)) {
      if (!para.trim()) continue;
      const p = h("p", {});
      let rest = para;
      const m = /^(.+?): /.exec(rest);
      if (m && titles.has(m[1])) {
        p.append(h("strong", { class: "review-title" }, m[1] + ": "));
        rest = rest.slice(m[0].length);
      }
      appendMarked(p, rest, byN, weak);
      box.append(p);
    }
  }

  function appendMarked(p, text, byN, weak) {
    // split off unsupported sentences first, then citation markers within each piece
    const pieces = [];
    let rest = text;
    for (const w of weak) {
      const i = rest.indexOf(w);
      if (i < 0) continue;
      pieces.push([rest.slice(0, i), false], [w, true]);
      rest = rest.slice(i + w.length);
    }
    pieces.push([rest, false]);
    for (const [piece, isWeak] of pieces) {
      if (!piece) continue;
      const target = isWeak ? h("span", { class: "weak" }, h("span", { class: "weak-label" }, "⚠ not verified: ")) : p;
      for (const part of piece.split(/(\[\d+\])/)) {
        const cm = /^\[(\d+)\]$/.exec(part);
        if (cm && byN.has(Number(cm[1]))) target.append(citeButton(byN.get(Number(cm[1]))));
        else if (part) target.append(part);
      }
      if (isWeak) p.append(target);
    }
  }

  function renderPassageList(list, passages) {
    clear(list);
    for (const p of passages) {
      passageCache.set(p.id, p);
      list.append(h("li", { class: "passage" },
        h("button", {
          type: "button", class: "linkish", onclick: () => openSource({ passage_id: p.id, quote: "", ...p }),
        }, p.label),
        h("p", { class: "excerpt" }, squash(p.text).slice(0, 260) + (p.text.length > 260 ? "…" : ""))));
    }
  }

  async function readStream(resp, on) {
    const reader = resp.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (value) buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let event = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length) on(event, JSON.parse(data.join("\n")));
      }
      if (done) break;
    }
  }

  async function ask(question) {
    const errBox = $("#ask-error");
    const answerBox = $("#ask-answer");
    const status = $("#ask-status");
    const note = $("#ask-note");
    hideError(errBox);
    if (!question.trim()) {
      showError(errBox, new Error("Type a question first."));
      $("#ask-question").focus();
      return;
    }
    if (askController) askController.abort();
    askController = new AbortController();
    show($("#ask-result"));
    $("#ask-result").classList.remove("refused");
    clear(answerBox);
    clear($("#ask-passages"));
    show($("#ask-passages-h"), false);
    show(note, false);
    status.textContent = "Searching the reviews…";
    answerBox.setAttribute("aria-busy", "true");
    $("#ask-button").disabled = true;
    $("#ask-result-h").textContent = "Answer";

    const filters = {};
    const ids = checkedValues($("#ask-reviews"));
    if (ids.length) filters.review_ids = ids;
    const body = { question, stream: true };
    if (ids.length) body.filters = filters;

    let streamPara = null;
    let streamTitle = null;
    let sentences = 0;
    try {
      const resp = await fetch("/ask", {
        method: "POST", signal: askController.signal,
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(body),
      });
      if (!resp.ok) await parse(resp); // throws ApiError with the detail
      await readStream(resp, (event, data) => {
        if (event === "passages") {
          renderPassageList($("#ask-passages"), data.passages || []);
          show($("#ask-passages-h"), (data.passages || []).length > 0);
          status.textContent = `Found ${data.passages.length} passages; composing the answer…`;
        } else if (event === "refusal") {
          renderRefusal(data.answer);
        } else if (event === "sentence") {
          sentences += 1;
          const cites = data.citations || [];
          const title = cites.length ? cites[0].review_title : null;
          if (!streamPara || title !== streamTitle) {
            streamPara = h("p", {});
            if (title) streamPara.append(h("strong", { class: "review-title" }, title + ": "));
            answerBox.append(streamPara);
            streamTitle = title;
          }
          const s = h("span", { class: data.supported ? "sent" : "sent weak" },
            data.supported ? null : h("span", { class: "weak-label" }, "⚠ not verified: "), data.sentence, " ");
          cites.forEach((c) => s.append(citeButton(c), " "));
          streamPara.append(s);
          status.textContent = `Answering… ${sentences} sentence${sentences === 1 ? "" : "s"}`;
        } else if (event === "final") {
          finishAnswer(data);
        }
      });
    } catch (err) {
      if (err.name === "AbortError") return;
      status.textContent = "";
      showError(errBox, err);
    } finally {
      answerBox.setAttribute("aria-busy", "false");
      $("#ask-button").disabled = false;
    }
  }

  function renderRefusal(text) {
    const box = $("#ask-answer");
    clear(box);
    $("#ask-result").classList.add("refused");
    $("#ask-result-h").textContent = "Not answered from the reviews";
    box.append(h("div", { class: "refusal" },
      h("p", {}, h("span", { class: "badge badge-refused" }, "Refused"), " ", text)));
  }

  function finishAnswer(r) {
    const status = $("#ask-status");
    for (const p of r.passages || []) passageCache.set(p.id, p);
    if (!$("#ask-passages").children.length) {
      renderPassageList($("#ask-passages"), r.passages || []);
      show($("#ask-passages-h"), (r.passages || []).length > 0);
    }
    if (r.refused) {
      renderRefusal(r.answer);
      $("#ask-passages-h").textContent = "Nearest passages";
      status.textContent = "The reviews do not answer this question. The nearest passages are listed.";
    } else {
      $("#ask-passages-h").textContent = "Passages considered";
      renderAnswer($("#ask-answer"), r.answer, r.citations || [], r.support || []);
      const weak = (r.support || []).filter((s) => !s.supported).length;
      status.textContent = `Answer ready: ${r.citations.length} citation${r.citations.length === 1 ? "" : "s"}` +
        (weak ? `, ${weak} sentence${weak === 1 ? "" : "s"} not verified.` : ", every sentence verified.") +
        " Select a citation number to see its source.";
    }
    const note = $("#ask-note");
    if (r.note) { note.textContent = r.note; show(note); }
  }

  /* source panel */
  let sourceState = null;

  async function openSource(c) {
    const panel = $("#source");
    const body = $("#source-body");
    const id = c.passage_id || c.id;
    sourceState = { id, quote: c.quote || "", context: 0, cite: c };
    show(panel);
    clear(body).append(h("p", { class: "status" }, "Loading the passage…"));
    let p = passageCache.get(id);
    if (!p) {
      try {
        p = (await api("GET", `/passages/${encodeURIComponent(id)}`)).passage;
        passageCache.set(id, p);
      } catch (err) {
        clear(body);
        const box = h("div", { class: "error", role: "alert" });
        body.append(box);
        showError(box, err);
        return;
      }
    }
    renderSource(p, null);
    panel.scrollIntoView({ block: "nearest", behavior: "smooth" });
    $("#source-h").focus({ preventScroll: true });
  }

  function renderSource(p, ctx) {
    const body = clear($("#source-body"));
    const { quote, cite } = sourceState;
    $("#source-h").textContent = cite && cite.n ? `Source [${cite.n}]` : "Source";
    body.append(h("h3", { class: "source-title" }, p.review_title), pathCrumbs(p.section_path), metaLine(p));
    if (ctx) {
      body.append(h("div", { class: "ctx ctx-before", "aria-label": "Preceding passages" },
        ctx.before.map((b) => contextBlock(b, "Before"))));
    }
    const { frag, found } = highlighted(p.text, quote);
    body.append(h("div", { class: "source-text", id: "source-text" },
      h("p", { class: "ctx-label" }, quote ? (found ? "Cited passage (quoted words highlighted)" : "Cited passage") : "Passage"),
      h("p", { class: "text" }, frag)));
    if (quote && !found) body.append(h("p", { class: "note" }, "Quoted: ", h("mark", {}, quote)));
    if (p.notes && p.notes.length) {
      body.append(h("details", { class: "more" }, h("summary", {}, `Footnotes (${p.notes.length})`),
        h("ul", {}, p.notes.map((n) => h("li", {}, n)))));
    }
    if (ctx) {
      body.append(h("div", { class: "ctx ctx-after", "aria-label": "Following passages" },
        ctx.after.map((a) => contextBlock(a, "After"))));
    }
    const more = sourceState.context ? "Show more context" : "Show context";
    body.append(h("div", { class: "toolbar" },
      h("button", { type: "button", id: "show-context", onclick: loadContext,
        disabled: sourceState.context >= 10 }, more),
      h("button", { type: "button", class: "ghost", onclick: () => copyCitation(p) }, "Copy citation")));
  }

  function contextBlock(p, where) {
    return h("div", { class: "ctx-block" },
      h("p", { class: "ctx-label" }, `${where}: ${p.section_path.length ? p.section_path[p.section_path.length - 1] : ""}` +
        (p.paragraphs.length ? ` ¶${range(p.paragraphs[0], p.paragraphs[p.paragraphs.length - 1])}` : "")),
      h("p", { class: "text" }, p.text));
  }

  async function loadContext() {
    if (!sourceState) return;
    const n = Math.min(10, sourceState.context + 1);
    const btn = $("#show-context");
    if (btn) { btn.disabled = true; btn.textContent = "Loading…"; }
    try {
      const ctx = await api("GET", `/passages/${encodeURIComponent(sourceState.id)}?context=${n}`);
      sourceState.context = n;
      passageCache.set(ctx.passage.id, ctx.passage);
      renderSource(ctx.passage, ctx);
      toast(`Showing ${ctx.before.length} passage(s) before and ${ctx.after.length} after`);
      // keep the cited passage in view with its new neighbours around it
      $("#source-text").scrollIntoView({ block: "center", behavior: "auto" });
      const again = $("#show-context");
      if (again) again.focus({ preventScroll: true });
    } catch (err) {
      const box = h("div", { class: "error", role: "alert" });
      $("#source-body").append(box);
      showError(box, err);
      if (btn) { btn.disabled = false; btn.textContent = "Show context"; }
    }
  }

  $("#source-close").addEventListener("click", () => {
    show($("#source"), false);
    const first = $("#ask-answer .cite");
    (first || $("#ask-question")).focus();
  });

  $("#ask-form").addEventListener("submit", (e) => {
    e.preventDefault();
    ask($("#ask-question").value);
  });
  $("#ask-question").addEventListener("keydown", (e) => {
    // Enter asks; Shift+Enter adds a line
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("#ask-form").requestSubmit();
    }
  });

  /* ---------- Find passages ---------- */

  let found = [];

  async function search() {
    const errBox = $("#find-error");
    hideError(errBox);
    const query = $("#find-query").value;
    if (!query.trim()) {
      showError(errBox, new Error("Type something to search for."));
      $("#find-query").focus();
      return;
    }
    const filters = {};
    const ids = checkedValues($("#find-reviews"));
    const kinds = checkedValues($("#find-kinds"));
    const yf = $("#find-year-from").value, yt = $("#find-year-to").value;
    if (ids.length) filters.review_ids = ids;
    if (kinds.length) filters.kinds = kinds;
    if (yf) filters.year_from = Number(yf);
    if (yt) filters.year_to = Number(yt);
    const k = Number($("#find-k").value) || 10;
    const body = { query, k };
    if (Object.keys(filters).length) body.filters = filters;
    const status = $("#find-status");
    show($("#find-result"));
    status.textContent = "Searching…";
    $("#find-button").disabled = true;
    try {
      const r = await api("POST", "/search", body);
      found = r.passages;
      renderResults();
      status.textContent = found.length
        ? `${found.length} passage${found.length === 1 ? "" : "s"} found.`
        : "No passages match. Try fewer filters or other words.";
    } catch (err) {
      status.textContent = "";
      showError(errBox, err);
    } finally {
      $("#find-button").disabled = false;
    }
  }

  function renderResults() {
    const list = clear($("#find-list"));
    found.forEach((p, i) => {
      const cb = `find-sel-${i}`;
      list.append(h("li", { class: "result", dataset: { reviewId: p.review_id, kind: p.kind, id: p.id } },
        h("div", { class: "result-top" },
          h("input", { type: "checkbox", id: cb, class: "sel", value: p.id, onchange: updateSelection }),
          h("label", { for: cb, class: "result-label" },
            h("span", { class: "sr-only" }, `Select passage ${i + 1}: `), p.label),
          h("span", { class: `badge kind-${p.kind}` }, kindName(p.kind))),
        h("p", { class: "review" }, p.review_title),
        pathCrumbs(p.section_path),
        metaLine(p),
        h("p", { class: "text" }, p.text),
        h("div", { class: "toolbar" },
          h("button", { type: "button", class: "ghost copy", "aria-label": `Copy citation for passage ${i + 1}`,
            onclick: () => copyCitation(p) }, "Copy citation"))));
    });
    updateSelection();
  }

  function selected() {
    const ids = new Set(Array.from(document.querySelectorAll("#find-list .sel:checked")).map((c) => c.value));
    return found.filter((p) => ids.has(p.id));
  }

  function updateSelection() {
    const n = selected().length;
    $("#export-md").disabled = n === 0;
    $("#export-csv").disabled = n === 0;
    $("#export-md").textContent = n ? `Export Markdown (${n})` : "Export Markdown";
    $("#export-csv").textContent = n ? `Export CSV (${n})` : "Export CSV";
    const all = found.length > 0 && n === found.length;
    $("#find-select-all").textContent = all ? "Select none" : "Select all";
  }

  $("#find-select-all").addEventListener("click", () => {
    const boxes = Array.from(document.querySelectorAll("#find-list .sel"));
    const all = boxes.length && boxes.every((b) => b.checked);
    boxes.forEach((b) => { b.checked = !all; });
    updateSelection();
  });

  const stamp = () => new Date().toISOString().slice(0, 10);

  function toMarkdown(ps) {
    const out = ["# ReviewQA passages", "", `Search: ${squash($("#find-query").value)}`, ""];
    ps.forEach((p, i) => {
      out.push(`## ${i + 1}. ${p.label}`, "");
      out.push(`- Review: ${p.review_title}`);
      out.push(`- Section: ${(p.section_path || []).join(" › ")}`);
      out.push(`- Kind: ${kindName(p.kind)}`);
      out.push(`- Reference: ${reference(p)}`, "");
      for (const line of String(p.text).split("\n")) out.push(`> ${line}`);
      out.push("");
    });
    return out.join("\n");
  }

  function csvCell(v) {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }

  function toCsv(ps) {
    const head = ["review_title", "review_id", "kind", "section_path", "paragraphs", "lines", "pages",
      "label", "text", "reference", "passage_id"];
    const rows = ps.map((p) => [
      p.review_title, p.review_id, p.kind, (p.section_path || []).join(" > "),
      (p.paragraphs || []).join("; "), p.lines ? range(p.lines[0], p.lines[1]) : "",
      p.pages ? range(p.pages[0], p.pages[1]) : "", p.label, p.text, reference(p), p.id,
    ]);
    // BOM so spreadsheet programs read the file as UTF-8 (¶, curly quotes, en dashes)
    return "\ufeff" + [head, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
  }

  $("#export-md").addEventListener("click", () => {
    const ps = selected();
    if (ps.length) download(`reviewqa-passages-${stamp()}.md`, toMarkdown(ps), "text/markdown;charset=utf-8");
  });
  $("#export-csv").addEventListener("click", () => {
    const ps = selected();
    if (ps.length) download(`reviewqa-passages-${stamp()}.csv`, toCsv(ps), "text/csv;charset=utf-8");
  });
  $("#find-form").addEventListener("submit", (e) => { e.preventDefault(); search(); });

  /* ---------- Evaluate ---------- */

  const pct = (x) => (x === null || x === undefined ? "n/a" : `${Math.round(x * 100)}%`);

  async function evaluate() {
    const errBox = $("#eval-error");
    hideError(errBox);
    const question = $("#eval-question").value;
    const answer = $("#eval-answer").value;
    if (!question.trim() || !answer.trim()) {
      showError(errBox, new Error("Both a question and an answer are needed."));
      (question.trim() ? $("#eval-answer") : $("#eval-question")).focus();
      return;
    }
    const blocks = $("#eval-passages").value.split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
    const body = { question, answer };
    if (blocks.length) body.passages = blocks.map((text) => ({ text }));
    $("#eval-button").disabled = true;
    $("#eval-button").textContent = "Evaluating…";
    try {
      renderVerdict(await api("POST", "/evaluate", body));
    } catch (err) {
      showError(errBox, err);
    } finally {
      $("#eval-button").disabled = false;
      $("#eval-button").textContent = "Evaluate";
    }
  }

  function renderVerdict(r) {
    show($("#eval-result"));
    const scores = clear($("#eval-scores"));
    const add = (name, value, hint) => scores.append(h("div", { class: "score" },
      h("dt", {}, name), h("dd", {}, value, hint ? h("span", { class: "hint" }, " " + hint) : null)));
    const n = r.sentences.length, ok = r.sentences.filter((s) => s.supported).length;
    add("Faithfulness", pct(r.faithfulness), `(${ok} of ${n} sentences supported)`);
    add("Citation recall", pct(r.citation_recall), r.citation_recall === null ? "(no [n] citations)" : "");
    add("Citation precision", pct(r.citation_precision), r.citation_precision === null ? "(no [n] citations)" : "");
    if (r.llm_judge !== null && r.llm_judge !== undefined) add("LLM judge", pct(r.llm_judge), "");

    const byN = new Map((r.passages || []).map((p) => [p.n, p]));
    const list = clear($("#eval-sentences"));
    for (const s of r.sentences) {
      const badge = s.supported
        ? h("span", { class: "badge badge-ok" }, h("span", { "aria-hidden": "true" }, "✓ "), "Supported")
        : h("span", { class: "badge badge-bad" }, h("span", { "aria-hidden": "true" }, "✗ "), "Unsupported");
      const li = h("li", { class: `verdict ${s.supported ? "supported" : "unsupported"}` },
        h("div", { class: "verdict-top" }, badge,
          h("span", { class: "score-small" }, `support score ${s.score.toFixed(2)}`),
          s.citations.length ? h("span", { class: "score-small" }, `cites ${s.citations.map((c) => `[${c}]`).join(" ")}`) : null,
          s.citation_supported === null || s.citation_supported === undefined ? null
            : h("span", { class: "score-small" }, s.citation_supported ? "cited passage supports it" : "cited passage does not support it")),
        h("p", { class: "sentence" }, s.sentence));
      if (s.unsupported && s.unsupported.length) {
        li.append(h("div", { class: "specifics" },
          h("span", { class: "spec-label" }, "Not in the evidence:"), " ",
          h("ul", { class: "chips", "aria-label": "Unsupported specifics" },
            s.unsupported.map((u) => h("li", { class: "chip" }, u)))));
      }
      if (s.span) {
        const src = s.evidence_n ? byN.get(s.evidence_n) : null;
        li.append(h("figure", { class: "evidence" },
          h("figcaption", {}, `Closest evidence${s.evidence_n ? ` [${s.evidence_n}]` : ""}` +
            (src && src.review_id ? ` — ${reviewTitle(src.review_id)}` : "")),
          h("blockquote", {}, h("mark", {}, s.span))));
      }
      if (s.reasons && s.reasons.length) {
        li.append(h("ul", { class: "reasons", "aria-label": "Reasons" }, s.reasons.map((x) => h("li", {}, x))));
      }
      list.append(li);
    }
    const ev = clear($("#eval-evidence-list"));
    for (const p of r.passages || []) {
      ev.append(h("li", { class: "passage" },
        h("p", { class: "meta" }, `[${p.n}]` + (p.review_id ? ` ${reviewTitle(p.review_id)}` : "")),
        h("p", { class: "text" }, p.text)));
    }
    $("#eval-result-h").focus({ preventScroll: false });
  }

  function reviewTitle(id) {
    const r = reviews.find((x) => x.review_id === id);
    return r ? r.title : id;
  }

  $("#eval-result-h").tabIndex = -1;
  $("#eval-form").addEventListener("submit", (e) => { e.preventDefault(); evaluate(); });

  /* ---------- Reviews ---------- */

  const KEY = "reviewqa.apiKey";
  const keyInput = $("#api-key");
  try { keyInput.value = sessionStorage.getItem(KEY) || ""; } catch { /* storage blocked */ }
  keyInput.addEventListener("input", () => {
    try { sessionStorage.setItem(KEY, keyInput.value); } catch { /* storage blocked */ }
  });
  const keyHeader = () => (keyInput.value ? { "X-API-Key": keyInput.value } : {});

  function renderReviewTable() {
    const tbody = clear($("#reviews-table tbody"));
    const total = reviews.reduce((a, r) => a + r.chunks, 0);
    $("#reviews-status").textContent = `${reviews.length} review${reviews.length === 1 ? "" : "s"}, ${total} passages indexed.`;
    for (const r of reviews) {
      const kinds = Object.entries(r.kinds || {}).sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${kindName(k)} ${n}`).join(" · ");
      const actions = h("td", { class: "actions" });
      const del = h("button", { type: "button", class: "danger", "aria-label": `Delete ${r.title}` }, "Delete");
      del.addEventListener("click", () => confirmDelete(r, actions, del));
      actions.append(del);
      tbody.append(h("tr", { dataset: { reviewId: r.review_id } },
        h("th", { scope: "row", "data-label": "Review" }, r.title,
          r.children.length ? h("span", { class: "sub" }, r.children.join(", ")) : null),
        h("td", { "data-label": "Year" }, r.year ?? "—"),
        h("td", { "data-label": "Boards" }, r.boards.join("; ") || "—"),
        h("td", { "data-label": "Model" }, r.review_model || "—"),
        h("td", { "data-label": "File" }, `${r.source_file} (${r.format})`),
        h("td", { "data-label": "Chunks", class: "num" }, r.chunks),
        h("td", { "data-label": "Kinds", class: "kinds" }, kinds),
        actions));
    }
  }

  function confirmDelete(r, cell, delBtn) {
    clear(cell);
    const yes = h("button", { type: "button", class: "danger", "aria-label": `Yes, delete ${r.title}` }, "Yes, delete");
    const no = h("button", { type: "button", class: "ghost" }, "Cancel");
    const q = h("span", { class: "confirm", role: "group", "aria-label": `Confirm deleting ${r.title}` },
      h("span", {}, `Delete ${r.title}?`), " ", yes, " ", no);
    cell.append(q);
    no.addEventListener("click", () => { clear(cell).append(delBtn); delBtn.focus(); });
    yes.addEventListener("click", async () => {
      hideError($("#reviews-error"));
      yes.disabled = true;
      try {
        const res = await api("DELETE", `/reviews/${encodeURIComponent(r.review_id)}`, undefined, keyHeader());
        message(`Deleted ${r.title} (${res.deleted_chunks} passages).`);
        await loadReviews();
      } catch (err) {
        showError($("#reviews-error"), err);
        clear(cell).append(delBtn);
        delBtn.focus();
      }
    });
    yes.focus();
  }

  function message(text) {
    const m = $("#reviews-message");
    m.textContent = text;
    show(m);
  }

  $("#upload-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const errBox = $("#reviews-error");
    hideError(errBox);
    show($("#reviews-message"), false);
    const file = $("#upload-file").files[0];
    if (!file) {
      showError(errBox, new Error("Choose a review file to upload."));
      $("#upload-file").focus();
      return;
    }
    const fd = new FormData();
    fd.append("file", file);
    const btn = $("#upload-button");
    btn.disabled = true;
    btn.textContent = "Uploading…";
    try {
      const res = await api("POST", "/reviews", fd, keyHeader());
      const what = res.review_id || res.title || file.name;
      message(`Uploaded ${file.name}: ${res.status || "indexed"}` +
        (res.chunks !== undefined ? `, ${res.chunks} passages` : "") + ` (${what}).` +
        (res.warnings && res.warnings.length ? ` Warnings: ${res.warnings.join("; ")}` : ""));
      $("#upload-file").value = "";
      await loadReviews();
    } catch (err) {
      showError(errBox, err);
    } finally {
      btn.disabled = false;
      btn.textContent = "Upload";
    }
  });

  /* ---------- start ---------- */

  async function health() {
    try {
      const hl = await api("GET", "/health");
      $("#health").textContent = `${hl.reviews} reviews · ${hl.chunks} passages · ${hl.llm ? "LLM answers" : "extractive answers"} · v${hl.version}`;
    } catch {
      $("#health").textContent = "Server not reachable";
    }
  }

  $("#source-h").tabIndex = -1;
  const start = location.hash.slice(1);
  selectTab(tabs.some((t) => t.dataset.tab === start) ? start : "ask");
  health();
  loadReviews();
})();
