"""The router's words, English and Chinese, as compiled regular expressions.

Everything is matched against NFKC-normalised text (full-width "？，：" become "?,:"), case-
insensitively. Whole-message patterns (undo, redo, variation, checkout) end in `$` on purpose: "redo"
is an undo-stack command, "redo the background in blue" is an edit.
"""

from __future__ import annotations

import re

from .numbers import EN_CARDINAL, EN_ORDINAL, ZH_NUMBER


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _alt(words) -> str:
    """Alternation with the longest words first, so "thank you" wins over "thank"."""
    return "|".join(sorted(words, key=len, reverse=True))


# Punctuation and filler around the content.
PUNCT = " \t\n.,!?;:~…。，、！？；：～·\"'“”‘’()（）[]【】<>《》-–—"
END_PUNCT = ".!?;~…。！？；～,，、 \t\n"

# -------------------------------------------------------------------------------------------
# Interjections: greetings, thanks, praise, yes/no. Alone they make a chat turn; before a
# request they are dropped ("thanks! now make it blue" -> "make it blue").
# -------------------------------------------------------------------------------------------
_EN_GREETING = ["hi", "hello", "hey", "hiya", "yo", "howdy", "greetings", "good morning", "good afternoon",
                "good evening", "good night", "bye", "goodbye", "see you", "hi there", "hello there", "hey there"]  # fmt: skip
_EN_THANKS = [
    "thanks",
    "thank you",
    "thx",
    "ty",
    "cheers",
    "thanks a lot",
    "thank you so much",
    "many thanks",
]
_EN_PRAISE = ["great", "nice", "cool", "awesome", "perfect", "wow", "amazing", "lovely", "beautiful", "excellent",
              "love it", "i love it", "looks good", "looks great", "good job", "well done", "good", "fantastic",
              "wonderful", "neat", "sweet", "brilliant", "lol", "haha", "so cute", "so good", "so nice", "so pretty",
              "so beautiful", "so cool", "you are great", "you're great", "you are awesome", "you're awesome",
              "you are the best", "you're the best", "very nice", "very good", "really nice", "have a nice day", "have a good day",
              "i don't like it", "i don't like that", "i do not like it", "not like that", "never mind", "nevermind",
              "forget it", "that's wrong", "wrong", "oops", "no no", "not quite", "meh", "ugh"]  # fmt: skip
_EN_ACK = [
    "ok",
    "okay",
    "k",
    "alright",
    "all right",
    "yes",
    "yeah",
    "yep",
    "sure",
    "no",
    "nope",
    "hmm",
    "oh",
    "well",
]
# Closings that put the work off: conversation, never "another" picture of "time".
_EN_NOT_NOW = ["not now", "not right now", "not today", "maybe later", "later", "another time", "maybe another time",
               "some other time", "next time", "maybe next time", "i'll think about it", "let me think about it"]
# These may be followed by a request without punctuation ("ok make it blue"); the others need
# punctuation or the end, because "nice sunset" and "no hat" are content.
_EN_LOOSE = ["hi", "hey", "ok", "okay", "thanks", "thank you", "alright", "oh", "hmm"]

_ZH_GREETING = [
    "你好",
    "您好",
    "你好吗",
    "嗨",
    "哈喽",
    "哈啰",
    "早上好",
    "下午好",
    "晚上好",
    "早安",
    "晚安",
    "再见",
    "拜拜",
    "在吗",
]
_ZH_THANKS = ["谢谢", "谢谢你", "谢谢您", "多谢", "感谢", "非常感谢", "辛苦了"]
_ZH_PRAISE = ["太棒了", "真棒", "很棒", "棒", "很好", "不错", "真不错", "漂亮", "好看", "真好看", "厉害", "完美",
              "哇", "哈哈", "酷", "喜欢", "我喜欢", "这个不错", "这张不错", "这个好", "挺好", "挺好的", "很好看",
              "不好看", "不喜欢", "我不喜欢", "不要这个", "不对", "错了", "算了", "不行", "一般", "一般般"]  # fmt: skip
_ZH_ACK = ["好的", "好", "嗯", "嗯嗯", "行", "可以", "对", "是的", "没问题", "ok"]
# Chinese has no spaces: these may run straight into a request ("谢谢把背景换成黄色"); the others
# need punctuation or the end, because "好看的猫" is a prompt.
_ZH_NOT_NOW = ["下次吧", "下次再说", "以后再说", "改天吧", "改天", "先不用了", "暂时不用了", "暂时不用", "等会再说", "回头再说"]
_ZH_TIGHT = ["你好", "您好", "哈喽", "谢谢", "谢谢你", "谢谢您", "多谢", "非常感谢", "太棒了"]

# Negative feedback among the interjections above: answered with the way back, not "thanks".
NEGATIVE_INTERJECTIONS = {"i don't like it", "i don't like that", "i do not like it", "not like that",
                          "that's wrong", "wrong", "oops", "no no", "not quite", "meh", "ugh", "不好看", "不喜欢",
                          "我不喜欢", "不要这个", "不对", "错了", "不行", "一般", "一般般"}  # fmt: skip
INTERJECTION_KIND = {
    **{w: "greeting" for w in _EN_GREETING + _ZH_GREETING},
    **{w: "thanks" for w in _EN_THANKS + _ZH_THANKS},
    **{w: "feedback" for w in _EN_PRAISE + _ZH_PRAISE},
    **{w: "acknowledgement" for w in _EN_ACK + _ZH_ACK},
    **{w: "negative feedback" for w in NEGATIVE_INTERJECTIONS},
    **{w: "not now" for w in _EN_NOT_NOW + _ZH_NOT_NOW},
}
_SEP = r"[\s.,!?;:~…。，、！？；：～]"
INTERJECTION_EN_LOOSE = _rx(
    rf"^({_alt(_EN_LOOSE)})(?:\s+(?:there|again|everyone|all|so much|a lot))?(?:{_SEP}+|$)"
)
INTERJECTION_EN = _rx(
    rf"^({_alt(_EN_GREETING + _EN_THANKS + _EN_PRAISE + _EN_ACK + _EN_NOT_NOW)})(?:\s+(?:there|again|everyone|all))?(?:{_SEP}*$|{_SEP}*[,.!?;…~]{_SEP}*)"
)
INTERJECTION_ZH = _rx(
    rf"^(?:({_alt(_ZH_TIGHT)}){_SEP}*|({_alt(_ZH_GREETING + _ZH_THANKS + _ZH_PRAISE + _ZH_ACK + _ZH_NOT_NOW)})(?:{_SEP}+|$))"
)

