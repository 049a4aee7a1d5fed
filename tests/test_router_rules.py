"""The router's structural rules on top of the intent model: tasks on a given picture, requests that
draw or name the picture on the canvas, verbs that only act on pictures, and the talk they must not
catch. Each rule is checked with the shipped model and against the conversation it must leave alone."""

from __future__ import annotations

import json
import subprocess

import pytest

from hidream_studio.domain import ChatKind, Route
from hidream_studio.router import canvas, route
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


def _commit(repo, files: dict[str, str]) -> sources.Repo:
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text, encoding="utf-8")
    _git(repo.parent, "init", "-q", str(repo))
    _git(repo, "add", ".")
    _git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "data")
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    return sources.Repo(repo / ".git", head)


def test_new_public_readers_read_their_files_from_a_pinned_commit(tmp_path):
    """The ComplexBench-Edit, Adobe and OneIG readers on a repository laid out like theirs."""
    at = _commit(tmp_path / "src", {
        "data/instructions/two-chain/final_update_v2.json": json.dumps(
            {"1": {"new_ins": "change the cat to a dog\r\nadd a collar on the dog"}}),
        **{f"dataset/adobe/{split}.json": json.dumps([{"sents": [f"brighten it {split}"]}])
           for split in ("train", "valid", "test")},
        "OneIG-Bench.csv": "category,id,prompt_en\nPortrait,000,\"a man, smiling\"\n",
        "OneIG-Bench-ZH.csv": "category,id,prompt_cn\nPortrait,000,一位微笑的老人\n",
    })
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


@pytest.mark.parametrize("message", [
    "把照片里的小狗换成一只猫", "根据我上传的照片做一个Q版贴纸", "让图2中的人物穿上图1的外套",
    "保持人物的面部特征，把背景换成海边", "修复这张老照片，再把它变成彩色",
    "Turn my uploaded selfie into a watercolor portrait", "Create a sticker of the user as a superhero with a red cape",
    "Use the reference image to dress the girl in a red coat",
])  # fmt: skip
def test_a_picture_the_user_gives_is_edited_in_both_languages(message):
    assert route(message, has_canvas=True).route is Route.EDIT


@pytest.mark.parametrize("message", [
    "这幅图像以水彩风格呈现。湖边有一座小木屋，屋顶上落满了雪。", "这张照片捕捉了一只在雪地里奔跑的狐狸",
    "Transform the {🍩} into a fluffy plush toy on a pastel background", "将守株待兔的故事画出来",
])  # fmt: skip
def test_descriptions_templates_and_stories_to_draw_stay_new_pictures(message):
    assert route(message, has_canvas=True).route is Route.GENERATE
    assert route(message, has_canvas=False).route is Route.GENERATE


@pytest.mark.parametrize("message", [
    "Here is a tic-tac-toe board where X has two in a row. What is the winning move? Draw it.",
    "Appearance of the apple after a week on the kitchen counter",
    "Connect each animal on the left to its food on the right with lines",
    "Put a candle on the cake", "Apply a bandage at the appropriate spot",
    "At the party, remove the balloons that are red", "Ignite the candle on the left",
])  # fmt: skip
def test_what_a_request_does_to_the_things_shown_edits_them(message):
    assert route(message, has_canvas=True).route is Route.EDIT


def test_a_long_description_is_a_picture_and_long_thanks_stay_conversation():
    scene = ("在一个下着小雨的清晨，古老的石桥上站着一位撑着红伞的姑娘，桥下的河水泛着涟漪，"
             "远处的山峦笼罩在薄雾之中，屋檐下挂着一排灯笼。")
    assert canvas.long_description(scene, after_talk=False)
    assert route(scene, has_canvas=True).route is Route.GENERATE
    for thanks in ("Thanks so much, that is exactly the birthday card I had in mind for my daughter and she is "
                   "going to love every little detail of it",
                   "我们聊得很开心，谢谢你今天陪我做了这么多张图，真的辛苦了，下次我还会来找你一起画画的，再见啦朋友"):
        assert not canvas.long_description(thanks, after_talk=False)
        assert route(thanks, has_canvas=True).route is Route.CHAT


def test_prompt_collection_readers_label_by_the_picture_a_case_needs(tmp_path):
    """awesome-gpt4o-images: a reference note makes an edit, none a new picture, an optional one neither;
    Nano-Banana: only cases whose table shows an input picture."""
    case = "prompt: |\n  {zh}\nprompt_en: |\n  {en}\nreference_note: \"{note}\"\n"
    at = _commit(tmp_path / "gpt4o", {
        "cases/1/case.yml": case.format(zh="把照片变成油画", en="Turn the photo into an oil painting", note="一张照片。"),
        "cases/2/case.yml": case.format(zh="一只猫", en="A cat", note=""),
        "cases/3/case.yml": case.format(zh="金色吊坠", en="A gold pendant", note="（可选）可上传图片"),
    })
    assert sources.gpt4o_edit_zh(at) == ["把照片变成油画\n"] and sources.gpt4o_edit_en(at) == ["Turn the photo into an oil painting\n"]
    assert sources.gpt4o_generate_zh(at) == ["一只猫\n"] and sources.gpt4o_generate_en(at) == ["A cat\n"]
    readme = ("# Cases\n\n### 例 1: 上色\n\n| 输入 | 输出 |\n| :-: | :-: |\n"
              "| <img src=\"images/case1/input.jpg\"> | <img src=\"images/case1/output.jpg\"> |\n\n"
              "**提示词:**\n\n```\n修复并为这张照片上色\n```\n\n"
              "### 例 2: 海报\n\n| 输出 |\n| :-: |\n| <img src=\"images/case2/output.jpg\"> |\n\n```\n一张海报\n```\n")
    at = _commit(tmp_path / "nano", {"README.md": readme, "README_en.md": readme.replace("修复并为这张照片上色", "Colorize it")})
    assert sources.nano_banana_edit_zh(at) == ["修复并为这张照片上色"] and sources.nano_banana_edit_en(at) == ["Colorize it"]


