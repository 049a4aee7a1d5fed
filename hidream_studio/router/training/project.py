"""The project's own phrasings: hand-written lines plus short compositions from small word lists.

assets/router/project/<intent>.<lang>.txt hold one message a line (all used for training).
`composed()` multiplies the hand-written patterns of edits and Chinese prompts by word lists,
with a fixed seed, so the model sees each construction with many objects rather than one.
assets/router/mixed_turns.tsv (message, canvas, route) is never trained on: it is the
hand-written held-out check of `router eval`.
"""

from __future__ import annotations

import random
from pathlib import Path

from ..model import EDIT, GENERATE, INTENTS, SOCIAL
from .sources import Example

ASSETS = Path(__file__).resolve().parents[3] / "assets" / "router"
PROJECT = ASSETS / "project"
MIXED_TURNS = ASSETS / "mixed_turns.tsv"

_EN_OBJ = ["cat", "dog", "car", "tree", "sky", "background", "man", "woman", "girl", "boy", "house", "hat",
           "shirt", "sign", "cup", "flower", "bird", "table", "river", "mountain", "logo", "text", "horse",
           "chair", "lamp", "window", "door", "boat", "bicycle", "building"]
_EN_COLOR = ["red", "blue", "green", "yellow", "purple", "pink", "black", "white", "golden", "orange"]
_EN_STYLE = ["watercolor", "oil painting", "anime", "pixel art", "cyberpunk", "ukiyo-e", "pencil sketch",
             "ghibli", "comic book", "low poly", "impressionist", "pop art", "claymation", "vintage photo"]
_EN_PERSON = ["the man", "the woman", "the girl", "the boy", "her", "him", "the person", "the child", "the dog"]
_EN_POSE = ["raise both arms", "sit down", "turn around", "look up", "cross his arms", "smile", "cry", "jump",
            "wave", "close her eyes", "kneel", "lean against the wall", "hold an umbrella", "run"]
_EN_TEMPLATES = [
    "change the {o} to {c}", "make the {o} {c}", "turn the {o} {c}", "replace the {o} with a {o2}",
    "remove the {o}", "delete the {o} on the left", "erase the {o}", "add a {o} next to the {o2}",
    "put a {c} {o} in the corner", "transform the image into a {s} style", "turn the image into {s}",
    "convert it to {s} style", "render this in {s} style", "make it look like a {s}",
    "extract the {o}", "extract the {o} and place it on a white background", "cut out the {o}",
    "make {p} {pose}", "have {p} {pose}", "let {p} {pose}", "change the pose so that {p} {pose}s",
    "move the {o} to the right", "make the {o} bigger", "make the {o} smaller", "recolor the {o} {c}",
    "the {o} should be {c}", "give the {o} a {c} outline", "paint the {o} {c}", "swap the {o} for a {o2}",
    "change the background to a {s} scene", "adjust the lighting on the {o}", "blur the {o}",
    "turn the {o} into a {o2}", "can you remove the {o}?", "please change the {o} to {c}",
    "now make the {o} {c}", "and remove the {o}", "also add a {o}",
    "add a {c} {o} {where}", "add a {o} {where}, {tail}", "add {p2} {where}", "insert a {o} {where}",
    "place a small {c} {o} {where}", "extract the {c} {o} {where}", "extract the {o} and the {o2}",
    "extract the {c} {o} and {o2} worn by {p}", "change the {o} {where} to a {c} {o2}",
    "draw what {p} will look like {when}", "draw what it would look like {when}",
    "show what the {o} will look like {when}", "what would this look like {when}?",
    "make {p} look like {when}", "draw the {o} {when}", "depict the {o} as it would be {when}",
    "add a {o} {where}, {tail}. The {o} should be {c} and {look}.", "add {p2} {where}. {p2b} should be {look}.",
    "blur the {o} to create a soft effect, making the {o2} stand out", "extract the {o} in the image, focusing on its {aspect}",
    "extract the {c} {o} from the picture and show it on a plain background, keeping its {aspect}",
    "add a small {o} {where}, with its {aspect} matching the rest of the scene",
    "replace the {o} {where} with a {c} {o2}, keeping the lighting and perspective consistent",
    "draw the {view} of this {o}", "draw this {o} from the {view}", "generate the {view} of the {o} in the image",
    "combine these parts into a complete {o}", "arrange these pieces to form a {o}",
    "assemble the provided components into a {o}", "use the provided parts to build a {o}",
    "show this {o} {when}", "redraw this {o} in {s} style",
    "generate an image of the {o} using the provided {parts}", "generate an image that stacks these {parts} into a {o}",
    "generate an image combining these {parts} into a {o}", "create an image of this {o} {when}",
    "add {p2} {where}, {tail}. {end}", "replace the {o} in the image with a {c} {o2} {where}. {end}",
    "change the {o} {where} to a {c} {o2}, {tail}. {end}", "remove the {o} {where} and fill the area naturally. {end}",
    "extract the {c} {o} and the {o2} worn by {p}, {tail}. {end}", "turn the whole scene into {s} style. {end}",
    "add a {c} {o} around this {o2}", "add a {o} with a {c} {o2} {where}",
]
_EN_PARTS = ["blocks", "components", "shapes", "pieces", "parts", "cubes"]
_EN_END = ["Keep the rest of the image unchanged.", "Make sure the lighting matches the scene.", "It should look natural.",
           "The rest of the picture stays the same.", "Match the perspective of the original photo.",
           "The new element should blend in with the background."]