# -------------------------------------------------------------------------------------------
# Help and questions: answered in text.
# -------------------------------------------------------------------------------------------
HELP = _rx(
    r"^(?:help|help me|help\s*please|\?+|what can you do|what do you do|what are you|who are you|"
    r"how does (?:this|it) work|how do i use (?:this|it|you)|how (?:do|does) this work|what is this|"
    r"what's this|commands|usage|instructions|can you help(?: me)?|what can i do|what can i say|"
    r"帮助|帮帮我|救命|使用说明|说明|怎么用|如何使用|怎么使用|你能做什么|你会做什么|你会什么|你可以做什么|"
    r"你是谁|你是什么|这是什么|能做什么|有什么功能|功能)[\s?？。.!！]*$"
)
# Asking to start over is not a picture of the word "reset": answered in text (the New-session button).
START_OVER = _rx(
    r"^(?:restart|reset|clear|clear (?:all|everything|the chat|the canvas)|start again|start a new (?:session|chat)|"
    r"new (?:session|chat|conversation)|清空|重置|新会话|新建会话)[\s.!?。！？]*$"
)
# A wh-word and an auxiliary is a question even without "?": "how do i undo".
EN_WH_QUESTION = _rx(
    r"^(?:what|how|why|who|where|when|which)\s+(?:is|are|am|do|does|did|can|could|should|would|will|was|"
    r"were|has|have|happens|happened)\b|"
    # a question to the studio or about oneself after a few words: "what kinds of pictures are you best at"
    r"^(?:what|which|how|why|where|when|who)\b(?:\s+[\w'-]+){1,4}?\s+(?:are|do|can|could|should|would|will|did|have)"
    r"\s+(?:you|i|we)\b"
)
# A question about how the picture would look ("what would this look like in winter?", "how would it
# look with a red roof", "如果是冬天会是什么样子"): with a canvas, a request to show it, not small talk.
ASKS_HOW_IT_WOULD_LOOK = _rx(
    r"^(?:what|how)\s+(?:would|will|might|could)\s+(?:this|it|he|she|they|these|that|the\s+\w+)\s+"
    r"(?:\w+\s+)?(?:look|appear)\b|会(?:是|变成)?(?:什么|怎样|怎么)样(?:子)?"
)
# A bare comparative ("less cluttered", "a bit more contrast", "much darker"): with a canvas, an edit.
COMPARATIVE = _rx(
    r"^(?:a\s+(?:bit|little|tad)\s+|slightly\s+|much\s+|way\s+|even\s+)?(?:more|less)\s+"
    r"(?!please\b|thanks\b|of\b|than\b|time\b|questions?\b|options?\b)[a-z]+(?:\s+please)?$"
)
# With a "?" more starts count; "how about a dog?" and "what if ..." are suggestions, not questions.
EN_QUESTION_START = _rx(
    r"^(?:what|what's|whats|how|how's|why|who|whom|whose|where|when|which|is|are|am|was|were|do|does|did|"
    r"have you|has|should i|shall i)\b(?!\s+(?:about|if)\b)(?!\s+(?:it|there)\s+(?:possible|a way)\b)"
)
# Exclamations that start like questions: "what a sunset!", "how beautiful".
EN_EXCLAMATION = _rx(r"^(?:what an?\b|how (?:beautiful|cute|nice|lovely|pretty|cool|amazing|great)\b)")
ZH_QUESTION = _rx(
    r"(?:什么|怎么|怎样|如何|为什么|为啥|谁|哪|多少|几个|几张|是不是|有没有|是否)|[吗呢]\s*[?？]?\s*$|[?？]\s*$"
)
# A Chinese question that names one of these is a request ("能帮我画一只猫吗？"), not small talk.
ZH_REQUEST_HINT = _rx(
    r"画|绘|生成|换|改|变|加|删|去掉|去除|移除|涂|染|调|放大|缩小|旋转|翻转|撤|回到|再来|重做|恢复|创作|创建|设计|"
    r"制作|展示|描绘|来一张|做一张|图表|图示|示意图|插图|海报|流程图"
)

# -------------------------------------------------------------------------------------------
# Politeness and framing dropped from the front and the end of a request.
# -------------------------------------------------------------------------------------------
EN_POLITE_PREFIX = _rx(
    r"^(?:please|pls|plz|kindly|(?:can|could|would|will)\s+(?:you|u|we)(?:\s+please)?(?:\s+kindly)?|"
    r"would you mind|(?:is|would)\s+(?:it|there)\s+(?:be\s+)?(?:possible|a way)\s+to|"
    r"i\s*(?:want|wanna|need|'d like|would like|'d love|would love)(?:\s+you)?\s+to|"
    r"i\s*(?:want|wanna|need|'d like|would like|'d love|would love|wish)|"
    r"let's|lets|let me see|let me have|go ahead and|now|then|and|also|just|so|maybe|perhaps|"
    r"how about|what about)\b[\s,:]*"
)
EN_POLITE_SUFFIX = _rx(
    r"(?:[\s,]+(?:please|pls|plz|thanks|thank you|for me|now|if you can|if possible|lol))+$"
)
ZH_POLITE_PREFIX = _rx(
    r"^(?:请你?|麻烦你?|帮忙|帮我|替我|给我|我想要|我想|我要|我希望|希望|想要|现在|然后|接着|那就|那么|"
    r"(?:你)?(?:能不能|可不可以|能否|可以|能)(?:帮我|给我)?(?=帮|给|把|将|画|生成|让|来|再|换|改|加|去|删|移|做|创作|回|切|撤)|"
    r"(?:我)?(?:该)?(?:怎么|如何)(?:才能)?(?=把|将|让|给))"
    r"[\s,，:：]*"
)
ZH_POLITE_SUFFIX = _rx(r"(?:好吗|好不好|可以吗|行吗|行不行|谢谢你?|谢啦|一下|吧|吗|呢|啊|呀|哦|哈|啦)+$")

