"""The router's structural rules on top of the intent model: tasks on a given picture, requests that
draw or name the picture on the canvas, verbs that only act on pictures, and the talk they must not
catch. Each rule is checked with the shipped model and against the conversation it must leave alone."""

from __future__ import annotations

import json
import subprocess

import pytest

from hidream_studio.domain import Route
from hidream_studio.router import route
from hidream_studio.router.features import feature_names, task_on_a_given_picture
from hidream_studio.router.training import project, sources


@pytest.mark.parametrize("message", [
    "This is a maze, where black cells are walls. Draw the path from the red dot to the green dot.",
    "Below is a board with nine squares. Mark the winning move in red.",
    "In the current graph, the numbers are distances between the cities. Please highlight the shortest route.",
    "这是一张地图，黑色的是河流。请用红色标出最短的路线。",
])  # fmt: skip
def test_a_task_on_the_picture_it_describes_is_an_edit(message):
    assert task_on_a_given_picture(message)
    decision = route(message, has_canvas=True)
    assert decision.route is Route.EDIT and decision.by == "rules"


def test_a_scene_description_with_several_sentences_is_not_a_task():
    scene = "A lighthouse on a cliff at dusk. Waves crash below. The sky is orange and purple."
    assert not task_on_a_given_picture(scene)
    assert route(scene, has_canvas=True).route is Route.GENERATE


def test_later_sentences_are_features_of_their_own():
    names = feature_names("This is a chessboard. Circle the odd one out.")
    assert {"s:presents", "s:later-instruction", "sfirst:circle"} <= set(names)


@pytest.mark.parametrize("message", [
    "Draw the front view of this building",
    "Generate an image that stacks these blocks from largest to smallest",
    "Generate an image of a small table using the provided components",
    "Please draw the correct shape in the '?' box",
])  # fmt: skip
def test_a_request_to_draw_what_the_canvas_shows_edits_it(message):
    assert route(message, has_canvas=True).route is Route.EDIT
    assert route(message, has_canvas=False).route is not Route.EDIT  # nothing to edit yet


def test_a_long_description_that_mentions_this_scene_stays_a_new_image():
    prompt = ("Create an image featuring a young woman reading on a balcony, with potted plants around her and a "
              "city at dusk behind. This scene should feel calm and warm.")
    assert route(prompt, has_canvas=True).route is Route.GENERATE


@pytest.mark.parametrize("message", [
    "heat the corn kernels in the picture", "open the seed in the image", "the fruit in this photo when ripe",
    "把图中的苹果切开",
])  # fmt: skip
def test_a_short_request_that_names_the_picture_edits_the_canvas(message):
    assert route(message, has_canvas=True).route is Route.EDIT


@pytest.mark.parametrize("message", [
    "crop photo", "enlarge this whole photo", "take out this whole background", "take away all the people",
    "put a tuxedo on the frog", "remove the glare on her glasses",
])  # fmt: skip
def test_picture_verbs_are_never_conversation(message):
    assert route(message, has_canvas=True).route is Route.EDIT


@pytest.mark.parametrize("message", [
    "have a great day!", "cool, that's it for now", "give it a try, sure", "yes, please make it",
    "ok, add it to my calendar", "I love this picture!", "let me think about it", "keep it up!", "correct, thanks",
])  # fmt: skip
def test_talk_that_opens_with_a_verb_makes_no_version(message):
    assert route(message, has_canvas=True).route not in (Route.EDIT, Route.GENERATE, Route.VARIATION)


