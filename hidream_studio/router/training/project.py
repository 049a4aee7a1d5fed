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


# Tasks on a given picture: a sentence that presents it, then what to do on it. The context is
# no evidence of a new image (it describes what is already there); the instruction after it is.
_EN_DIAGRAM = ["maze", "map", "graph", "grid", "chessboard", "diagram", "floor plan", "puzzle", "chart", "sketch",
               "photo of a street", "picture of a shelf", "drawing of a tree", "tic-tac-toe board", "sudoku grid"]
_EN_CONTEXT = ["This is a {d}.", "This is an image of a {d}, where the dark cells are walls.",
               "Here is a {d} with {n} {things}.", "Below is a {d} with {n} {things}.",
               "In the current {d}, the numbers are the distances between the {things}.",
               "The {d} shows {n} {things}.", "The {d} has {n} {things} and one empty square.",
               "In this {d}, every {thing} is connected to two others.", "The {c} {thing} wants to reach the exit."]
_EN_TASK = ["Draw the path from the {c} dot to the {c2} dot.", "Mark the shortest route in {c}.",
            "Please mark the two largest {things} in the {d}.", "Highlight the {thing} that does not belong.",
            "Circle the odd one out.", "Color the correct squares {c}.", "Fill in the empty square.",
            "Complete the missing part.", "Draw your answer on it.", "Show the result after the next move.",
            "Connect the {things} with a {c} line.", "Label each {thing} with its number.",
            "Draw it.", "Cross out the wrong {thing}.", "Replace the question mark with the right {thing}.",
            "Put a {c} cross on the {thing} that should move.", "Draw what it looks like after one more step."]
_EN_THINGS = [("dots", "dot"), ("squares", "square"), ("cities", "city"), ("blocks", "block"), ("nodes", "node"),
              ("pieces", "piece"), ("rooms", "room"), ("shapes", "shape"), ("numbers", "number"), ("coins", "coin")]
_ZH_DIAGRAM = ["迷宫", "地图", "棋盘", "表格", "示意图", "平面图", "拼图", "九宫格", "图表", "草图"]
_ZH_CONTEXT = ["这是一张{d}。", "这是一个{d}，黑色的是墙。", "下面是一个有{n}个{t}的{d}。", "图中是一个{d}，",
               "在这张{d}里，数字表示{t}之间的距离。", "这张{d}上有{n}个{t}。"]
_ZH_TASK = ["画出从红点到绿点的路线。", "请用{c}标出最短的路径。", "把正确的格子涂成{c}。", "圈出不一样的{t}。",
            "把空白的地方补全。", "在图上画出你的答案。", "用{c}的线把{t}连起来。", "把问号换成正确的{t}。",
            "标出下一步该怎么走。", "补全缺失的部分。"]
_ZH_THINGS = ["点", "方块", "城市", "积木", "数字", "房间", "图形", "硬币"]
_COUNTS = ["two", "three", "four", "five", "six", "eight", "nine", "sixteen"]


# Retouching, the way people write to a photo editor: terse menu words ("crop photo", "more
# contrast"), imperatives on a part, and the wished result described ("the glare needs to go").
_EN_ADJUSTMENT = ["exposure", "contrast", "brightness", "saturation", "white balance", "sharpness", "highlights",
                  "shadows", "color balance", "warmth", "vibrance", "clarity", "noise", "grain", "vignette", "tint"]
_EN_PART = ["sky", "face", "skin", "teeth", "eyes", "background", "sand", "water", "hair", "shadows", "corners",
            "edges", "subject", "foreground", "glasses", "shirt", "wall", "grass", "clouds", "arms", "waist"]