# -------------------------------------------------------------------------------------------
# Asking for a new picture: dropped from the text, and they make the turn a generate.
# -------------------------------------------------------------------------------------------
EN_NEW_IMAGE = _rx(
    r"^(?:(?:a\s+)?(?:new|fresh|another new)\s+(?:image|picture|pic|scene|canvas|one|drawing)|"
    r"start over(?:\s+with)?|from scratch|new)\s*(?:[:：,\-–—]\s*|\s+(?:of|with)\s+|$)"
)
# "make"/"give"/"show"/"draw"/"paint" only count when what follows is not the current picture.
EN_CREATE = _rx(
    r"^(?:generate|create|render|illustrate|design|imagine|produce|sketch|draw|paint|picture|"
    r"give\s+(?:me|us)|show\s+(?:me|us)|make\s+(?:me|us)|make(?=\s+(?:an?|one|some|two|three|\d)\b))\b"
    r"(?:\s+(?:me|us))?[\s:,]*"
)
EN_CREATE_ON_CANVAS = _rx(
    r"^(?:draw|paint|sketch)\s+(?:it|this|that|the|him|her|them|its|his|their|everything)\b|"
    r"^(?:draw|paint|sketch)\b.*\b(?:on|onto|over|into)\s+(?:it|him|her|them|this|the\b)"
)
# What a request to draw refers to when it means the picture already there: "draw the front view of
# this building", "generate an image stacking these blocks", "... using the provided components",
# "draw what it will look like in ten years", "画出这只猫十年后的样子".
CANVAS_REFERENCE = _rx(
    r"\b(?:this|these|those|the provided|the given|the current|the existing|the original|the same)\b|"
    r"\b(?:in|of|from|on) the (?:image|picture|photo|canvas|drawing|diagram)\b|\bthe question marks?\b|"
    r"\bthe (?:blank|empty|missing) (?:space|square|cell|part|piece|area)s?\b|\bthe correct\b|['\"]\?['\"]|"
    r"\bwhat (?:it|he|she|they) (?:will|would|might) look like\b|这张|这幅|这些|图中|原图"
)
# Words of talk that may stand anywhere in a long message ("... but we got it done. Thanks so much.",
# "That's all I need for now"): such a message stays open to conversation, however long.
TALK_CUE = _rx(
    r"\b(?:thanks?|thank you|thx|appreciate|that'?s all|that is all|sounds (?:good|great|perfect)|goodbye|bye|"
    r"have a (?:nice|good|great) (?:day|night|evening)|i (?:liked|prefer(?:red)?) (?:it|the \w+ one) better)\b|"
    r"谢谢|感谢|多谢|再见|拜拜|辛苦了|就这样|不用了"
)
# A person speaking of their own mind or asking the studio's ("I was hoping for ...", "I don't really
# like ...", "do you think ...", "我觉得"): a long message with them may be talk, and is left to the model.
# (Requests say "you" and "我" too - "can you create ...", "为我生成" - so those alone do not count.)
PERSONAL = _rx(
    r"\bi(?:'m|\s+am|\s+was|\s+think|\s+feel|\s+guess|\s+hope|\s+wish|\s+like|\s+love|\s+don'?t|\s+didn'?t|"
    r"\s+really|\s+just|\s+had|\s+wanted|\s+mean|\s+believe|'ve\s+been)\b|"
    r"\b(?:do|did|are|were|can|could|would|will)\s+you\s+(?:think|know|like|love|mean|remember|feel|understand|explain|"
    r"tell|help)\b|\bwhat do you\b|\bexplain to me\b|\btell me (?:how|what|why|about|more)\b|"
    r"我觉得|我认为|我感觉|我希望|我以为|我是说|我想问|你觉得|你认为|你知道|说实话|其实|老实说"
)
# "the fruit in the picture", "this photo", "图中的": the message names the picture itself. In a short
# message with a canvas that is the canvas (long scene descriptions say "in the image" of their own).
NAMES_THE_PICTURE = _rx(
    r"\b(?:in|of|from|on|into|inside|to)\s+(?:the|this)\s+(?:picture|image|photo|photograph|pic)\b|"
    r"\b(?:this|the given|the provided|the current|the original)\s+(?:picture|image|photo|photograph|pic)\b|"
    r"\bthe question marks?\b|['\"]\?['\"]|\b(?:in|on|from) the (?:diagram|figure|graph)\b|"
    r"图中|图里|图片中|图片里|照片中|照片里|这张图|这张照片|这幅图|原图"
)
# ... but these describe the new picture: "the colors in the image are warm", "this picture is in the
# cubism style".
DESCRIBES_THE_PICTURE = _rx(
    r"\b(?:colou?rs?|style|lighting|mood|tone|composition|edges?|frame|atmosphere|background)\s+(?:in|of)\s+"
    r"the\s+(?:image|picture|photo)\b|\b(?:this|the)\s+(?:picture|image|photo)\s+"
    r"(?:is|follows|features|shows|depicts|captures|has|uses)\b"
)
# ... and in Chinese: "这幅图像以水彩风格呈现", "这张照片捕捉了一只狐狸".
ZH_DESCRIBES_THE_PICTURE = _rx(
    r"^(?:这|此)(?:张|幅|个)?(?:照片|图片|图像|画作|画|图)(?:完全|美丽地|生动地)?(?:以|采用|呈现|展示|展现|描绘|捕捉|记录|是|中有|里有|上有)"
)
# References that presume a picture, however long the message: "the object in the image", "the
# burger in the picture", "based on its side view", "the image object". (Scene descriptions say
# "in the foreground of the image", not "the X in the image".)
REFERS_TO_A_PICTURE = _rx(
    r"\bthe (?!(?:image|picture|photo|foreground|background|center|centre|middle|colou?rs?|edges?|frame|style|"
    r"composition|lighting|mood|tone|atmosphere|corners?|left|right|top|bottom|sides?|borders?|rest)\b)\w+ "
    r"(?:in|of|from) the (?:image|picture|photo)\b|\bthe (?:image|picture) object\b|"
    r"\b(?:in|from|of) the (?:first|second|third|other|two|three) (?:and (?:second|third) )?(?:images?|pictures?|photos?)\b"
)
# In the first sentence ("Based on the given image, design ...", "Draw the front view of the object
# based on its side view", "using the skateboarder image", "with the cat as the main subject"): a
# given picture, not "This picture is in the cubism style", which describes the new one, nor "the
# object" said again of a scene described before.
GIVEN_PICTURE = _rx(
    r"\b(?:this|the given|the provided|the current|the original|the uploaded|the attached)\s+"
    r"(?:picture|image|photo)\b(?!\s+(?:is|follows|features|shows|depicts|captures|has|uses)\b)|"
    r"\bbased on (?:its|the|this|these)\b(?!\s*[\[{【])|\bthe object\b|"
    r"\bthe\s+(?!picture\b|photo\b)[\w'-]+\s+(?:image|photo|picture)\b(?!\s+(?:of|is|shows|features|frame|album|booth)\b)|"
    r"\bthe\s+(?:[\w'-]+\s+){0,3}?[\w'-]+\s+as\s+the\s+(?:main|primary|central|visual|focal)\b"
)
# An instruction to keep part of a picture as it is ("... Keep the pizza clearly showcased", "and
# preserve her face"): there is a picture to keep it from.
KEEPS_A_PART = _rx(
    r"(?:^|[.;!?,]\s*|\band\s+)(?:keep|maintain|preserve|retain)\s+(?:the|its|their|his|her)\s+(?!(?:background|"
    r"composition|colou?r palette|overall|image|design|style|text|layout|mood|lighting)\b)"
)
# Lines drawn between or along things already there ("Please connect the objects on the left with the
# colors on the right using lines", "use a red line to mark the path"): an annotation of the canvas.
DRAWS_LINES_ON = _rx(
    r"\b(?:connect|mark|trace|circle|label|link)\b[^.]*\blines?\b|\blines?\b[^.]*\b(?:to\s+)?(?:connect|mark|trace)\b"
)
# What a thing becomes: "Appearance after global warming", "Changes in the glasses when ...", "... after
# a period of time", "after 2 hours": a later state of what the canvas shows.
LATER_STATE = _rx(
    r"^(?:the\s+)?(?:appearance|changes?|state|look|condition|symptoms?)\s+(?:of|after|following|in|during|when)\b|"
    r"\bafter\s+(?:a\s+(?:long\s+)?period\s+of\s+time|a\s+(?:long\s+)?time|some\s+time|a\s+while|"
    r"\d+\s+(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)|(?:one|two|three|four|five|six|seven|eight|"
    r"nine|ten|several|many)\s+(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?))\b"
)
# A place the picture has to offer: "apply a bandage at the appropriate location", "activate the
# corresponding lights", "select the appropriate stone".
FITTING_PLACE = _rx(
    r"\bthe\s+(?:appropriate|corresponding|correct|proper)\s+(?:location|site|spot|position|place|area|cell|square|"
    r"lights?|stone|piece|positions|places|parts?)\b"
)
# Moving a thing already there to the middle or a place: "Center the silver laptop on a white background",
# "Position the cone slightly to the left".
POSITIONS_A_THING = _rx(r"^(?:center|centre|position|reposition)\s+(?:the|it|them|this|that|these|those)\b")
# A clause that removes or keeps only part of what is shown, wherever it stands ("In a soccer match, the
# right side is out of bounds, remove the balls that are out of play", "only keep the ray at the
# critical angle").
KEEPS_OR_REMOVES = _rx(
    r"(?:^|[,;]\s*)(?:only\s+(?:keep|retain|leave|show)|(?:remove|delete|erase|retain)\s+(?:the|all|every|any))\b"
)
# Placing a thing on, in or beside a thing already named ("Place Italy's most famous pasta on the plate",
# "put a smiley face on the bandaid"): with a canvas, an edit of it.
PLACES_ON_A_THING = _rx(
    r"^(?:place|put|stick|hang|lay|set)\b.*\b(?:on|onto|in|into|beside|next to|under|above|near|inside)\s+the\s+\w+"
)
# Words that presume a picture the user gives, wherever they stand in a message: "based on my uploaded
# photo", "the reference image", "image 2", "原图", "图2", "上传的照片", "参考图片". A request for a
# new picture has no such picture to speak of.
EN_GIVEN_PICTURE_ANYWHERE = _rx(
    r"\b(?:uploaded|attached|reference|input|source)\s+(?:image|photo|picture|pic|illustration|drawing|selfie|"
    r"photograph|artwork)s?\b|\b(?:my|the user's)\s+(?:uploaded\s+)?(?:photo|picture|selfie|image|portrait|"
    r"photograph)\b|\bthe user(?:'s)?\b(?!\s+interface)|\b(?:keep|keeping|preserve|preserving|retain|retaining)\s+"
    r"(?:the|their|his|her)\s+(?:face|facial features|identity|likeness)\b|"
    r"\bthe (?:person|people|character|characters|subject|man|woman|girl|boy|couple|pet) "
    r"(?:in|from|of) the (?:photo|image|picture|illustration|photograph)\b|\b(?:image|picture|photo) [1-4]\b"
)
ZH_GIVEN_PICTURE_ANYWHERE = _rx(
    r"原图|原始(?:图像|图片|照片)|原照片|(?<![0-9])图[一二三四1-4](?![0-9])|上传的|上传(?:图|照)|所附|附图|附件|随附|"
    r"输入的?(?:图片|图像|照片)|参考(?:图|照片)|提供的(?:照片|图片|图像)|(?:我|用户)的(?:照片|自拍|头像)|用户形象|"
    r"原本的|保持(?:人脸|面部|人物的?(?:面部|身份|特征|五官|姿势))|保留(?:人物|原图|原有)"
)
# In the first sentence of a Chinese request: "修复并为这张照片上色", "让图片中的人直视前方", "将图像转换为
# 等距视图", "用这些食材为我做一顿午餐", "使该对象透明". A message that opens with "这幅图像以…风格" or
# "这张照片捕捉了…" describes the new picture: "这张照片" at the very start counts only before a
# judgement of it ("这张照片很无聊").
ZH_GIVEN_PICTURE = _rx(
    r"(?<=\S)(?:这|此|该)(?:张|幅|个|副)?(?:照片|图片|图像|插图|插画|相片|截图|图画书|说明图|平面图|画作|图)|"
    r"^(?:这|此|该)(?:张|幅|个)?(?:照片|图片|图像|图)(?:很|太|有点|不够|看起来|里的|中的|上的)|"
    r"(?:照片|图片|图像|插图|插画|相片|影像|图)(?:中|里|上)的?(?:人|角色|主体|物|动物|猫|狗|车|建筑|女|男|孩|内容)|"
    r"图片人物|场景中的(?:角色|人物)|"
    r"(?:该|此)(?:对象|动物|人物?|角色|位置|物体|主体|建筑|产品|商品|标志)|"
    r"^(?:将|把)(?:图像|照片|图片|画面|角色|人物|主体|对象)|"
    r"^(?:请|帮我)?(?:将|把|用|使用|根据|基于|让|给|为|对|绘制|创建|制作|生成|画出?|修复|增强|移除|删除|擦除|提取|截取)"
    r"这(?:条|个|辆|位|只|件|些|张|幅|两个|两位|座|栋|株|棵|对|份|名)"
)
# A fill-in slot of a prompt template ("Transform the {❄️} into ...", "a [Real Object]"): the user names
# the thing there, it is not a thing on the canvas.
SLOT = _rx(r"[\[{【][^\]}】]{1,40}[\]}】]")
# A later sentence that asks to draw the answer: "If you are playing as 'O', what would your next move
# be? Draw it.", "…的位置在哪里？画出来".
DRAW_THE_ANSWER = _rx(
    r"^(?:now\s+)?(?:draw|show|mark|circle|highlight|paint|sketch|illustrate)\s+(?:it|this|that|them|the answer|"
    r"your answer|the result|the solution)\b|^(?:请)?(?:画出来|画出|标出|圈出)"
)
# "请将杞人忧天的样子画出来" (draw what X looks like): a new picture of X, unless X is on the canvas.
ZH_DRAW_OUT = _rx(r"^(?:将|把)(?P<subject>.+?)(?:画|绘制|描绘|表现)出来$")
EN_IMAGE_OF = _rx(
    r"^(?:(?:an?|one|the)\s+)?(?:new\s+)?(?:image|picture|pic|illustration)\s+(?:of|showing|with)\s+"
)

