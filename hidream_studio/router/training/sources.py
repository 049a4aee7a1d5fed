"""The public sources of the router's data: repository, commit, files, licence and labelling rule.

Each Source reads its examples from a git repository at a pinned commit. Repositories are looked
up in a cache folder (CACHE/owner+name/repo, a bare mirror, or CACHE/owner+name, a clone); a
missing one is cloned from GitHub into the cache (the only step that needs the network).
assets/router/DATA.md is the human-readable card of this list; keep the two in step.

split: "train" sources teach the shipped model; "heldout" sources never do - they measure it; "dev"
sources are not trained on either, but their misses were read to write the router's rules (so their
figures are not a held-out measure).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..lexicon import EN_CREATE
from ..model import EDIT, GENERATE, SOCIAL


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    source: str
    lang: str  # "en" | "zh"


class Repo:
    """Read-only access to one commit of a git repository (bare or not)."""

    def __init__(self, git_dir: Path, commit: str):
        self.git_dir, self.commit = git_dir, commit

    def _git(self, *args: str, data: bytes | None = None) -> bytes:
        return subprocess.run(["git", "--git-dir", str(self.git_dir), *args], input=data, check=True,
                              capture_output=True).stdout

    def ls(self, prefix: str, max_bytes: int | None = None) -> list[str]:
        """Paths under `prefix`; with max_bytes, only files smaller than that."""
        out = self._git("ls-tree", "-r", "-l", self.commit, "--", prefix).decode("utf-8")
        paths = []
        for line in out.splitlines():
            meta, path = line.split("\t", 1)
            size = meta.split()[3]
            if max_bytes is None or (size.isdigit() and int(size) < max_bytes):
                paths.append(path)
        return paths

    def read(self, path: str) -> bytes:
        return self._git("show", f"{self.commit}:{path}")

    def read_many(self, paths: list[str]) -> dict[str, bytes]:
        """Many files in one git process (cat-file --batch)."""
        request = "".join(f"{self.commit}:{p}\n" for p in paths).encode("utf-8")
        out, pos, result = self._git("cat-file", "--batch", data=request), 0, {}
        for path in paths:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            if header[-1] == b"missing":
                raise FileNotFoundError(f"{path} is not in {self.git_dir} at {self.commit}")
            size = int(header[2])
            result[path] = out[end + 1 : end + 1 + size]
            pos = end + 1 + size + 1
        return result


class RawFiles:
    """Single files of one commit of a repository too large to clone, each fetched on its own.

    They are kept at CACHE/owner+name/files/<commit>/<path>; a missing one is downloaded from
    raw.githubusercontent.com at that commit (the only step that needs the network)."""

    def __init__(self, folder: Path, repo: str, commit: str, fetch: bool):
        self.folder, self.repo, self.commit, self.fetch = folder / "files" / commit, repo, commit, fetch

    def read(self, path: str, commit: str | None = None) -> bytes:
        """`path` at the source's commit, or at `commit` (a file the source's commit does not hold)."""
        commit = commit or self.commit
        local = self.folder.parent / commit / path
        if not local.exists():
            if not self.fetch:
                raise FileNotFoundError(f"{path} of {self.repo}@{commit[:7]} is not in {local.parent}")
            import urllib.request

            url = f"https://raw.githubusercontent.com/{self.repo}/{commit}/{path}"
            with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - a fixed https host
                data = response.read()
            local.parent.mkdir(parents=True, exist_ok=True)
            tmp = local.with_suffix(local.suffix + ".part")
            tmp.write_bytes(data)
            tmp.replace(local)
        return local.read_bytes()


def open_repo(cache: Path, repo: str, commit: str, clone: bool = True) -> Repo:
    """The repository from the cache, cloned into it first when absent (FileNotFoundError instead
    when clone is False)."""
    folder = cache / repo.replace("/", "+")
    for git_dir in (folder / "repo", folder / ".git", folder):
        if (git_dir / "HEAD").exists() and (git_dir / "objects").exists():
            return Repo(git_dir, commit)
    if not clone:
        raise FileNotFoundError(f"{repo} is not in {cache}")
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "--bare", "--filter=blob:limit=8m", f"https://github.com/{repo}.git",
                    str(folder / "repo")], check=True)
    return Repo(folder / "repo", commit)


# ---------------------------------------------------------------------------------------------
# Readers: Repo -> texts. Each one's docstring is its labelling rule.
# ---------------------------------------------------------------------------------------------
def _lines(repo: Repo, *paths: str) -> list[str]:
    return [line.strip() for p in paths for line in repo.read(p).decode("utf-8").splitlines() if line.strip()]


def parti(repo: Repo) -> list[str]:
    """Every prompt of PartiPrompts.tsv (column Prompt): a request for a new image."""
    rows = repo.read("PartiPrompts.tsv").decode("utf-8").splitlines()[1:]
    return [r.split("\t")[0].strip() for r in rows if r.strip()]


def t2i_compbench(repo: Repo) -> list[str]:
    """Every line of examples/dataset/<category>.txt (the full lists, not the _train/_val copies)."""
    paths = [p for p in repo.ls("examples/dataset") if p.endswith(".txt") and "_" not in Path(p).stem.replace("3d_spatial", "3d")
             .replace("non_spatial", "nonspatial")]
    return _lines(repo, *paths)


def dpg_bench(repo: Repo) -> list[str]:
    """Every dpg_bench/prompts/*.txt file (one long prompt each)."""
    files = repo.read_many([p for p in repo.ls("dpg_bench/prompts") if p.endswith(".txt")])
    return [b.decode("utf-8").strip() for b in files.values() if b.strip()]


def geneval(repo: Repo) -> list[str]:
    """Every line of prompts/generation_prompts.txt."""
    return _lines(repo, "prompts/generation_prompts.txt")


def hunyuan_dit(repo: Repo) -> list[str]:
    """Every line of example_prompts.txt (Chinese prompts of the HunyuanDiT demo)."""
    return _lines(repo, "example_prompts.txt")


def _csv_column(repo: Repo, path: str, column: str) -> list[str]:
    import csv

    return [row[column] for row in csv.DictReader(io.StringIO(repo.read(path).decode("utf-8-sig")))]


def oneig_en(repo: Repo) -> list[str]:
    """The "prompt_en" of every row of OneIG-Bench.csv (anime, portraits, objects, text, knowledge)."""
    return _csv_column(repo, "OneIG-Bench.csv", "prompt_en")


def oneig_zh(repo: Repo) -> list[str]:
    """The "prompt_cn" of every row of OneIG-Bench-ZH.csv (the Chinese set, with its own
    multilingual and Chinese-text categories)."""
    return _csv_column(repo, "OneIG-Bench-ZH.csv", "prompt_cn")


def unigenbench_en(repo: Repo) -> list[str]:
    """The "prompt_en" of every row of data/test_prompts_en.csv and data/test_prompts_en_long.csv
    (the same 600 scenes, short and long)."""
    return [t for name in ("test_prompts_en", "test_prompts_en_long") for t in _csv_column(repo, f"data/{name}.csv", "prompt_en")]


def unigenbench_zh(repo: Repo) -> list[str]:
    """The "prompt_zh" of every row of data/test_prompts_zh.csv and data/test_prompts_zh_long.csv."""
    return [t for name in ("test_prompts_zh", "test_prompts_zh_long") for t in _csv_column(repo, f"data/{name}.csv", "prompt_zh")]


def coco_cn(repo: Repo) -> list[str]:
    """The caption (second column) of every line of data/coco-cn_ext.icap2020.txt: Chinese sentences
    written for COCO images ("三个甜甜圈旁边放着三种不同口味的蘸酱"), each the description of a picture."""
    return [line.split("\t", 1)[1] for line in _lines(repo, "data/coco-cn_ext.icap2020.txt") if "\t" in line]


def i2ebench(repo: Repo) -> list[str]:
    """The instructions of EditData/<dimension>/<dimension>*.json: both the original ("ori_exp")
    and the rephrased ("div_exp") wording, de-duplicated; those that open like a request for a new
    picture ("Generate an image that ...": the benchmark gives an image with them) are left out."""
    paths = [p for p in repo.ls("EditData") if p.endswith(".json")]
    texts: list[str] = []
    for blob in repo.read_many(paths).values():
        for item in json.loads(blob).values():
            texts += [item[k] for k in ("ori_exp", "div_exp") if isinstance(item.get(k), str)]
    return [t for t in texts if not EN_CREATE.match(t.strip())]


def imgedit(repo: Repo) -> list[str]:
    """The "prompt" of every item of Benchmark/Basic/basic_edit.json and Benchmark/UGE/UGE_edit.json."""
    texts = []
    for path in ("Benchmark/Basic/basic_edit.json", "Benchmark/UGE/UGE_edit.json"):
        texts += [item["prompt"] for item in json.loads(repo.read(path)).values()]
    return texts


def risebench(repo: Repo) -> list[str]:
    """The "instruction" of every item of data/data_total.json."""
    return [item["instruction"] for item in json.loads(repo.read("data/data_total.json"))]


def step1x_en(repo: Repo) -> list[str]:
    """The values of examples/prompt_en.json and examples/prompt_fix_hand.json."""
    return [v for p in ("examples/prompt_en.json", "examples/prompt_fix_hand.json")
            for v in json.loads(repo.read(p)).values()]


def step1x_zh(repo: Repo) -> list[str]:
    """The values of examples/prompt_cn.json."""
    return list(json.loads(repo.read("examples/prompt_cn.json")).values())


def complexbench_edit(repo: Repo) -> list[str]:
    """The "new_ins" of every item of data/instructions/*/final_update_v2.json: chains of two or three
    edits, one per line ("change the cat to white dog / add a collar on the white dog / delete the
    keyboard"), kept whole and also line by line."""
    paths = [p for p in repo.ls("data/instructions") if p.endswith("final_update_v2.json")]
    texts: list[str] = []
    for blob in repo.read_many(paths).values():
        for item in json.loads(blob).values():
            lines = [line.strip() for line in item["new_ins"].splitlines() if line.strip()]
            texts += [", ".join(lines), *lines]
    return texts


def adobe_requests(repo: Repo) -> list[str]:
    """Every sentence of "sents" in dataset/adobe/{train,valid,test}.json: requests people wrote for
    an image editor ("Lighten the whole image Remove some of the redness"), typos kept."""
    return [s for split in ("train", "valid", "test")
            for item in json.loads(repo.read(f"dataset/adobe/{split}.json")) for s in item["sents"]]


KRIS_CATEGORIES = (
    "abstract_reasoning", "anomaly_correction", "biology", "chemistry", "color_change", "count_change", "geography",
    "humanities", "mathematics", "medicine", "multi-element_composition", "multi-instruction_execution",
    "part_completion", "physics", "position_movement", "practical_knowledge", "rule-based_reasoning",
    "size_adjustment", "temporal_prediction", "viewpoint_change",
)  # fmt: skip


# position_movement/annotation.json is not in the source's commit; it is read at the commit that has it.
KRIS_FILE_COMMITS = {"position_movement": "e4f3ff4b53fc5aeb8b96df6cb35c19f7a80ea095"}


def kris_bench(repo: RawFiles) -> list[str]:
    """The English instruction ("ins_en") of every item of KRIS_Bench/<category>/annotation.json, all 20
    categories (knowledge and reasoning edits: "Show what this apple looks like after a week")."""
    return [item["ins_en"] for category in KRIS_CATEGORIES
            for item in json.loads(repo.read(f"KRIS_Bench/{category}/annotation.json",
                                             KRIS_FILE_COMMITS.get(category))).values()
            if isinstance(item.get("ins_en"), str)]


def _gpt4o_cases(repo: Repo) -> list[dict]:
    import yaml

    paths = [p for p in repo.ls("cases") if p.endswith("/case.yml")]
    return [yaml.safe_load(blob) for blob in repo.read_many(paths).values()]


# A reference note that makes the picture optional ("（可选）上传自定义 Logo 图片。"): such a prompt is
# both a request for a new picture and an edit, so it is left out of both sets.
OPTIONAL_REFERENCE = ("可选", "（可选", "(可选", "optional", "(optional")


def _gpt4o(repo: Repo, field: str, needs_picture: bool) -> list[str]:
    texts = []
    for case in _gpt4o_cases(repo):
        note = (case.get("reference_note") or "").strip()
        if note.lower().startswith(OPTIONAL_REFERENCE):
            continue
        if bool(note) == needs_picture and isinstance(case.get(field), str):
            texts.append(case[field])
    return texts


def gpt4o_edit_zh(repo: Repo) -> list[str]:
    """The Chinese "prompt" of every cases/*/case.yml whose "reference_note" names a picture the user
    uploads ("一张情侣照片。"): a request on a given picture. Optional references are left out."""
    return _gpt4o(repo, "prompt", needs_picture=True)


def gpt4o_edit_en(repo: Repo) -> list[str]:
    """The same cases' English "prompt_en"."""
    return _gpt4o(repo, "prompt_en", needs_picture=True)


def gpt4o_generate_zh(repo: Repo) -> list[str]:
    """The Chinese "prompt" of every case with an empty "reference_note": a new picture."""
    return _gpt4o(repo, "prompt", needs_picture=False)


def gpt4o_generate_en(repo: Repo) -> list[str]:
    """The same cases' English "prompt_en"."""
    return _gpt4o(repo, "prompt_en", needs_picture=False)


def _nano_banana_edits(repo: Repo, path: str) -> list[str]:
    """The prompt (first fenced block) of every "### " case of `path` whose table shows an input
    picture (an images/.../input*.jpg cell)."""
    texts = []
    for case in repo.read(path).decode("utf-8").split("\n### ")[1:]:
        table, _, rest = case.partition("```")
        block = re.match(r"[^\n]*\n(.*?)```", rest, re.S)
        if block and re.search(r"images/[^\s\"']*input[^\s\"']*\.(?:jpe?g|png|webp)", table, re.I):
            texts.append(block.group(1).strip())
    return texts


def nano_banana_edit_zh(repo: Repo) -> list[str]:
    """The prompt of every case of README.md that shows an input picture ("修复并为这张照片上色"):
    requests people shared for an image editor, each made on a given picture."""
    return _nano_banana_edits(repo, "README.md")


def nano_banana_edit_en(repo: Repo) -> list[str]:
    """The same rule over README_en.md."""
    return _nano_banana_edits(repo, "README_en.md")


CHITCHAT_PATH = "samples/csharp/assistants/virtual-assistant/VirtualAssistantSample/Deployment/Resources/QnA"
# A chit-chat question that asks for a picture ("Can you draw something?", "Take a photo", "给我画个画")
# is a picture request in this studio, whatever the chit-chat set answers: left out.
PICTURE_WORDS = re.compile(r"\b(?:draw\w*|paint\w*|pictures?|photo\w*|images?|sketch\w*|selfies?|pic)\b|画|图|照|相片",
                           re.IGNORECASE)


def _chitchat(repo: Repo, locale: str) -> list[str]:
    text = repo.read(f"{CHITCHAT_PATH}/{locale}/Chitchat.qna").decode("utf-8-sig")
    questions = [m.group(1) for m in re.finditer(r"^(?:## \?|-) (.+)$", text, re.MULTILINE)]
    return [q for q in questions if not PICTURE_WORDS.search(q)]


def chitchat_en(repo: Repo) -> list[str]:
    """Every question of every QnA pair of en-us/Chitchat.qna (the "## ?" line and its "- " variants:
    "Are you a bot?", "You're so boring", "Good night"), less those with a picture word (PICTURE_WORDS)."""
    return _chitchat(repo, "en-us")


def chitchat_zh(repo: Repo) -> list[str]:
    """The same rule over zh-cn/Chitchat.qna ("你是机器人吗", "晚安")."""
    return _chitchat(repo, "zh-cn")


def taskmaster4_closings(repo: Repo) -> list[str]:
    """The last user turn of every dialogue with two or more user turns in TM-4-2024/data/data_*.json:
    how people close a task dialogue with an assistant ("Yes, looks good.", "That's perfect.")."""
    paths = [p for p in repo.ls("TM-4-2024/data") if p.endswith(".json")]
    texts = []
    for blob in repo.read_many(paths).values():
        for dialogue in json.loads(blob):
            turns = [u["text"] for u in dialogue["utterances"] if u["speaker"] == "user"]
            if len(turns) >= 2:
                texts.append(turns[-1])
    return texts


# ChatterBot corpus categories of everyday talk (the others are quiz questions and their short answers).
CHATTERBOT_CATEGORIES = ("greetings", "conversations", "emotion", "humor", "ai", "botprofile", "psychology", "gossip")


def _chatterbot(repo: Repo, language: str) -> list[str]:
    import yaml

    paths = [f"chatterbot_corpus/data/{language}/{c}.yml" for c in CHATTERBOT_CATEGORIES]
    return [str(conversation[0]) for blob in repo.read_many(paths).values()
            for conversation in yaml.safe_load(blob)["conversations"] if conversation]


def chatterbot_en(repo: Repo) -> list[str]:
    """The opening line of every conversation of chatterbot_corpus/data/english/<category>.yml, for the
    CHATTERBOT_CATEGORIES of everyday talk ("Good morning, how are you?", "Tell me a joke")."""
    return _chatterbot(repo, "english")


def chatterbot_zh(repo: Repo) -> list[str]:
    """The same rule over chatterbot_corpus/data/chinese ("早上好，你好吗?", "你真刻薄")."""
    return _chatterbot(repo, "chinese")


# CLINC150's intents of pure conversation: the whole small_talk domain (thanks, goodbyes, greetings,
# questions about the assistant, jokes) and the meta domain's yes / no / maybe / repeat.
CLINC_SOCIAL_INTENTS = {
    "who_made_you", "meaning_of_life", "who_do_you_work_for", "do_you_have_pets", "what_are_your_hobbies",
    "fun_fact", "what_is_your_name", "where_are_you_from", "goodbye", "thank_you", "greeting", "tell_joke",
    "are_you_a_bot", "how_old_are_you", "what_can_i_ask_you", "yes", "no", "maybe", "repeat",
}  # fmt: skip


def clinc_social(repo: Repo) -> list[str]:
    """Every utterance (train, val and test) of data/data_full.json whose intent is one of
    CLINC_SOCIAL_INTENTS ("thanks for helping", "nope that's not it", "tell me a dog joke")."""
    data = json.loads(repo.read("data/data_full.json"))
    return [text for split in ("train", "val", "test") for text, intent in data[split]
            if intent in CLINC_SOCIAL_INTENTS]


# Dialogue acts that make a user turn pure conversation (no request the studio could act on).
SGD_SOCIAL_ACTS = {"THANK_YOU", "GOODBYE", "NEGATE", "AFFIRM", "SELECT"}


# The dialogue files used are those under 4 MiB (the mirror the card was built from holds no larger
# file; the rule keeps a fresh clone to the same files).
SGD_MAX_BYTES = 4 * 1024 * 1024


def _sgd(repo: Repo, folder: str) -> list[str]:
    paths = [p for p in repo.ls(folder, SGD_MAX_BYTES) if Path(p).name.startswith("dialogues_")]
    texts = []
    for blob in repo.read_many(paths).values():
        for dialogue in json.loads(blob):
            for turn in dialogue["turns"]:
                acts = {a["act"] for f in turn["frames"] for a in f["actions"]}
                if turn["speaker"] == "USER" and acts and acts <= SGD_SOCIAL_ACTS:
                    texts.append(turn["utterance"])
    return texts


def sgd_train(repo: Repo) -> list[str]:
    """User turns of train/dialogues_*.json whose dialogue acts are all THANK_YOU, GOODBYE, NEGATE,
    AFFIRM or SELECT ("No, that's all. Thanks.", "Sounds great!")."""
    return _sgd(repo, "train")


def sgd_heldout(repo: Repo) -> list[str]:
    """The same rule over dev/ and test/ (other dialogues, never trained on)."""
    return _sgd(repo, "dev") + _sgd(repo, "test")


def _crosswoz(repo: Repo, path: str) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(repo.read(path))) as z:
        data = json.loads(z.read(z.namelist()[0]))
    texts = []
    for dialogue in data.values():
        for m in dialogue["messages"]:
            acts = m["dialog_act"]
            if m["role"] == "usr" and acts and all(a[0] == "General" for a in acts):
                texts.append(m["content"])
    return texts