_EN_RETOUCH = [
    "crop photo", "crop and zoom", "crop the {part}", "crop it tighter", "straighten the horizon", "rotate left",
    "increase {adj}", "decrease {adj}", "more {adj}", "less {adj}", "boost the {adj}", "lower the {adj}",
    "raise the {adj} a bit", "adjust {adj}", "fix the {adj}", "correct the {adj}", "{adj} up", "{adj} down",
    "brighten the {part}", "darken the {part}", "smooth the {part}", "soften the {part}", "sharpen the {part}",
    "whiten the {part}", "blur the {part}", "remove the glare on the {part}", "remove red eye",
    "remove the blemishes on the {part}", "slim the {part}", "stretch the image vertically", "enhance colors",
    "eliminate the reflection in the {part}", "despeckle the {part}", "add a border", "add a frame",
    "the {part} needs to be brighter", "the {adj} should be higher", "the {part} is too dark",
    "the {adj} needs to be reduced", "the {part} should look {c}", "the glare on the {part} needs to go",
    "{part} much {c2}", "make the {part} {c2}", "turn up the {adj}", "tone down the {adj}",
    "even out the {part}", "clean up the {part}", "photoshop a hat onto the {part}",
    "{adj} +20", "bump the {adj}", "a bit more {adj} on the {part}", "take the {c} cast away",
    "make everything {c2}", "make his {part} {c2}", "make her {part} appear {c2}", "make {part} look {c2}",
    "enlarge this whole photo", "take out this whole {part}", "make this image slightly smaller",
    "i would {verb} the whole picture", "{verb} the whole image", "{verb} the {part} a little bit",
    "we just need to {verb} the {part}", "{verb} {part}", "{verb} it a bit",
]
_EN_RETOUCH_VERB = ["brighten", "darken", "lighten", "blur", "sharpen", "smooth", "soften", "crop", "straighten",
                    "whiten", "enhance", "fix", "clean up", "retouch", "desaturate", "recolor", "airbrush"]
_EN_SHADE = ["brighter", "darker", "bluer", "warmer", "cooler", "softer", "sharper", "smoother", "lighter"]