ZH_NEW_IMAGE = _rx(r"^(?:新(?:的)?(?:图片|图像|图|画|一张)|重新开始|从头开始|另起一张)[\s:：,，]*")
ZH_CREATE = _rx(
    r"^(?:画(?![面风质布成上中里])|绘制|生成|创作|创建|制作|做(?=一|个|张|幅)|来(?=一|张|幅|个))"
    r"(?:一?(?:张|幅|副|个)|(?:只|条|头|匹|朵|辆|座|棵|位|群|片)(?=\S))?(?:新的)?(?:图片|图像|图画|图|画)?[\s:：,，]*"
)
ZH_CREATE_ON_CANVAS = _rx(r"^在.{1,12}?(?:上|里|中|旁边?|前面|后面)(?:画|加|添|放|写)")

# -------------------------------------------------------------------------------------------
# Editing the current picture.
# -------------------------------------------------------------------------------------------
EN_EDIT_VERBS = [
    "make", "turn", "change", "replace", "remove", "delete", "erase", "add", "put", "place", "give",
    "convert", "transform", "swap", "switch", "recolor", "recolour", "color", "colour", "brighten", "darken",
    "lighten", "zoom", "crop", "rotate", "flip", "mirror", "move", "shift", "enlarge", "shrink", "resize",
    "blur", "sharpen", "fix", "let", "have", "keep", "insert", "include", "apply", "increase", "decrease",
    "reduce", "boost", "tint", "dress", "hide", "cover", "fill", "extend", "expand", "widen", "straighten",
    "restyle", "stylize", "stylise", "age", "saturate", "desaturate", "invert", "clean", "edit", "modify",
    "adjust", "set", "get rid of", "take out", "take away", "take off", "put on", "paint over", "redo",
    "show", "use", "give it", "add in", "bring", "drop", "cut", "smooth", "warm", "cool", "fade", "tweak",
    "center", "centre", "position",
    "update", "alter", "repaint", "recolor", "relight", "re-light", "re-color", "clear", "extract", "isolate",
    "colorize", "colourize", "restore", "retouch", "cut out",
    # marking up a picture (a diagram, a puzzle, a map): "mark the shortest path", "highlight the exit"
    "mark", "highlight", "label", "annotate", "circle", "outline", "connect", "complete", "fill in", "cross out",
    # retouching, as people ask a photo editor: "slim her waist", "correct the white balance"
    "enhance", "correct", "stretch", "slim", "eliminate", "photoshop", "despeckle", "whiten", "soften", "denoise",
    "lower", "raise", "tone down", "even out", "trim", "deepen", "dim", "reshape", "blend", "merge", "combine",
    "assemble", "arrange", "stack", "airbrush", "elongate", "improve", "amplify", "depixelate", "pixelate",
    "align", "reposition", "rearrange", "translate", "mirror",
]  # fmt: skip
# Verbs that only ever act on a picture: a message that opens with one is never conversation (they do
# not occur in the dialogue corpora the router learns conversation from, where "correct", "have a
# great day", "make the purchase", "add it to my calendar" do).
PICTURE_ONLY_VERBS = [
    "crop", "brighten", "darken", "lighten", "blur", "sharpen", "recolor", "recolour", "rotate", "zoom in",
    "zoom out", "enlarge", "shrink", "resize", "slim", "whiten", "despeckle", "denoise", "saturate", "desaturate",
    "colorize", "colourize", "retouch", "airbrush", "elongate", "erase", "photoshop", "restyle", "stylize",
    "stylise", "repaint", "relight", "pixelate", "depixelate", "extract", "isolate", "cut out", "take out",
    "remove", "delete", "replace", "recolor", "straighten", "stretch", "tint",
]  # fmt: skip
PICTURE_ONLY_VERB = _rx(rf"^(?:{_alt(PICTURE_ONLY_VERBS)})\b")
# Edit verbs that also open everyday talk ("have a great day", "let me think", "keep it up").
TALK_VERBS = {"have", "let", "keep", "get rid of"}
# Edit verbs that also ask for a new picture ("show two players leaping for a header", "bring to life a
# dessert menu"): an opening one is no evidence of an edit.
SHOWING_VERBS = {"show", "bring", "use", "apply", "highlight", "include", "give", "make", "put", "place"}
TALK_IDIOM = _rx(r"^(?:give|take)\s+(?:it|that|this)\s+a\s+(?:try|go|shot|whirl|look)\b")
# Words that are verbs only sometimes: "clear the sky" is an edit, "clear skies over a lake", "cool cat",
# "set of tea cups", "cover of a book", "mirror lake", "crop circles" describe new scenes. They count as
# instruction verbs only before an object word (or alone).
EN_AMBIGUOUS_VERBS = ["clear", "cool", "warm", "cut", "cover", "age", "set", "drop", "fill", "fade", "smooth",
                      "dress", "place", "mirror", "flip", "crop", "update", "circle", "outline", "connect",
                      "complete", "label", "mark", "lower", "raise", "dim", "blend", "stack", "trim",
                      "correct", "center", "centre", "position", "reposition"]  # fmt: skip
