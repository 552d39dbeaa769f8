"""Name data for synthetic persons (姓名素材).

Surnames: the top 20 with their shares from the 2010 NBS table (PF2 §4.3);
ranks 21–100 in the order of the MPS 2020 report (PF2 §4.1), whose shares are
not published and are decayed smoothly in names.py; a tail of less common
surnames (an unsourced list of real surnames, compound ones included).

Given-name characters: common characters by sex and birth cohort. These lists
are assumptions written for this generator, not a published frequency table.
"""

from __future__ import annotations

# PF2 §4.3: rank, surname, % of the population (2010).
TOP20: tuple[tuple[str, float], ...] = (
    ("王", 7.10),
    ("李", 6.96),
    ("张", 6.42),
    ("刘", 5.16),
    ("陈", 4.26),
    ("杨", 2.97),
    ("黄", 2.16),
    ("赵", 2.03),
    ("周", 1.88),
    ("吴", 1.78),
    ("徐", 1.43),
    ("孙", 1.39),
    ("马", 1.34),
    ("胡", 1.16),
    ("朱", 1.14),
    ("郭", 1.09),
    ("何", 1.05),
    ("罗", 1.00),
    ("高", 0.97),
    ("林", 0.96),
)

# PF2 §4.1: MPS 2020 ranks 21–100, in order.
RANK_21_100 = (
    "郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢"
    "姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷"
    "龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常"
)

# Less common surnames (ranks beyond 100), roughly in decreasing frequency.
TAIL: tuple[str, ...] = (
    *"汤殷施文樊易乔祝聂庞章鲁葛伍岳骆牛申齐安柳欧包耿关凌车景詹左华焦储甘阮辛温屈柯管卜冉苗游卫"
    "房饶翟郎尤商单裴芦邢艾邬鲍晏蒙窦习兰赖洪麦杭宁靳季权全涂谷盛滕宗纪舒苟喻童倪蓝佘霍俞"
    "揭桂邝阎简柴农丰符覃隋滑宫雍晁缪虞尚仇鄂鞠祁戚冀娄梅吉明荣裘巫米湛卓闵蔺苑葛连谈伏羊",
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "令狐",
    "慕容",
    "尉迟",
    "夏侯",
    "司徒",
    "公孙",
)

# Given-name characters by sex and birth cohort (born before 1970, 1970–1999, 2000 on).
MALE = (
    "建国华明军伟平文志强德福林海清洪忠金春才成荣生永兴保发祥贵玉山顺宝友义光民树长正",
    "伟勇军磊涛斌强鹏杰峰超波辉刚健明亮俊飞鑫浩宇龙林华东海洋帅凯斌勇亮伟刚军晓新庆",
    "浩宇轩子涵梓睿博俊哲泽宸铭皓杰豪诚瑞奕然晨阳天昊逸钰航晟嘉鑫一宇辰泽彦翔骏",
)
FEMALE = (
    "秀英兰珍芳华玉凤桂梅琴云莲淑翠霞娥素春爱花荣香芬菊萍美月彩红雪金丽桂兰英",
    "丽静敏燕艳娟霞婷雪慧玲洁琳颖莉倩晶红芳丹娜萍蓉璐佳欣艳玉梅晓春海霞丽琴",
    "欣怡梓涵子萱雨诗琪可佳思语梦妍悦彤雅馨婉心若一曦瑶钰淼诺依晨嘉雪安茜",
)
# Share of one-character given names by cohort (assumption).
ONE_CHAR_SHARE = (0.30, 0.18, 0.08)