_EN_LOOK = ["clearly visible", "in proportion with the scene", "lit by the same warm light", "slightly blurred",
            "facing left", "partly hidden behind the {o2}".replace("{o2}", "fence"), "natural and realistic"]
_EN_ASPECT = ["shape and texture", "design and structure", "colors and details", "outline", "proportions"]
_EN_VIEW = ["front view", "side view", "top view", "back view", "view from above", "view from a distance"]
_EN_WHERE = ["in the center of the ceiling", "on the left side of the table", "beside the person", "on the snowy path",
             "at the edge of the wooden dock", "in the background", "in the top right corner", "next to the window",
             "on the grass in the foreground", "behind the sofa", "on the wall above the bed", "along the river"]
_EN_TAIL = ["facing the camera", "as if waiting for someone", "wearing a red coat", "with soft shadows",
            "matching the lighting of the scene", "looking at the sunset", "holding a cup of tea"]
_EN_WHEN = ["after ten years", "after a year without a haircut", "in winter", "at night", "after the rain",
            "in a hundred years", "after being left in the sun for a week", "when it is fully grown",
            "three seconds after being dropped", "as a child", "when he is old"]
_EN_PERSON2 = ["a person walking a dog", "a child flying a kite", "two people talking", "a man reading",
               "a woman with an umbrella"]
_ZH_OBJ = ["猫", "狗", "车", "树", "天空", "背景", "男人", "女人", "女孩", "男孩", "房子", "帽子", "衣服",
           "招牌", "杯子", "花", "鸟", "桌子", "河", "山", "标志", "文字", "马", "椅子", "灯", "窗户", "门",
           "船", "自行车", "头发", "眼睛", "裙子", "外套", "人物", "路人"]
_ZH_COLOR = ["红色", "蓝色", "绿色", "黄色", "紫色", "粉色", "黑色", "白色", "金色", "橙色"]
_ZH_STYLE = ["水彩", "油画", "动漫", "像素", "赛博朋克", "浮世绘", "素描", "吉卜力", "漫画", "水墨", "卡通",
             "复古", "印象派", "黏土"]
_ZH_PERSON = ["她", "他", "女孩", "男孩", "这个人", "小狗", "猫", "人物", "老人", "孩子"]
_ZH_POSE = ["哭", "笑", "坐下", "站起来", "举起手", "转过身", "低下头", "闭上眼睛", "跳起来", "挥手", "双手叉腰",
            "看向镜头", "躺下", "跑起来", "生气", "惊讶"]