# Physical actions on what the picture shows ("pour the juice into the cup", "ignite the ribbon"): as
# the opening word of a request with a canvas, an edit. (A rule only: not features of the model.)
ACTION_VERBS = ["repair", "pour", "drip", "heat", "ignite", "boil", "stir", "spill", "sprinkle", "soak", "bake",
                "roast", "squeeze", "peel", "slice", "chop", "crush", "unfold", "bend", "twist", "untie", "inflate",
                "deflate", "shatter", "unwrap", "attach", "detach"]
ACTION_VERB = _rx(rf"^(?:{_alt(ACTION_VERBS)})\b(?=\s+\w)")
_EN_OBJECT = (r"it|its|this|that|these|those|the|a|an|some|her|him|his|them|their|everything|all|up|down|out|"
              r"off|in|away|over|more|less|to")
EN_EDIT_VERB = _rx(
    rf"^((?:{_alt(w for w in EN_EDIT_VERBS if w not in EN_AMBIGUOUS_VERBS)})\b|"
    rf"(?:{_alt(EN_AMBIGUOUS_VERBS)})\b(?=\s*$|\s+(?:{_EN_OBJECT})\b))"
)
EN_EDIT_PHRASE = _rx(
    r"^(?:more|less|bigger|smaller|larger|brighter|darker|lighter|warmer|cooler|sharper|softer|"
    r"happier|sadder|older|younger|redder|bluer|greener|longer|shorter|wider|taller|thinner|"
    r"with|without|but|except|instead|also|it|this one|the image|the picture|the photo)\b(?!')|"
    r"\binstead\b|^same\b|^what if\b|^(?:it'?s\s+|it is\s+)?too\s+\w+|^in the style of\b|^(?:at|by|in|during)\s+(?:the\s+)?(?:night|sunset|sunrise|dawn|dusk|winter|summer|autumn|fall|spring|rain|snow|daylight|daytime|moonlight)$|^as an?\s+(?:\w+\s+)?(?:painting|sketch|drawing|watercolou?r|cartoon|anime|"
    r"photo|illustration|poster|comic)\b|^in\s+[\w\s\-]{1,30}\s+style$|"
    r"\b(?:should|must|needs? to|has to)\s+(?:be|have|wear|look|hold|become|get)\b|"
    # "<verb> it" is about the current picture even for verbs not listed: "upscale it", "pixelate it".
    r"^[a-z][a-z-]+\s+(?:it|them)(?:\s|$)|"
    r"^(?:the|it|its)\b.{0,40}\bto (?:be|look|have|wear)\b"
)
COLORS = ["red", "blue", "green", "yellow", "orange", "purple", "pink", "black", "white", "gray", "grey",
          "brown", "gold", "golden", "silver", "cyan", "magenta", "teal", "violet", "beige"]  # fmt: skip