def test_conversation_readers_keep_talk_and_leave_out_picture_requests(tmp_path):
    qna = ("> Source: qna_chitchat_Professional\n## ? Are you a bot?\n- Are you human\n- Can you draw a picture?\n\n"
           "```markdown\nI'm a bot.\n```\n")
    chat_yml = "categories:\n- greetings\nconversations:\n- - {q}\n  - {a}\n"
    files = {f"{sources.CHITCHAT_PATH}/en-us/Chitchat.qna": qna,
             f"{sources.CHITCHAT_PATH}/zh-cn/Chitchat.qna": qna.replace("Are you a bot?", "你是机器人吗").replace(
                 "Are you human", "你是人吗").replace("Can you draw a picture?", "你会画画吗"),
             "data/data_full.json": json.dumps({
                 "train": [["thanks a lot", "thank_you"], ["book a flight", "book_flight"]],
                 "val": [["nope", "no"]], "test": [["tell me a dog joke", "tell_joke"]]}),
             "TM-4-2024/data/data_00.json": json.dumps([
                 {"utterances": [{"speaker": "user", "text": "A latte, please."}, {"speaker": "assistant", "text": "Ok."},
                                 {"speaker": "user", "text": "Yes, looks good."}]},
                 {"utterances": [{"speaker": "user", "text": "Do you sell batteries?"}]}])}
    for category in sources.CHATTERBOT_CATEGORIES:
        files[f"chatterbot_corpus/data/english/{category}.yml"] = chat_yml.format(q=f"Hello {category}", a="Hi")
        files[f"chatterbot_corpus/data/chinese/{category}.yml"] = chat_yml.format(q=f"你好 {category}", a="嗨")
    at = _commit(tmp_path / "talk", files)
    assert sources.chitchat_en(at) == ["Are you a bot?", "Are you human"]
    assert sources.chitchat_zh(at) == ["你是机器人吗", "你是人吗"]
    assert sources.clinc_social(at) == ["thanks a lot", "nope", "tell me a dog joke"]
    assert sources.chatterbot_en(at)[0] == "Hello greetings" and len(sources.chatterbot_zh(at)) == 8
    assert sources.taskmaster4_closings(at) == ["Yes, looks good."]


def test_prompt_set_readers_read_every_row(tmp_path):
    at = _commit(tmp_path / "prompts", {
        "data/test_prompts_en.csv": "index,prompt_en,sub_dims\n0,\"A fox, asleep\",{}\n",
        "data/test_prompts_en_long.csv": "index,prompt_en,sub_dims\n0,A fox asleep in the snow at dusk,{}\n",
        "data/test_prompts_zh.csv": "index,prompt_zh,sub_dims_zh\n0,一只熊猫,{}\n",
        "data/test_prompts_zh_long.csv": "index,prompt_zh,sub_dims_zh\n0,一只熊猫在竹林里吃竹子,{}\n",
        "data/coco-cn_ext.icap2020.txt": "COCO_val2014_1#0\t三个甜甜圈\nno-caption-line\n",
    })
    assert sources.unigenbench_en(at) == ["A fox, asleep", "A fox asleep in the snow at dusk"]
    assert sources.unigenbench_zh(at) == ["一只熊猫", "一只熊猫在竹林里吃竹子"]
    assert sources.coco_cn(at) == ["三个甜甜圈"]


@pytest.mark.parametrize("message", ["what would this look like in winter", "How would it look with a red roof?",
                                     "如果是冬天会是什么样子", "less cluttered", "a bit more contrast"])
def test_how_it_would_look_and_bare_comparatives_edit_the_canvas(message):
    assert route(message, has_canvas=True).route is Route.EDIT


def test_how_it_would_look_with_no_canvas_says_there_is_no_picture():
    decision = route("what would this look like in winter?", has_canvas=False)
    assert decision.route is Route.CHAT and decision.chat is ChatKind.NO_CANVAS
    assert route("what does it look like?", has_canvas=True).route is Route.CHAT


@pytest.mark.parametrize("message", [
    "Can you explain to me how the studio works and what kinds of things I can ask you to do here with my pictures?",
    "honestly I was hoping for something a little different but I guess it is fine for now and we can keep going later",
    "what kinds of pictures are you best at making and is there anything I should avoid asking for in my prompts",
    "我觉得这张图整体还可以，但是颜色有点奇怪，构图也有点乱，不太像我想要的那种感觉，就这样先放着吧以后再改也行",
])  # fmt: skip
def test_long_talk_about_the_studio_or_ones_mind_makes_no_version(message):
    assert route(message, has_canvas=True).route is Route.CHAT


@pytest.mark.parametrize("message", ["Turn the two people in my photo into chibi figures at a wedding",
                                     "将照片里的两个人转换成Q版3D人物", "根据上传的照片做一个手办"])
def test_a_request_on_a_given_picture_with_no_canvas_is_answered_not_drawn(message):
    decision = route(message, has_canvas=False)
    assert decision.route is Route.CHAT and decision.chat is ChatKind.NO_CANVAS
    assert route(message, has_canvas=True).route is Route.EDIT