_ZH_TEMPLATES = [
    "把{o}换成{c}", "把{o}改成{c}", "把{o}变成{c}的", "把{o}换成{o2}", "将{o}替换为{o2}", "把{o}去掉",
    "去掉{o}", "删除{o}", "移除画面中的{o}", "抹掉{o}", "给{o}加上{o2}", "在{o}旁边加一个{o2}",
    "在{o}上画一个{o2}", "把图片转成{s}风格", "将图像转换为{s}风格", "变成{s}风格", "改成{s}风格",
    "用{s}风格重新画", "让{p}{pose}", "让{p}{pose}一下", "{p}{pose}", "把{o}抠出来", "提取图中的{o}",
    "把{o}移到左边", "把{o}放大", "把{o}缩小一点", "{o}调成{c}", "{o}换成{c}", "把{o}涂成{c}",
    "把{o}的颜色改为{c}", "修复{o}", "让{o}更清晰", "给{p}戴上{o}", "把{o}染成{c}",
    "能把{o}去掉吗", "请把{o}改成{c}", "帮我把{o}换成{o2}", "再把{o}变成{c}",
    "给这个{o}加一个{c}的{o2}", "给图中的{p}戴上{c}的{o}", "给这张照片里的{o}换个颜色", "这个{o}改成{c}",
    "图中的{o}换成{o2}", "把这张图里的{o}去掉", "画出{p}十年后的样子", "画出{o}冬天的样子",
    "让这张照片看起来像{s}作品", "把这张图变成{s}风格的",
]
_ZH_ADJ = ["可爱的", "巨大的", "古老的", "安静的", "金色的", "毛茸茸的", "未来感的", "梦幻的", "小小的", "雄伟的"]
_ZH_SUBJ = ["小猫", "熊猫", "城堡", "灯塔", "少女", "机器人", "狐狸", "龙", "宇航员", "老人", "茶馆", "森林",
            "瀑布", "帆船", "咖啡馆", "兔子", "武士", "鲸鱼", "花园", "火车站"]
_ZH_PLACE = ["在海边", "在雪山上", "在城市街头", "在月光下", "在樱花树下", "在沙漠中", "在雨中", "在星空下",
             "在古镇里", "在草原上", "在厨房里", "在图书馆里"]
_ZH_DETAIL = ["阳光明媚", "细节丰富", "柔和的光线", "背景是蓝天白云", "电影感构图", "高清摄影",
              "色彩鲜艳", "黄昏时分", "雾气弥漫", "近景特写"]
_ZH_GEN_TEMPLATES = [
    "{a}{s}{pl}", "{a}{s}{pl}，{d}", "{s}{pl}，{d}，{st}风格", "{st}风格，{a}{s}{pl}", "一只{a}{s}",
    "{pl}的{a}{s}，{d}", "画一个{a}{s}{pl}", "生成一张{s}{pl}的图片", "一幅{st}风格的{s}", "{a}{s}，{d}",
    "{n}", "{n}，{d}", "{st}风格的{n}", "{nn}", "{nn}和{nn2}", "{a}{nn}", "{nn}，{st}风格", "{c}{nn}",
    "{c}的{nn}", "{nn}{nn2}", "{nn}里的{nn2}", "{nn}和{nn2}", "{n}的{a}风景", "一位{pe}，{d}", "{pe}{pl}，{st}风格",
]
# Short Chinese subjects people type as a whole prompt: places, poems, idioms, characters.
_ZH_NAMES = ["黄山", "桂林山水", "西湖", "泰山日出", "江南水乡", "故宫", "布达拉宫", "张家界", "洱海", "天坛",
             "床前明月光", "春眠不觉晓", "两个黄鹂鸣翠柳", "孤帆远影碧空尽", "千里江山图", "清明上河图",
             "画龙点睛", "守株待兔", "亡羊补牢", "成语“井底之蛙”", "嫦娥奔月", "孙悟空", "哪吒闹海", "敦煌飞天",
             "中秋月圆", "端午龙舟", "春节庙会", "大熊猫", "丹顶鹤", "熊猫宝宝"]