EN_COLOR_ONLY = _rx(rf"^(?:in\s+)?(?:{_alt(COLORS)})(?:\s+(?:instead|please))?$")

ZH_EDIT_VERBS = [
    "换成", "换为", "改成", "改为", "变成", "变为", "替换", "去掉", "去除", "删掉", "删除", "移除", "拿掉",
    "抹掉", "擦掉", "加上", "添加", "增加", "加一", "加个", "戴上", "穿上", "调亮", "调暗", "调成", "涂成",
    "染成", "放大", "缩小", "旋转", "翻转", "裁剪", "转成", "转换成", "转为", "修改", "改一下", "换一下",
    "画上", "画成", "弄成", "P成", "P掉", "抠掉", "去背景", "抠图", "上色", "变亮", "变暗", "变大", "变小", "变得",
    "改用", "换用", "抠出",
    # marking up a picture: "用红色标出最短的路线", "圈出不一样的图形", "补全缺失的部分"
    "标出", "标记", "标注", "圈出", "圈起来", "连起来", "补全", "补上", "填上", "填入", "画出路线",
]  # fmt: skip
ZH_EDIT_VERB = _rx(rf"({_alt(ZH_EDIT_VERBS)})")
ZH_EDIT_PHRASE = _rx(
    r"^(?:把|将)(.{1,30}?)(?:换|改|变|去|删|移|加|涂|染|调|放|缩|转|弄|拿|修|替|画|P|p|抹|擦)|"
    r"^给(.{1,12}?)(?:加|戴|穿|换|添|画|涂|配|染)|^(?:让|使)(.{1,20}?)(?:变|穿|戴|拿|看起来|更|成|笑|站|坐|举)|"
    r"^(?:换(?:个|一|成|掉|上)|改(?:成|为|一|个|下)|加(?:个|一|上|点|些|入)|添(?:加|个|一|上)|删(?:掉|除|去)|"
    r"移(?:除|走|掉|到)|去掉|去除|变(?:成|为|得|亮|暗|大|小|个))|^(?:它|这张|这幅|图中|图里|画面|图片里|照片里)|"
    r"^(?:再|更加?|稍微|稍稍|变得?).{1,6}?(?:一点儿?|一些|些|点儿?)?$|^.{1,6}?(?:一点儿?|一些|点儿)$|"
    r"(?:更加?|再)\S{1,4}(?:一点儿?|一些|些)|^(?:用|以).{1,12}风格|风格$|^(?:恢复|还原).+|^太.{1,4}了?$"
)