def retouching(seed: int = 23, count: int = 800) -> list[Example]:
    """Photo-retouching requests (edits), EN."""
    rng = random.Random(seed)
    out = [rng.choice(_EN_RETOUCH).format(adj=rng.choice(_EN_ADJUSTMENT), part=rng.choice(_EN_PART),
                                          c=rng.choice(_EN_COLOR), c2=rng.choice(_EN_SHADE),
                                          verb=rng.choice(_EN_RETOUCH_VERB))
           for _ in range(count)]
    out += [rng.choice(_POLITE_EN).format(e=e) for e in rng.sample(out, count // 5)]
    return [Example(t, EDIT, "project-retouch-en", "en") for t in dict.fromkeys(out)]


# Physical actions on what the picture shows ("heat the corn kernels", "pour juice into the cup"):
# an imperative on a thing in the picture is an edit whatever its verb.
_EN_ACTION = ["heat", "pour", "drop", "drip", "ignite", "burn", "melt", "freeze", "boil", "open", "close", "fold",
              "unfold", "break", "crack", "slice", "peel", "squeeze", "water", "plant", "wash", "dry", "wet",
              "light", "blow out", "inflate", "deflate", "fill", "empty", "shake", "stir", "mix", "bend", "twist",
              "tie", "untie", "stack", "knock over", "spill", "cook", "bake", "roast", "grow", "age", "rust",
              "polish", "repair", "assemble", "disassemble", "tilt", "hang", "lift", "push", "pull", "throw"]
_EN_THING = ["the corn kernels", "the candle", "the ice cube", "the glass of water", "the seed", "the apple",
             "the balloon", "the paper", "the egg", "the bread", "the metal spoon", "the flower", "the box",
             "the bottle", "the rope", "the cup", "the leaves", "the chocolate", "the snowman", "the tree"]
_EN_ACTION_TAIL = ["", " in the picture", " in the image", " and show the result", " and show what happens",
                   " until it changes colour", " for an hour", " slowly", ", then show it from above"]


def actions_on_things(seed: int = 31, count: int = 600) -> list[Example]:
    """Imperatives of physical actions on a thing in the picture (edits), EN."""
    rng = random.Random(seed)
    out = [f"{rng.choice(_EN_ACTION)} {rng.choice(_EN_THING)}{rng.choice(_EN_ACTION_TAIL)}" for _ in range(count)]
    out += [rng.choice(_POLITE_EN).format(e=e) for e in rng.sample(out, count // 5)]
    return [Example(t, EDIT, "project-actions-en", "en") for t in dict.fromkeys(out)]


def tasks_on_a_picture(seed: int = 19, count: int = 600) -> list[Example]:
    """Context sentences about a given picture followed by a task on it, EN and ZH (edits)."""
    rng = random.Random(seed)
    en, zh = [], []
    for _ in range(count):
        things, thing = rng.choice(_EN_THINGS)
        values = {"d": rng.choice(_EN_DIAGRAM), "n": rng.choice(_COUNTS), "things": things, "thing": thing,
                  "c": rng.choice(_EN_COLOR), "c2": rng.choice(_EN_COLOR)}
        en.append(f"{rng.choice(_EN_CONTEXT)} {rng.choice(_EN_TASK)}".format(**values))
        values = {"d": rng.choice(_ZH_DIAGRAM), "n": rng.choice("两三四五六八九"), "t": rng.choice(_ZH_THINGS),
                  "c": rng.choice(_ZH_COLOR)}
        zh.append(f"{rng.choice(_ZH_CONTEXT)}{rng.choice(_ZH_TASK)}".format(**values))
    return ([Example(t, EDIT, "project-tasks-en", "en") for t in dict.fromkeys(en)]
            + [Example(t, EDIT, "project-tasks-zh", "zh") for t in dict.fromkeys(zh)])


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


def phrasings() -> list[Example]:
    """Every project phrasing the model is trained on (the wrapped edits come from the sources' prompts)."""
    return handwritten() + composed() + tasks_on_a_picture() + retouching() + actions_on_things()


_CREATE_EN = ["create an image of {p}", "create an image featuring {p}", "generate an image of {p}",
              "please create a photograph of {p}", "render a vivid photograph of {p}", "draw {p}",
              "create an illustration depicting {p}", "design a poster showing {p}", "imagine {p}",
              "picture {p}", "can you draw {p}?", "could you create an image of {p}?", "i'd like a picture of {p}",
              "generate a realistic photo of {p}. {detail}", "create a lifelike image capturing {p}. {detail}",
              "illustrate {p} in a {style} style", "make a poster of {p}", "show me {p}", "give me {p}",
              "create an ultra-detailed illustration of {p}, {detail}"]
_DETAIL_EN = ["The lighting is soft and warm.", "The background is blurred.", "Use a wide-angle view.",
              "The colors are muted and calm.", "Shot on film, with natural grain.", "The mood is joyful."]
_STYLE_EN = ["watercolor", "photorealistic", "anime", "flat vector", "oil painting", "3d render", "pencil sketch"]
_CONCEPT_EN = ["photosynthesis", "the water cycle", "how a tsunami forms", "the TCP handshake", "binary search",
               "the structure of a cell", "how vaccines work", "plate tectonics", "the Doppler effect",
               "a neural network", "the solar system", "how a bill becomes law", "the carbon cycle",
               "the layers of the earth", "supply and demand", "the life cycle of a frog"]
_DIAGRAM_EN = ["draw a diagram explaining {c}. Tips: {t}.", "can you create a chart that shows {c}? Tips: {t}.",
               "would you mind illustrating {c} with a diagram?", "make an infographic about {c}",
               "let's illustrate {c} with a labeled diagram. Tips: {t}.", "design a poster that explains {c}",
               "create a flowchart of {c}", "i need an illustration of {c}, with clear labels",
               "how about drawing {c}? Tips: {t}.", "what about a diagram of {c}", "let's visualize {c}",
               "show the flowchart for {c}. Tips: {t}.", "outline {c} with a diagram", "could you show how {c} works?"]
_BRIEF_EN = ["design a minimalist logo for {b}", "craft a playful poster for {b}, using bright colors",
             "capture elegance in a brochure for {b}", "introduce a bold album cover for {b}",
             "feature abstract watercolor patterns on a book cover for {b}", "a business card for {b}, white background",
             "promote {b} with an eco-friendly flyer", "a menu for {b}, set against a pastel background"]
_BUSINESS_EN = ["a bakery", "an indie band", "a real estate agency", "a children's toy store", "a yoga studio",
                "a coffee roaster", "a law firm", "a surf school", "a bookshop", "a freelance photographer"]
_TIPS_EN = ["arrows, labels", "stages, inputs, outputs", "colors for each part", "a simple legend"]
_TAGS_EN = ["1girl", "2boys", "solo", "anime", "looking at viewer", "smile", "long hair", "blue eyes", "white background",
            "outdoors", "school uniform", "holding umbrella", "cherry blossoms", "upper body", "night", "city lights",
            "red scarf", "short hair", "glasses", "hat", "sitting", "standing", "rain", "from side", "highres",
            "masterpiece", "detailed background", "sunset", "multiple girls", "cat ears", "open mouth", "blush"]
_CREATE_ZH = ["创建一个图像，描绘{p}", "创作一个插图：{p}", "请画一幅{p}", "画一张{p}的图", "你能画一张{p}吗？",
              "帮我生成{p}的图片", "我想要一张{p}的照片", "生成一张{p}，{d}", "请绘制{p}，{d}", "设计一张海报，展示{p}",
              "这张照片捕捉到{p}，{d}", "这幅{st}作品展示了{p}", "在{pl}中，{p}，{d}", "{p}。{d}。", "来一张{p}"]
_CONCEPT_ZH = ["季风如何形成", "光合作用", "水循环", "海啸的成因", "细胞的结构", "板块运动", "多普勒效应", "神经网络",
               "太阳系", "碳循环", "地球的内部结构", "免疫系统如何运行", "TCP握手过程", "青蛙的生命周期"]
_DIAGRAM_ZH = ["请绘制一个图表，展示{c}。提示：{t}。", "你能创建一个解释{c}的示意图吗？提示：{t}。",
               "画一张说明{c}的流程图", "设计一个图示来展示{c}", "我需要你绘制一个关于{c}的图示。",
               "让我们通过绘制示意图来探索{c}。提示：{t}。", "帮我做一张{c}的信息图"]
_TIPS_ZH = ["箭头、标注", "阶段、输入、输出", "不同颜色表示不同部分", "简单的图例"]
_TAGS_ZH = ["1女孩", "2男孩", "单人", "动漫", "看着观众", "微笑", "长发", "蓝色眼睛", "白色背景", "户外", "校服",
            "拿着雨伞", "樱花", "半身像", "夜晚", "城市灯光", "红色围巾", "短发", "眼镜", "帽子", "坐着", "站着",
            "下雨", "侧面", "高分辨率", "杰作", "细节丰富的背景", "日落", "多个女孩", "猫耳", "张嘴", "脸红"]


def framed_prompts(prompts: list[Example], seed: int = 29, count: int = 1500) -> list[Example]:
    """New-image requests as people phrase them to a chat: a scene inside a request to draw it
    ("create an image featuring {scene}", "你能画一张{场景}吗？"), diagrams of a concept, and
    comma-separated tag lists ("1girl, solo, anime, ..."). EN scenes come from the training
    sources' prompts; ZH scenes from the Chinese word lists above.

    Why: the public prompt sets are descriptions; a chat asks. Without these the words "create an
    image" and a long request would be evidence only of the wrapped edits and the tasks above."""
    rng = random.Random(seed)
    scenes = [e.text.rstrip(".") for e in prompts if e.lang == "en" and 3 <= len(e.text.split()) <= 30]
    scenes = [t[0].lower() + t[1:] for t in scenes]
    en, zh = [], []
    for _ in range(count if scenes else 0):
        en.append(rng.choice(_CREATE_EN).format(p=rng.choice(scenes), detail=rng.choice(_DETAIL_EN),
                                                style=rng.choice(_STYLE_EN)))
    for _ in range(count // 5):
        en.append(rng.choice(_DIAGRAM_EN).format(c=rng.choice(_CONCEPT_EN), t=rng.choice(_TIPS_EN)))
        en.append(", ".join(rng.sample(_TAGS_EN, rng.randint(4, 14))))
        en.append(rng.choice(_BRIEF_EN).format(b=rng.choice(_BUSINESS_EN)))
        zh.append(rng.choice(_DIAGRAM_ZH).format(c=rng.choice(_CONCEPT_ZH), t=rng.choice(_TIPS_ZH)))
        zh.append("，".join(rng.sample(_TAGS_ZH, rng.randint(4, 14))))
    for _ in range(count):
        scene = f"{rng.choice(_ZH_ADJ)}{rng.choice(_ZH_SUBJ)}{rng.choice(_ZH_PLACE)}"
        zh.append(rng.choice(_CREATE_ZH).format(p=scene, d=rng.choice(_ZH_DETAIL), st=rng.choice(_ZH_STYLE),
                                                pl=rng.choice(_ZH_PLACE)[1:]))
    return ([Example(t, GENERATE, "project-framed-en", "en") for t in dict.fromkeys(en)]
            + [Example(t, GENERATE, "project-framed-zh", "zh") for t in dict.fromkeys(zh)])


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