_ZH_PEOPLE = ["年轻的女孩，长发，穿着白色连衣裙", "老渔夫，满脸皱纹", "中国男孩，戴着眼镜", "女明星，短发，红色外套",
              "宇航员，穿着银色宇航服", "古代将军，身穿铠甲"]
_ZH_NOUNS = ["大海", "雪山", "城市夜景", "樱花", "竹林", "沙漠", "瀑布", "星空", "荷花", "梅花", "枫叶", "稻田",
             "古镇", "灯笼", "长江", "黄河", "草原", "雨林", "冰川", "火山", "海岛", "小溪", "梯田", "古寺",
             "宝塔", "茶园", "熊猫", "老虎", "骏马", "锦鲤", "孔雀", "金鱼", "蝴蝶", "麋鹿", "狮子", "蜻蜓",
             "向日葵", "玫瑰", "牡丹", "红灯笼", "书法", "旗袍", "京剧", "龙舟", "糖葫芦", "饺子", "火锅",
             "兵马俑", "颐和园", "鼓浪屿", "漓江", "少林寺", "外滩", "香山红叶", "莫高窟", "乌镇", "丽江古城"]


def _compose(rng: random.Random, templates: list[str], count: int, **lists: list[str]) -> list[str]:
    out = []
    for _ in range(count):
        template = rng.choice(templates)
        values = {k: rng.choice(v) for k, v in lists.items()}
        out.append(template.format(**values))
    return out


_EN_ADJ = ["hilarious", "gorgeous", "stunning", "fun", "cute", "lovely", "wild", "fantastic", "incredible", "sweet",
           "adorable", "charming", "magical", "beautiful", "epic", "impressive", "spot on", "just right", "great",
           "funny", "brilliant", "delightful", "dreamy", "cool", "amazing", "pretty", "perfect", "so good", "nice"]
_EN_SOCIAL = ["that's {a}", "this is {a}", "{a}!", "so {a}", "how {a}", "it looks {a}", "wow, {a}", "ha, that's {a}",
              "oh that's {a}", "looks {a}, thanks", "{a}, thank you", "really {a}", "that is {a}", "it's {a}",
              "{a}, I'm done", "{a}, that's all"]
_ZH_ADJ2 = ["好看", "漂亮", "可爱", "好玩", "有趣", "厉害", "精彩", "完美", "美", "酷", "帅", "棒", "好"]
_ZH_SOCIAL = ["太{a}了", "好{a}", "真{a}", "{a}！", "哇，{a}", "这张{a}", "很{a}，谢谢", "{a}，就这样吧", "真的很{a}"]