# -------------------------------------------------------------------------------------------
# Undo, redo, another take: whole messages.
# -------------------------------------------------------------------------------------------
UNDO = _rx(
    r"^(?:undo|revert|roll\s?back|step back|go back|back|previous|prev|ctrl\s?[+-]?\s?z)"
    r"(?:\s+(?:that|this|it|once|one|one step|a step|the last (?:change|edit|step|one)|last (?:change|edit|step)|"
    r"(?:to\s+)?(?:the\s+)?(?:previous|last)(?:\s+(?:one|version|image|picture|step))?))?$|"
    r"^(?:the\s+)?previous\s+(?:one|version|image|picture)$|^undo\b|^(?:撤销|撤回|撤消)|"
    r"^(?:撤销|撤回|撤消|返回|回到|退回|回退|后退|退)?(?:上一步|上一个版本|上一版|上一张|前一个版本|之前的?版本|刚才那张)$|"
    r"^(?:撤销|撤回|撤消|回退|后退|退回|返回|还原)(?:上一步|刚才的?(?:修改|操作|编辑|改动)?|一步)?$"
)
REDO = _rx(
    r"^(?:redo|re-do|step forward|go forward|forward|next|undo the undo|ctrl\s?[+-]?\s?(?:y|shift\s?[+-]?\s?z))"
    r"(?:\s+(?:that|this|it|once|one step|a step|the last (?:change|edit|step|one)|version|one))?$|"
    r"^(?:the\s+)?next\s+(?:one|version|image)$|"
    r"^(?:重做|恢复|前进|取消撤销|撤销撤销|还原撤销|回到下一步|下一步|下一个版本|下一版)(?:上一步|一步|刚才的?(?:修改|操作))?$"
)
# "undo twice", "redo 3 times", "go back two steps", "撤销两次", "后退三步": a repeat count at the end
# of an undo/redo (the rest must still be a whole undo/redo message).
REPEAT_EN = _rx(
    rf"^(?P<rest>.+?)\s+(?:(?P<word>twice|thrice)|(?:by\s+)?(?P<n>{EN_CARDINAL})\s+(?:times|steps|versions|changes|edits))$"
)
REPEAT_EN_LAST = _rx(
    rf"^(?P<rest>undo|revert|go back|step back)\s+(?:the\s+)?last\s+(?P<n>{EN_CARDINAL})\s+"
    r"(?:changes|edits|steps|versions|ones)$"
)
REPEAT_ZH = _rx(rf"^(?P<rest>.+?)(?P<n>{ZH_NUMBER})(?:次|步|下)$")
VARIATION = _rx(
    # "new image" alone is a request for a picture that does not say of what (chat), not a variation.
    r"^(?!(?:a\s+)?new\s+(?:image|picture)$)(?:(?:give|show|make|draw|generate|create|try|do|render)\s+(?:me\s+|us\s+)?)?"
    r"(?:another|one more|a different|a new|different|new|some other|yet another)"
    r"(?:\s+(?:one|image|picture|version|variation|take|try|seed|variant|attempt|option|random seed))?"
    r"(?:\s+(?:please|with a (?:new|different) seed))?$|"
    r"^(?:try again|again|once more|one more time|do it again|same again|same again please|reroll|re-roll|"
    r"roll again|regenerate|retry|reshuffle|shuffle|another|variation|a variation|more like this|"
    r"something similar|similar|generate again|again with a (?:new|different) seed|same prompt,? new seed|"
    r"same thing,? different seed|(?:re)?generate it again|try a different seed|try another seed)$|"
    r"^(?:再来|再画|再生成|再做|再出|重新生成|重新画|重新来|重来|再试|换)(?:一|1)?(?:次|张|个|幅|版|下|遍|试|个种子|个随机种子)?$|"
    r"^(?:另一张|另外一张|另一个|另外一个|再换一个|再换一张|随机换一个|类似的|变体|来个变体|换个种子|换个随机种子|再试试)$"
)

