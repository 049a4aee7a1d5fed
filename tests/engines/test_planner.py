"""The planner's plumbing on the tiny model's own random Llama: the pipeline's object (no copy), option
scoring, fallbacks on a time budget and on answers that fail their checks, and the studio's turns.

A random Llama answers nonsense, so the studio-level tests first *teach* the tiny Llama the few
answers they need (a handful of optimizer steps on that exact prompt): the answers then come out of
the real model through the real generate / scoring code, not from a stub.
"""

from __future__ import annotations

import threading

import pytest

torch = pytest.importorskip("torch")

from hidream_studio.config import Settings  # noqa: E402
from hidream_studio.domain import ModelUnavailable, Route  # noqa: E402
from hidream_studio.engines import load_engine  # noqa: E402
from hidream_studio.engines import planner_io as io  # noqa: E402
from hidream_studio.engines.planner import Planner, make_planner  # noqa: E402
from hidream_studio.replies import HELP_EN  # noqa: E402

CANVAS = io.PlannerState(True, "a red circle", ((1, "a red circle"), (2, "a blue circle")), head=2,
                         previous_route="edit")


def _planner_engine(home, **settings):
    engine = load_engine(Settings(home=home, model="tiny", device="cpu", dtype="float32", planner="on", **settings))
    engine.load()
    return engine


@pytest.fixture(scope="module")
def planned(tiny_home):
    """A tiny engine with the planner forced on (its Llama untaught: random answers)."""
    return _planner_engine(tiny_home)


def test_planner_modes(engine, planned):
    pipe, spec = engine.models.pipe, engine.generator_spec
    assert engine.planner is None  # auto: tiny's Llama is random, not Llama-3.1-Instruct
    lock = threading.Lock()
    assert make_planner(Settings(home=engine.settings.home, planner="off"), spec, pipe, "cpu", lock) is None
    assert isinstance(make_planner(Settings(home=engine.settings.home, planner="on"), spec, pipe, "cpu", lock), Planner)
    with pytest.raises(ModelUnavailable, match="unknown planner mode 'yes'"):
        make_planner(Settings(home=engine.settings.home, planner="yes"), spec, pipe, "cpu", lock)
    assert isinstance(planned.planner, Planner) and planned.planner.lock is planned.lock  # one job per device


def test_the_planner_is_the_pipelines_llama_and_leaves_it_as_it_was(planned):
    pipe, planner = planned.models.pipe, planned.planner
    assert planner.model is pipe.text_encoder_4 and planner.tokenizer is pipe.tokenizer_4
    pointers = [p.data_ptr() for p in pipe.text_encoder_4.parameters()]
    before = planned.text._encode("a red circle", 40)
    planner.choose_route("a red circle", io.PlannerState(False))
    planner.describe("make the circle blue", "a red circle")
    after = planned.text._encode("a red circle", 40)
    assert [p.data_ptr() for p in pipe.text_encoder_4.parameters()] == pointers  # no copy, nothing re-allocated
    assert not pipe.text_encoder_4.training and not any(p.requires_grad for p in pipe.text_encoder_4.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True))  # encoding is unchanged


def test_option_scores_are_each_options_log_likelihood(planned):
    """The shared-prompt cache + right-padded batch gives what one plain forward per option gives."""
    planner = planned.planner
    messages = io.route_messages("go back to the red one", CANVAS)
    options = [io.option_text(o) for o in io.route_options(CANVAS)]
    scores = planner._score(messages, options, deadline=float("inf"))
    prompt = planner.prompt_ids(messages, reserve=max(len(planner.option_ids(o)) for o in options))
    for option, score in zip(options, scores, strict=True):
        wanted = planner.option_ids(option)
        with torch.inference_mode():
            logits = planner.model(input_ids=torch.tensor([prompt + wanted]), output_attentions=False,
                                   output_hidden_states=False).logits[0].float()
        logp = torch.log_softmax(logits, dim=-1)
        plain = sum(logp[len(prompt) - 1 + j, t].item() for j, t in enumerate(wanted))
        assert score == pytest.approx(plain, abs=1e-3)