def test_project_phrasings_are_deterministic_and_labelled():
    first, second = project.phrasings(), project.phrasings()
    assert [(e.text, e.intent) for e in first] == [(e.text, e.intent) for e in second]
    sources_seen = {e.source for e in first}
    assert {"project-tasks-en", "project-tasks-zh", "project-retouch-en", "project-actions-en"} <= sources_seen
    framed = project.framed_prompts([sources.Example("a red fox in the snow", "generate", "t", "en")])
    assert framed and all(e.intent == "generate" for e in framed)
    assert {"project-framed-en", "project-framed-zh"} == {e.source for e in framed}


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_new_public_readers_read_their_files_from_a_pinned_commit(tmp_path):
    """The ComplexBench-Edit, Adobe and OneIG readers on a repository laid out like theirs."""
    repo = tmp_path / "src"
    (repo / "data/instructions/two-chain").mkdir(parents=True)
    (repo / "dataset/adobe").mkdir(parents=True)
    (repo / "data/instructions/two-chain/final_update_v2.json").write_text(json.dumps(
        {"1": {"new_ins": "change the cat to a dog\r\nadd a collar on the dog"}}))
    for split in ("train", "valid", "test"):
        (repo / f"dataset/adobe/{split}.json").write_text(json.dumps([{"sents": [f"brighten it {split}"]}]))
    (repo / "OneIG-Bench.csv").write_text("category,id,prompt_en\nPortrait,000,\"a man, smiling\"\n")
    (repo / "OneIG-Bench-ZH.csv").write_text("category,id,prompt_cn\nPortrait,000,一位微笑的老人\n", encoding="utf-8")
    _git(repo.parent, "init", "-q", str(repo))
    _git(repo, "add", ".")
    _git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "data")
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    at = sources.Repo(repo / ".git", head)
    assert sources.complexbench_edit(at) == [
        "change the cat to a dog, add a collar on the dog", "change the cat to a dog", "add a collar on the dog"]
    assert sources.adobe_requests(at) == ["brighten it train", "brighten it valid", "brighten it test"]
    assert sources.oneig_en(at) == ["a man, smiling"] and sources.oneig_zh(at) == ["一位微笑的老人"]


def test_single_files_are_read_from_the_cache_and_never_fetched_when_told_not_to(tmp_path):
    commit, other = "a" * 40, "b" * 40
    for c, cat in ((commit, "biology"), (other, "position_movement")):
        path = tmp_path / "o+r" / "files" / c / "KRIS_Bench" / cat / "annotation.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"1": {"ins_en": f"{cat} edit"}, "2": {"ins_en": None}}))
    files = sources.RawFiles(tmp_path / "o+r", "o/r", commit, fetch=False)
    assert json.loads(files.read("KRIS_Bench/biology/annotation.json"))["1"]["ins_en"] == "biology edit"
    assert json.loads(files.read("KRIS_Bench/position_movement/annotation.json", other))["1"]["ins_en"]
    with pytest.raises(FileNotFoundError, match="is not in"):
        files.read("KRIS_Bench/physics/annotation.json")


@pytest.mark.parametrize("message", [
    "Align the centers of the two circles", "Modify it into an example of an atrial fibrillation ECG",
    "Rotate the cup so the handle faces left",
])  # fmt: skip
def test_an_opening_edit_verb_edits_the_canvas(message):
    assert route(message, has_canvas=True).route is Route.EDIT


@pytest.mark.parametrize("message", [
    "Show two soccer players leaping for a header in a packed stadium",
    "Bring to life a colorful dessert menu against a pastel background",
    "Make me a poster for a jazz festival",
])  # fmt: skip
def test_verbs_that_also_ask_for_a_new_picture_are_left_to_the_model(message):
    assert route(message, has_canvas=True).route is Route.GENERATE


@pytest.mark.parametrize("message", [
    "Use the object in the image as the main visual, on a dark wooden table with soft light from the left",
    "Based on the given image, design a modern food-themed poster. Keep the burger in the center.",
    "Draw the front view of the object based on its side view.",
    "Park the cars from the second and third images on the street in the first image.",
    "Mark the length of side BC in the diagram",
    "Pour some yellow oil into the measuring cup",
])  # fmt: skip
def test_requests_that_point_at_a_given_picture_edit_it(message):
    assert route(message, has_canvas=True).route is Route.EDIT


@pytest.mark.parametrize("message", [
    "This picture is in the cubism style. A girl and a boy watch a street musician under the rain.",
    "An antique typewriter on a wooden table. The colors in the image are warm and faded.",
])  # fmt: skip
def test_descriptions_of_the_new_picture_stay_new_pictures(message):
    assert route(message, has_canvas=True).route is Route.GENERATE