# -------------------------------------------------------------------------------------------
# Checkout: "go back to version 2", "checkout v3", "show me version 4", "回到第二个版本", "回到版本3".
# -------------------------------------------------------------------------------------------
_EN_GO = (
    r"(?:go(?:\s+back)?\s+to|get\s+back\s+to|back\s+to|jump(?:\s+back)?\s+to|switch(?:\s+back)?\s+to|"
    r"revert(?:\s+back)?\s+to|return\s+to|roll\s?back\s+to|undo\s+to|take\s+me(?:\s+back)?\s+to|"
    r"check\s?out|restore|show(?:\s+me)?|open|load|select|pick|use|view|display|see|bring\s+back|"
    r"give\s+me\s+back|give\s+me|let\s+me\s+see|(?:can|could|may)\s+i\s+(?:see|have|get)(?:\s+back)?|i\s+want|"
    r"i'd\s+like)"
)
_EN_TARGET = (
    rf"(?:the\s+)?(?:version|ver\.?|v\.?|#|no\.?|number)\s*(?P<en_card>{EN_CARDINAL})|"
    rf"(?:the\s+)?(?P<en_ord>{EN_ORDINAL})\s+(?:version|one|image|picture|edit|result)"
)
CHECKOUT_EN = _rx(rf"^(?:{_EN_GO}\s+)?(?:{_EN_TARGET})(?:\s+again)?$")
CHECKOUT_EN_BARE = _rx(
    r"^(?:go(?:\s+back)?\s+to|back\s+to|revert(?:\s+back)?\s+to|jump\s+to|switch\s+to|check\s?out)\s+"
    rf"(?:#\s*)?(?P<en_bare>{EN_CARDINAL})$"
)
CHECKOUT_EN_ORIGINAL = _rx(
    rf"^{_EN_GO}\s+(?:the\s+)?(?:original|very first)(?:\s+(?:one|image|picture|version))?$"
)

_ZH_GO = (
    r"(?:回到|回去|返回到?|退回到?|切换到|切换回|切回到?|切到|跳到|跳回到?|转到|恢复到|撤回到|撤销到|回滚到|"
    r"看看|看一下|看下|看|显示|打开|查看|选择|选|用回?|使用|我要|给我看看?|要)"
)
_ZH_TARGET = (
    rf"第(?P<zh_ord>{ZH_NUMBER})(?:个|张|号|幅)?(?:版本|版|张|图|个|幅)?|"
    rf"(?:版本|版)\s*(?:号)?\s*(?P<zh_card>{ZH_NUMBER})(?:号)?|(?P<zh_num>{ZH_NUMBER})号版本|"
    rf"v(?P<zh_v>\d+)"
)
CHECKOUT_ZH = _rx(rf"^{_ZH_GO}?\s*(?:{_ZH_TARGET})(?:的?(?:版本|图|那张|那个))?$")
# A message about versions that is not a checkout ("compare version 2 and 3", "delete v3") must not
# become a picture of the words: it is answered in text.
MENTIONS_VERSION = _rx(r"\bversions?\s*#?\d+\b|\bv\d+\b|版本\s*\d|第\S{1,3}版|\d+\s*号版本")
CHECKOUT_ZH_BARE = _rx(
    r"^(?:回到|切换到|跳到|退回到|返回到)\s*(?P<zh_bare>\d+|[零〇一二两三四五六七八九十百千]+)$"
)
CHECKOUT_ZH_ORIGINAL = _rx(rf"^{_ZH_GO}?(?:原图|原始版本|最初的?版本|最开始的?(?:版本|那张)|第一版)$")

# -------------------------------------------------------------------------------------------
# With an attachment: words that only announce the upload ("here's my photo", "这是我的照片").
# -------------------------------------------------------------------------------------------
_UP_DET = r"(?:my|a|an|the|this|that|our)"
_UP_NOUN = r"(?:photo|image|picture|pic|file|one|attachment|drawing|sketch|upload|selfie|screenshot)"
_UP_TAIL = (
    r"(?:\s+(?:of (?:mine|me)|i (?:took|made|have)|here|instead|please|"
    r"as (?:a|the|my) (?:base|starting point|start|reference|new root)))?"
)
UPLOAD_FRAMING = _rx(
    # "here's my photo", "i uploaded a picture": the noun is optional after these.
    rf"^(?:here(?:'s| is)|this is|attached(?: is)?|i(?:'ve| have)? uploaded|uploading|upload)"
    rf"(?:\s+{_UP_DET})?(?:\s+(?:new|own|old))?(?:\s+{_UP_NOUN})?{_UP_TAIL}(?:\s*(?:[:,.!;]|\band\b|\bthen\b))*\s*|"
    # "use this photo", "this one", "my selfie": a noun is needed, then a break or the end.
    rf"^(?:(?:use|take|edit|look at|check out|start (?:from|with)|see|with)\s+)?(?:{_UP_DET}\s+)?(?:(?:new|own|old)\s+)?"
    rf"{_UP_NOUN}{_UP_TAIL}(?=\s*(?:[:,.!;]|\band\b|\bthen\b|$))(?:\s*(?:[:,.!;]|\band\b|\bthen\b))*\s*|"
    # "use this and ...", "edit it: ...": the pronoun is the upload.
    rf"^(?:use|take|edit|start (?:from|with))\s+(?:this|that|it){_UP_TAIL}(?=\s*(?:[:,.!;]|\band\b|\bthen\b|$))"
    r"(?:\s*(?:[:,.!;]|\band\b|\bthen\b))*\s*|"
    r"^(?:这是|这是我的|我上传了|上传了?)(?:我的)?(?:这张|这个|一张)?(?:照片|图片|图像|图|相片|文件)?(?:吧)?"
    r"[\s:：,，。.!！]*(?:然后|并且|并|再)?|"
    r"^(?:用|基于|以|编辑|看看)?(?:我的)?(?:这张|这个|一张)?(?:照片|图片|图像|相片|文件|图)(?:吧)?"
    r"(?=[\s:：,，。.!！]|然后|并且|并|$)[\s:：,，。.!！]*(?:然后|并且|并|再)?"
)
