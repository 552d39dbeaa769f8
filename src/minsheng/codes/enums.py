"""The code lists of the data contract, with Chinese and English labels.

Family relationship follows GB/T 4761-2008 (two-digit codes), sex GB/T 2261.1;
the rest are the contract's own lists (`DATA-CONTRACT.md`). Each list accepts
its codes and, on input, its Chinese labels (a caseworker types 男, 城镇, 是).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CodeList:
    """One enumeration: code → (Chinese label, English label)."""

    name: str
    title_zh: str
    labels: dict[str, tuple[str, str]]
    aliases: dict[str, str] = field(default_factory=dict)  # extra accepted spellings → code

    def accepted(self) -> dict[str, str]:
        """Every accepted input spelling → code (codes, Chinese labels, aliases)."""
        table = {code: code for code in self.labels}
        table.update({zh: code for code, (zh, _en) in self.labels.items()})
        table.update(self.aliases)
        return table

    def label(self, code: str, lang: str = "zh") -> str:
        zh, en = self.labels[code]
        return zh if lang == "zh" else en


SEX = CodeList("sex", "性别", {"1": ("男", "male"), "2": ("女", "female")}, {"男性": "1", "女性": "2"})

URBAN_RURAL = CodeList(
    "urban_rural",
    "城乡属性",
    {"urban": ("城镇", "urban"), "rural": ("农村", "rural")},
    {"城市": "urban", "乡村": "rural"},
)

# GB/T 4761-2008 two-digit codes. The labels of 52 and 78 are lost in the only
# stored copy of the standard (POLICY-FACTS §11.3); they are filled by the
# pattern of their groups (51 父亲 → 52 母亲, 77 妹妹 → 78 妹夫) and marked so.
RELATION = CodeList(
    "relation",
    "与户主关系",
    {
        "01": ("本人", "self"),
        "02": ("户主", "head of household"),
        "10": ("配偶", "spouse"),
        "11": ("夫", "husband"),
        "12": ("妻", "wife"),
        "20": ("子", "son"),
        "21": ("独生子", "only son"),
        "22": ("长子", "eldest son"),
        "23": ("次子", "second son"),
        "24": ("三子", "third son"),
        "25": ("四子", "fourth son"),
        "26": ("五子", "fifth son"),
        "27": ("养子或继子", "adopted or stepson"),
        "28": ("女婿", "son-in-law"),
        "29": ("其他儿子", "other son"),
        "30": ("女", "daughter"),
        "31": ("独生女", "only daughter"),
        "32": ("长女", "eldest daughter"),
        "33": ("次女", "second daughter"),
        "34": ("三女", "third daughter"),
        "35": ("四女", "fourth daughter"),
        "36": ("五女", "fifth daughter"),
        "37": ("养女或继女", "adopted or stepdaughter"),
        "38": ("儿媳", "daughter-in-law"),
        "39": ("其他女儿", "other daughter"),
        "40": ("孙子、孙女、外孙子、外孙女", "grandchild"),
        "41": ("孙子", "grandson"),
        "42": ("孙女", "granddaughter"),
        "43": ("外孙子", "daughter's son"),
        "44": ("外孙女", "daughter's daughter"),
        "45": ("孙媳妇或外孙媳妇", "grandson's wife"),
        "46": ("孙女婿或外孙女婿", "granddaughter's husband"),
        "47": ("曾孙子或外曾孙子", "great-grandson"),
        "48": ("曾孙女或外曾孙女", "great-granddaughter"),
        "49": ("其他孙子、孙女、外孙子、外孙女", "other grandchild"),
        "50": ("父母", "parent"),
        "51": ("父亲", "father"),
        "52": ("母亲（推定）", "mother (label presumed)"),
        "53": ("公公", "husband's father"),
        "54": ("婆婆", "husband's mother"),
        "55": ("岳父", "wife's father"),
        "56": ("岳母", "wife's mother"),
        "57": ("继父或养父", "stepfather or adoptive father"),
        "58": ("继母或养母", "stepmother or adoptive mother"),
        "59": ("其他父母关系", "other parent"),
        "60": ("祖父母、外祖父母", "grandparent"),
        "61": ("祖父", "paternal grandfather"),
        "62": ("祖母", "paternal grandmother"),
        "63": ("外祖父", "maternal grandfather"),
        "64": ("外祖母", "maternal grandmother"),
        "65": ("配偶的祖父母、外祖父母", "spouse's grandparent"),
        "66": ("曾祖父", "great-grandfather"),
        "67": ("曾祖母", "great-grandmother"),
        "68": ("配偶的曾祖父母、外曾祖父母", "spouse's great-grandparent"),
        "69": ("其他祖父母或外祖父母关系", "other grandparent"),
        "70": ("兄弟姐妹", "sibling"),
        "71": ("兄", "elder brother"),
        "72": ("嫂", "elder brother's wife"),
        "73": ("弟", "younger brother"),
        "74": ("弟媳", "younger brother's wife"),
        "75": ("姐姐", "elder sister"),
        "76": ("姐夫", "elder sister's husband"),
        "77": ("妹妹", "younger sister"),
        "78": ("妹夫（推定）", "younger sister's husband (label presumed)"),
        "79": ("其他兄弟姐妹", "other sibling"),
        "80": ("其他", "other"),
        "81": ("伯父", "father's elder brother"),
        "82": ("伯母", "father's elder brother's wife"),
        "83": ("叔父", "father's younger brother"),
        "84": ("婶母", "father's younger brother's wife"),
        "85": ("舅父", "mother's brother"),
        "86": ("舅母", "mother's brother's wife"),
        "87": ("姨父", "mother's sister's husband"),
        "88": ("姨母", "mother's sister"),
        "89": ("姑父", "father's sister's husband"),
        "90": ("姑母", "father's sister"),
        "91": ("堂兄弟、堂姐妹", "paternal cousin"),
        "92": ("表兄弟、表姐妹", "maternal cousin"),
        "93": ("侄子", "nephew (brother's son)"),
        "94": ("侄女", "niece (brother's daughter)"),
        "95": ("外甥", "nephew (sister's son)"),
        "96": ("外甥女", "niece (sister's daughter)"),
        "97": ("其他亲属", "other relative"),
        "99": ("非亲属", "non-relative"),
    },
)
HEAD_OF_HOUSEHOLD = "02"
SPOUSE_CODES = frozenset({"10", "11", "12"})

DISABILITY_GRADE = CodeList(
    "disability_grade",
    "残疾等级",
    {
        "0": ("无残疾", "none"),
        "1": ("一级", "grade 1 (most severe)"),
        "2": ("二级", "grade 2"),
        "3": ("三级", "grade 3"),
        "4": ("四级", "grade 4"),
    },
    {"无": "0", "1级": "1", "2级": "2", "3级": "3", "4级": "4"},
)

DISABILITY_KIND = CodeList(
    "disability_kind",
    "残疾类别",
    {
        "visual": ("视力", "visual"),
        "hearing": ("听力", "hearing"),
        "speech": ("言语", "speech"),
        "physical": ("肢体", "physical"),
        "intellectual": ("智力", "intellectual"),
        "mental": ("精神", "mental"),
        "multiple": ("多重", "multiple"),
    },
)

LABOUR_CAPACITY = CodeList(
    "labour_capacity",
    "劳动能力",
    {"full": ("有劳动能力", "full"), "partial": ("部分丧失劳动能力", "partial"), "none": ("无劳动能力", "none")},
    {"完全": "full", "部分": "partial", "无": "none"},
)
SELF_CARE = CodeList(
    "self_care",
    "生活自理能力",
    {"full": ("完全自理", "full"), "partial": ("部分自理", "partial"), "none": ("完全不能自理", "none")},
    {"完全": "full", "部分": "partial", "无": "none", "不能自理": "none"},
)

EMPLOYMENT = CodeList(
    "employment",
    "就业状态",
    {
        "employed": ("单位就业", "employed"),
        "flexible": ("灵活就业", "flexible"),
        "platform": ("新就业形态", "platform"),
        "migrant": ("外出务工", "migrant worker"),
        "farming": ("务农", "farming"),
        "unemployed": ("失业", "unemployed"),
        "student": ("在校学生", "student"),
        "retired": ("离退休", "retired"),
        "none": ("无业", "none"),
    },
    {"农民工": "migrant", "学生": "student", "退休": "retired"},
)

SCHOOL_STAGE = CodeList(
    "school_stage",
    "在读学段",
    {
        "none": ("不在读", "none"),
        "preschool": ("学前", "preschool"),
        "primary": ("小学", "primary"),
        "junior": ("初中", "junior secondary"),
        "senior": ("高中", "senior secondary"),
        "vocational": ("中职", "vocational"),
        "higher": ("高等教育", "higher"),
    },
    {"无": "none", "幼儿园": "preschool", "大学": "higher"},
)

MEDICAL_INSURANCE = CodeList(
    "medical_insurance",
    "医保类型",
    {"employee": ("职工医保", "employee"), "resident": ("居民医保", "resident"), "none": ("未参保", "none")},
    {"职工": "employee", "居民": "resident", "无": "none"},
)
PENSION_INSURANCE = CodeList(
    "pension_insurance",
    "养老保险类型",
    {"employee": ("职工养老保险", "employee"), "resident": ("居民养老保险", "resident"), "none": ("未参保", "none")},
    {"职工": "employee", "居民": "resident", "无": "none"},
)

BOOLEAN = CodeList(
    "boolean",
    "是/否",
    {"1": ("是", "yes"), "0": ("否", "no")},
    {
        "true": "1",
        "false": "0",
        "TRUE": "1",
        "FALSE": "0",
        "True": "1",
        "False": "0",
        "yes": "1",
        "no": "0",
        "Y": "1",
        "N": "0",
    },
)

# Programmes a household may be enrolled in (`enrolled` column). The rules
# engine's programme registry adds its own; these are the contract's ids.
PROGRAMME = CodeList(
    "programme",
    "救助项目",
    {
        "dibao": ("最低生活保障", "minimum living allowance"),
        "tekun": ("特困人员救助供养", "support for extremely poor persons"),
        "dibao_marginal": ("低保边缘家庭", "dibao-marginal household"),
        "rigid_expenditure_hardship": ("刚性支出困难家庭", "rigid-expenditure hardship household"),
        "temporary_assistance": ("临时救助", "temporary assistance"),
    },
)

ALL: tuple[CodeList, ...] = (
    SEX,
    URBAN_RURAL,
    RELATION,
    DISABILITY_GRADE,
    DISABILITY_KIND,
    LABOUR_CAPACITY,
    SELF_CARE,
    EMPLOYMENT,
    SCHOOL_STAGE,
    MEDICAL_INSURANCE,
    PENSION_INSURANCE,
    BOOLEAN,
    PROGRAMME,
)