def crosswoz_val(repo: Repo) -> list[str]:
    """User turns of data/crosswoz/val.json.zip whose dialogue acts are all General (thank, bye,
    greet): "好的，收到，谢谢你！"."""
    return _crosswoz(repo, "data/crosswoz/val.json.zip")


def crosswoz_test(repo: Repo) -> list[str]:
    """The same rule over data/crosswoz/test.json.zip (other dialogues, never trained on)."""
    return _crosswoz(repo, "data/crosswoz/test.json.zip")


def crosswoz_attractions(repo: Repo) -> list[str]:
    """The name of every attraction of data/crosswoz/database/attraction_db.json ("颐和园"): a bare
    place name typed alone asks for a picture of it."""
    return [item[0] for item in json.loads(repo.read("data/crosswoz/database/attraction_db.json"))]


@dataclass(frozen=True)
class Source:
    name: str
    repo: str
    commit: str
    licence: str
    lang: str
    intent: str
    split: str  # "train" | "dev" | "heldout"
    read: Callable[[Repo], list[str]]
    raw: bool = False  # files fetched one by one (RawFiles), not a clone

    def examples(self, cache: Path, clone: bool = True) -> list[Example]:
        seen, out = set(), []
        if self.raw:
            where = RawFiles(cache / self.repo.replace("/", "+"), self.repo, self.commit, fetch=clone)
        else:
            where = open_repo(cache, self.repo, self.commit, clone)
        for text in self.read(where):
            text = " ".join(text.split())
            if text and text not in seen:
                seen.add(text)
                out.append(Example(text, self.intent, self.name, self.lang))
        return out