def test_route_is_one_of_the_states_options(planned):
    choice = planned.planner.choose_route("make it bigger", CANVAS)
    assert choice.option in io.route_options(CANVAS) and 0 < choice.confidence <= 1
    empty = planned.planner.choose_route("a cat", io.PlannerState(False))
    assert empty.option in ({"route": "generate"}, {"route": "chat"})  # never an edit without a canvas
    assert planned.planner.last.job == "route" and planned.planner.last.used


def test_past_the_time_budget_the_fallback_decides(planned):
    pipe = planned.models.pipe
    hurried = Planner(pipe.text_encoder_4, pipe.tokenizer_4, "cpu", threading.Lock(), budget_s=0.0)
    assert hurried.choose_route("make it bigger", CANVAS) is None
    assert hurried.last.outcome == "past its 0 s budget" and not hurried.last.used
    assert hurried.describe("make it bigger", "a red circle") is None
    assert hurried.last.outcome == "past its 0 s budget" and not hurried.last.used


def test_while_another_job_holds_the_device_the_fallback_decides_at_once(planned):
    pipe = planned.models.pipe
    planner = Planner(pipe.text_encoder_4, pipe.tokenizer_4, "cpu", planned.lock, budget_s=0.05)
    with planned.lock:  # an image being made
        assert planner.choose_route("make it bigger", CANVAS) is None
        assert planner.last.outcome == "the device is busy with another job"
        assert planner.expand("a red circle") is None
    assert planner.last.outcome == "the device is busy with another job"


def test_answers_that_do_not_end_or_fail_their_check_are_not_used(planned):
    planner = planned.planner
    assert planner.describe("make the circle blue", "a red circle") is None  # random words, no end token
    assert planner.last.outcome == "no end within the token limit" and planner.last.answer
    # Make the model's first greedy token count as the end: the answer ends at once and is checked.
    first = planner.tokenizer.convert_tokens_to_ids(planner.last.answer.split()[0])
    eos = planner.eos_ids
    planner.eos_ids = [first, *eos]
    try:
        assert planner.reply("thanks!", CANVAS) is None
        assert planner.last.outcome in ("answer failed its check", "no end within the token limit")
    finally:
        planner.eos_ids = eos


def test_a_long_prompt_is_cut_to_the_models_positions(planned):
    planner = planned.planner
    long = io.PlannerState(True, "a red circle " * 50, tuple((n, "a red circle " * 20) for n in range(1, 13)), head=12)
    ids = planner.prompt_ids(io.route_messages("make it blue", long), reserve=20)
    positions = planner.model.config.max_position_embeddings
    assert len(ids) == positions - 20 and ids[0] == planner.tokenizer.bos_token_id
    assert planner.choose_route("make it blue", long) is not None


# ---------------------------------------------------------------------------------------------------
# A taught planner through the studio
# ---------------------------------------------------------------------------------------------------
PLANNER_WORDS = ["{", "}", "route", "generate", "edit", "chat", "checkout", "target", "you", "are", "welcome"]


def teach(planner: Planner, *lessons, steps: int = 80) -> None:
    """Fit the Llama to give each lesson's answer (then its end token) after its messages, together (a
    lesson taught alone would blur the one before)."""
    model = planner.model
    model.train().requires_grad_(True)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    batches = []
    for messages, answer in lessons:
        prompt, wanted = planner.prompt_ids(messages, reserve=64), planner.option_ids(answer)
        batches.append((torch.tensor([prompt + wanted]), torch.tensor([[-100] * len(prompt) + wanted])))
    for _ in range(steps):
        loss = sum(model(input_ids=x, labels=y, output_attentions=False, output_hidden_states=False).loss
                   for x, y in batches)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval().requires_grad_(False)