def composed(seed: int = 13, per_group: int = 2500) -> list[Example]:
    """Edits (EN, ZH), Chinese prompts and short compliments built from the word lists above."""
    rng = random.Random(seed)
    en = _compose(rng, _EN_TEMPLATES, per_group, o=_EN_OBJ, o2=_EN_OBJ, c=_EN_COLOR, s=_EN_STYLE,
                  p=_EN_PERSON, pose=_EN_POSE, where=_EN_WHERE, tail=_EN_TAIL, when=_EN_WHEN, p2=_EN_PERSON2, p2b=["The person", "They"],
                  look=_EN_LOOK, aspect=_EN_ASPECT, view=_EN_VIEW,
                  parts=_EN_PARTS, end=_EN_END)
    zh = _compose(rng, _ZH_TEMPLATES, per_group, o=_ZH_OBJ, o2=_ZH_OBJ, c=_ZH_COLOR, s=_ZH_STYLE,
                  p=_ZH_PERSON, pose=_ZH_POSE)
    zh_gen = _compose(rng, _ZH_GEN_TEMPLATES, per_group, a=_ZH_ADJ, s=_ZH_SUBJ, pl=_ZH_PLACE, d=_ZH_DETAIL,
                      st=_ZH_STYLE, n=_ZH_NAMES, pe=_ZH_PEOPLE,
                      nn=_ZH_NOUNS, nn2=_ZH_NOUNS, c=_ZH_COLOR)
    en += [rng.choice(_POLITE_EN).format(e=e) for e in rng.sample(en, per_group // 5)]
    zh += [rng.choice(_POLITE_ZH).format(e=e) for e in rng.sample(zh, per_group // 5)]
    social_en = _compose(rng, _EN_SOCIAL, per_group // 5, a=_EN_ADJ)
    social_zh = _compose(rng, _ZH_SOCIAL, per_group // 10, a=_ZH_ADJ2)
    return ([Example(t, SOCIAL, "project-composed-en", "en") for t in dict.fromkeys(social_en)]
            + [Example(t, SOCIAL, "project-composed-zh", "zh") for t in dict.fromkeys(social_zh)]
            + [Example(t, EDIT, "project-composed-en", "en") for t in dict.fromkeys(en)]
            + [Example(t, EDIT, "project-composed-zh", "zh") for t in dict.fromkeys(zh)]
            + [Example(t, GENERATE, "project-composed-zh", "zh") for t in dict.fromkeys(zh_gen)])


_WRAP_EN = ["add {np}", "add {np} in the background", "add {np} on the left", "replace the {o} with {np}",
            "change the background to {np}", "turn it into {np}", "put {np} next to the {o}",
            "make it look like {np}", "swap the {o} for {np}", "insert {np} behind the {o}",
            "can you add {np}?", "please replace the {o} with {np}", "could you change the {o} into {np}?"]
_WRAP_STYLE = ["transfer the image into a {w} style", "turn the photo into a {w} painting", "make the {o} look {w}",
               "change the {o} in the picture to {w}", "give the image a {w} look", "restyle it as {w} art",
               "extract the {w} {o} from the image", "make the {o} more {w}", "add {w} details to the {o}",
               "give the {o} a {w} finish", "give the {o} a {w}"]
_POLITE_EN = ["could you {e}?", "can you {e}?", "please {e}", "{e}, please", "i'd like you to {e}", "now {e}",
              "ok, {e}", "would you {e}?", "{e} a little", "just {e}"]
_POLITE_ZH = ["能不能{e}", "可以{e}吗", "请{e}", "帮我{e}", "麻烦{e}", "{e}吧", "再{e}", "好的，{e}"]


def wrapped_edits(prompts: list[Example], seed: int = 17, count: int = 2500) -> list[Example]:
    """Edits whose content comes from new-image prompts ("add a red bicycle leaning on a fence").

    Why: the words of a scene are not evidence of a new image or of an edit; only the framing is.
    Wrapping prompts of the training sources in edit framings teaches the model exactly that.
    """
    rng = random.Random(seed)
    english = [e.text.rstrip(".").lower() for e in prompts if e.lang == "en"]
    phrases = [t for t in english if len(t.split()) <= 14 and t.startswith(("a ", "an ", "the ", "two ", "three ", "some "))]
    words = [w for t in english for w in t.split() if w.isalpha() and len(w) > 3]
    out = []
    for _ in range(count if phrases else 0):
        out.append(rng.choice(_WRAP_EN).format(np=rng.choice(phrases), o=rng.choice(_EN_OBJ)))
    for _ in range(count // 2 if words else 0):
        span = " ".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
        out.append(rng.choice(_WRAP_STYLE).format(w=span, o=rng.choice(_EN_OBJ)))
    return [Example(t, EDIT, "project-wrapped-en", "en") for t in dict.fromkeys(out)]


def handwritten(folder: Path = PROJECT) -> list[Example]:
    """Every line of <intent>.<lang>.txt in `folder`."""
    out = []
    for path in sorted(folder.glob("*.txt")):
        intent, lang = path.stem.split(".")
        if intent not in INTENTS:
            raise ValueError(f"{path}: unknown intent {intent!r}")
        out += [Example(line.strip(), intent, f"project-{lang}", lang)
                for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def mixed_turns(path: Path = MIXED_TURNS) -> list[tuple[str, bool, str]]:
    """(message, canvas, expected route) rows of the hand-written held-out turns."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, canvas, want = line.split("\t")
            rows.append((text, canvas == "canvas", want))
    return rows