NANO_BANANA_COMMIT = "7d344750a40e9061821d4fdf1ef22bdc3a970ead"
CHITCHAT_COMMIT = "08ad18f11250dc2f301dd33a27672184ea9624c4"
UNIGENBENCH_COMMIT = "49d0bcebb0b9418d975d3957c2fee10f34811d14"
CHATTERBOT_COMMIT = "a01efece26661309b870af0251d96f94ee09fb19"
GPT4O_COMMIT = "3ed4dbb0f1ae6f7385c81e1fcea48d9eefd2e596"

SOURCES: tuple[Source, ...] = (
    # new images, English
    Source("partiprompts", "google-research/parti", "5a657978134374ce28973948331b319adef164bd", "Apache-2.0",
           "en", GENERATE, "train", parti),
    Source("t2i-compbench", "Karine-Huang/T2I-CompBench", "1b7094991a57f3c22abdd4f6e8ba6c1a15517073", "MIT",
           "en", GENERATE, "train", t2i_compbench),
    Source("dpg-bench", "TencentQQGYLab/ELLA", "3c228f1dc6c4d3cad0a47493816151a419f14db3", "Apache-2.0",
           "en", GENERATE, "train", dpg_bench),
    Source("unigenbench-en", "CodeGoat24/UniGenBench", UNIGENBENCH_COMMIT, "CC-BY-4.0",
           "en", GENERATE, "train", unigenbench_en),
    Source("geneval", "djghosh13/geneval", "af4902f24d3ca90ebbb446dd9891a59e0f82725f", "MIT",
           "en", GENERATE, "heldout", geneval),
    Source("oneig-bench-en", "OneIG-Bench/OneIG-Benchmark", "41b49831e79e6dde5323618c164da1c4cf0f699d",
           "none stated", "en", GENERATE, "heldout", oneig_en),
    Source("gpt4o-generate-en", "jamez-bondos/awesome-gpt4o-images", GPT4O_COMMIT, "CC-BY-4.0",
           "en", GENERATE, "heldout", gpt4o_generate_en),
    # new images, Chinese
    Source("gpt4o-generate-zh", "jamez-bondos/awesome-gpt4o-images", GPT4O_COMMIT, "CC-BY-4.0",
           "zh", GENERATE, "heldout", gpt4o_generate_zh),
    Source("oneig-bench-zh", "OneIG-Bench/OneIG-Benchmark", "41b49831e79e6dde5323618c164da1c4cf0f699d",
           "none stated", "zh", GENERATE, "heldout", oneig_zh),
    Source("hunyuandit-prompts", "Tencent/HunyuanDiT", "368280ec35119ed2741a30cc5b40aafde34f8a8a",
           "Tencent Hunyuan Community License", "zh", GENERATE, "heldout", hunyuan_dit),
    Source("unigenbench-zh", "CodeGoat24/UniGenBench", UNIGENBENCH_COMMIT, "CC-BY-4.0",
           "zh", GENERATE, "train", unigenbench_zh),
    Source("coco-cn-captions", "li-xirong/coco-cn", "22b218e394627df60ee3a05a72be080624728a99", "MIT",
           "zh", GENERATE, "train", coco_cn),
    Source("crosswoz-attractions", "thu-coai/CrossWOZ", "df82c9fdff91b9b130f2d6b89110d3870ba6260e", "Apache-2.0",
           "zh", GENERATE, "train", crosswoz_attractions),
    # edits, English
    Source("i2ebench", "cocoshe/I2EBench", "7de50e3fb82c4cc2073700d727c6cecd50b68f0d", "Apache-2.0",
           "en", EDIT, "train", i2ebench),
    Source("imgedit-bench", "PKU-YuanGroup/ImgEdit", "547185d12c08267a862b94248576e1746e479937", "none stated",
           "en", EDIT, "heldout", imgedit),
    Source("risebench", "PhoenixZ810/RISEBench", "5f226519b25c005bb32fb83864bbd1845ab85c23", "none stated",
           "en", EDIT, "heldout", risebench),
    Source("complexbench-edit", "llllly26/ComplexBench-Edit", "a84e08325da847f1a694cea1dd3bc7a298f54342", "MIT",
           "en", EDIT, "train", complexbench_edit),
    Source("adobe-requests", "airsplay/VisualRelationships", "9bee562ddb09e0872fd949bc1e7b1b3eaeb8e504",
           "none stated", "en", EDIT, "heldout", adobe_requests),
    Source("kris-bench", "mercurystraw/Kris_Bench", "800662d11b38d72747f39b11acd904fb8b0141d2", "none stated",
           "en", EDIT, "heldout", kris_bench, raw=True),
    Source("step1x-edit-en", "stepfun-ai/Step1X-Edit", "570eba6ebda0c45c013983a483afbf2fd12bfcbc", "Apache-2.0",
           "en", EDIT, "heldout", step1x_en),
    Source("nano-banana-edit-en", "PicoTrex/Awesome-Nano-Banana-images", NANO_BANANA_COMMIT, "CC-BY-4.0",
           "en", EDIT, "dev", nano_banana_edit_en),
    Source("gpt4o-edit-en", "jamez-bondos/awesome-gpt4o-images", GPT4O_COMMIT, "CC-BY-4.0",
           "en", EDIT, "heldout", gpt4o_edit_en),
    # edits, Chinese
    Source("nano-banana-edit-zh", "PicoTrex/Awesome-Nano-Banana-images", NANO_BANANA_COMMIT, "CC-BY-4.0",
           "zh", EDIT, "dev", nano_banana_edit_zh),
    Source("gpt4o-edit-zh", "jamez-bondos/awesome-gpt4o-images", GPT4O_COMMIT, "CC-BY-4.0",
           "zh", EDIT, "heldout", gpt4o_edit_zh),
    Source("step1x-edit-zh", "stepfun-ai/Step1X-Edit", "570eba6ebda0c45c013983a483afbf2fd12bfcbc", "Apache-2.0",
           "zh", EDIT, "heldout", step1x_zh),
    # conversation
    Source("sgd-train", "google-research-datasets/dstc8-schema-guided-dialogue",
           "e852981ae34990f4358979625854259302feaa78", "CC-BY-SA-4.0", "en", SOCIAL, "train", sgd_train),
    Source("sgd-devtest", "google-research-datasets/dstc8-schema-guided-dialogue",
           "e852981ae34990f4358979625854259302feaa78", "CC-BY-SA-4.0", "en", SOCIAL, "heldout", sgd_heldout),
    Source("taskmaster4-closings", "google-research-datasets/Taskmaster", "d92cb6af3005f1dc09c39e75e7daf4a04905e00b",
           "CC-BY-4.0", "en", SOCIAL, "heldout", taskmaster4_closings),
    Source("clinc150-small-talk", "clinc/oos-eval", "828f8093932c8fe6ca7936c3d2e52903b1c523de", "CC-BY-3.0",
           "en", SOCIAL, "heldout", clinc_social),
    Source("chitchat-en", "microsoft/botframework-solutions", CHITCHAT_COMMIT, "MIT",
           "en", SOCIAL, "train", chitchat_en),
    Source("chitchat-zh", "microsoft/botframework-solutions", CHITCHAT_COMMIT, "MIT",
           "zh", SOCIAL, "train", chitchat_zh),
    Source("chatterbot-en", "gunthercox/chatterbot-corpus", CHATTERBOT_COMMIT, "BSD-3-Clause",
           "en", SOCIAL, "heldout", chatterbot_en),
    Source("chatterbot-zh", "gunthercox/chatterbot-corpus", CHATTERBOT_COMMIT, "BSD-3-Clause",
           "zh", SOCIAL, "heldout", chatterbot_zh),
    Source("crosswoz-val", "thu-coai/CrossWOZ", "df82c9fdff91b9b130f2d6b89110d3870ba6260e", "Apache-2.0",
           "zh", SOCIAL, "train", crosswoz_val),
    Source("crosswoz-test", "thu-coai/CrossWOZ", "df82c9fdff91b9b130f2d6b89110d3870ba6260e", "Apache-2.0",
           "zh", SOCIAL, "heldout", crosswoz_test),
)


def load(cache: Path, split: str | None = None, names: Iterable[str] | None = None,
         clone: bool = True) -> list[Example]:
    """Examples of every source of `split` (both when None), optionally only the named sources."""
    wanted = set(names) if names is not None else None
    out: list[Example] = []
    for source in SOURCES:
        if (split is None or source.split == split) and (wanted is None or source.name in wanted):
            out += source.examples(cache, clone)
    return out