@pytest.fixture()
def taught(tiny_home, tmp_path):
    """A studio on a fresh tiny engine (planner on, prompt expansion on) whose Llama knows the planner's
    JSON words; a test teaches it the answers it needs."""
    from hidream_studio.store import Store
    from hidream_studio.studio import Studio

    torch.manual_seed(0)
    engine = _planner_engine(tiny_home, expand_prompts=True)
    tokenizer, llama = engine.models.pipe.tokenizer_4, engine.models.pipe.text_encoder_4
    tokenizer.add_tokens(PLANNER_WORDS)
    llama.resize_token_embeddings(len(tokenizer))
    store = Store.open(f"sqlite:///{tmp_path / 'studio.db'}", tmp_path / "images")
    yield Studio(store, engine)
    store.close()


@pytest.mark.slow
def test_taught_planner_routes_describes_replies_expands_and_resolves_a_reference(taught):
    from hidream_studio.studio import Turn

    studio, planner = taught, taught.engine.planner
    session = studio.new_session().id

    def say(text):
        return studio.handle(Turn(session, text))

    # 1. A terse prompt: routed by the planner, expanded for I1; the recipe keeps what was typed.
    expanded = "a big red circle in the center of a blue background"
    teach(planner, (io.route_messages("a red circle", studio.planner_state(session)), '{"route": "generate"}'),
          (io.expand_messages("a red circle"), expanded))
    first = say("a red circle")
    assert (first.decision.route, first.decision.by) == (Route.GENERATE, "planner")
    assert first.head.recipe.prompt == "a red circle" and first.head.recipe.prompt_sent == expanded

    # 2. Thanks after a picture: conversation, answered by the planner; the canvas stays.
    teach(planner, (io.route_messages("thanks!", studio.planner_state(session)), '{"route": "chat"}'),
          (io.reply_messages("thanks!", studio.planner_state(session), HELP_EN), "you are welcome"))
    thanks = say("thanks!")
    assert (thanks.decision.route, thanks.decision.by, thanks.reply) == (Route.CHAT, "planner", "you are welcome")
    assert thanks.head.number == 1 and thanks.created == []

    # 3. An edit: E1-Full's target description written by the planner from the canvas' prompt.
    described = "a big blue circle in the center of a blue background"
    teach(planner, (io.route_messages("make the circle blue", studio.planner_state(session)), '{"route": "edit"}'),
          (io.describe_messages("make the circle blue", expanded), described))
    edit = say("make the circle blue")
    assert (edit.decision.route, edit.decision.by) == (Route.EDIT, "planner")
    assert edit.head.recipe.prompt_sent.endswith(f"Target Image Description: {described}")
    assert f"(target: {described})" in edit.reply and edit.head.parent == 1

    # 4. "The one with the red circle": a checkout of the version that shows it.
    state = studio.planner_state(session)
    assert state.versions == ((1, expanded), (2, described)) and state.head == 2
    teach(planner, (io.route_messages("go back to the red one", state), '{"route": "checkout", "target": 1}'))
    back = say("go back to the red one")
    assert (back.decision.route, back.decision.target, back.decision.by) == (Route.CHECKOUT, 1, "planner")
    assert back.head.number == 1

    # 5. Explicit commands stay with the rules.
    undo = say("undo")
    assert (undo.decision.route, undo.decision.by) == (Route.UNDO, "rules")


def test_studio_falls_back_when_the_planner_is_out_of_time(taught):
    from hidream_studio import conversation
    from hidream_studio.studio import Turn

    studio = taught
    studio.engine.planner.budget_s = 0.0
    session = studio.new_session().id
    result = studio.handle(Turn(session, "a red circle"))
    assert result.decision.route is Route.GENERATE and result.decision.by in ("rules", "classifier")  # the fallback
    assert "planner: past its 0 s budget" in result.decision.reason
    assert result.head.recipe.prompt_sent == "a red circle"  # no expansion either
    thanks = studio.handle(Turn(session, "thanks!"))
    assert thanks.decision.route is Route.CHAT
    assert thanks.reply == conversation.reply(thanks.decision, "thanks!", has_canvas=True)  # the fixed reply
