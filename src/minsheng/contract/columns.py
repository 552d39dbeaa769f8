"""The columns of the data contract (v1), as data.

One list per file kind drives the importer (parsing and validation), the
exporter, the Excel template and the database mapping, so a column is
described once. Money columns are yuan in files and integer fen in the store.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from minsheng.codes import enums
from minsheng.codes.enums import CodeList

CONTRACT_VERSION = "1"


@dataclass(frozen=True, slots=True)
class Column:
    """One contract column.

    kind: text | id | division | enum | money | int | decimal | date | bool | id_number | programmes
    """

    name: str
    zh: str
    kind: str
    required: bool = False
    codes: CodeList | None = None
    en: str = ""  # a short English description for the template

    @property
    def store_name(self) -> str:
        """The database column: money is kept as integer fen."""
        return f"{self.name}_fen" if self.kind == "money" else self.name


def _c(name: str, zh: str, kind: str, en: str, *, required: bool = False, codes: CodeList | None = None) -> Column:
    return Column(name, zh, kind, required, codes, en)


HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    _c("household_id", "家庭编号", "id", "unique within the county's data", required=True),
    _c(
        "residence_division", "居住地区划代码", "division", "6/9/12-digit division of habitual residence", required=True
    ),
    _c("hukou_division", "户籍地区划代码", "division", "division of household registration; defaults to residence"),
    _c("urban_rural", "城乡属性", "enum", "urban/rural (城镇/农村)", required=True, codes=enums.URBAN_RURAL),
    _c("financial_assets", "金融资产", "money", "yuan: deposits, securities, funds, insurance cash value"),
    _c("properties", "住房套数", "int", "residential properties owned or rented long-term"),
    _c("housing_area_m2", "住房面积", "decimal", "total floor area, m²"),
    _c(
        "non_residential_property",
        "非住宅房产",
        "bool",
        "owns non-residential property (1/0, 是/否)",
        codes=enums.BOOLEAN,
    ),
    _c("vehicles", "机动车数", "int", "motor vehicles, excluding disability mobility vehicles"),
    _c("vehicle_value", "机动车价值", "money", "yuan"),
    _c("business_capital", "经营资本", "money", "yuan, registered capital of members' businesses"),
    _c("enrolled", "已享受救助", "programmes", "';'-separated programme ids, e.g. dibao", codes=enums.PROGRAMME),
    _c("enrolled_since", "纳入日期", "date", "date enrolled"),
    _c("current_benefit", "当前月救助金", "money", "yuan per month paid now"),
)

PERSON_COLUMNS: tuple[Column, ...] = (
    _c("person_id", "成员编号", "id", "unique", required=True),
    _c("household_id", "家庭编号", "id", "must exist in households", required=True),
    _c("id_number", "公民身份号码", "id_number", "18 characters, GB 11643"),
    _c("name", "姓名", "text", "name", required=True),
    _c(
        "relation", "与户主关系", "enum", "GB/T 4761 code: 02 head, 10–12 spouse …", required=True, codes=enums.RELATION
    ),
    _c("sex", "性别", "enum", "1/2 (男/女), from the ID number when empty", codes=enums.SEX),
    _c("birth_date", "出生日期", "date", "from the ID number when empty"),
    _c("disability_grade", "残疾等级", "enum", "0 none, 1 most severe … 4", codes=enums.DISABILITY_GRADE),
    _c(
        "disability_kind",
        "残疾类别",
        "enum",
        "visual/hearing/speech/physical/intellectual/mental/multiple",
        codes=enums.DISABILITY_KIND,
    ),
    _c("labour_capacity", "劳动能力", "enum", "full/partial/none", codes=enums.LABOUR_CAPACITY),
    _c("self_care", "生活自理能力", "enum", "full/partial/none", codes=enums.SELF_CARE),
    _c(
        "employment",
        "就业状态",
        "enum",
        "employed/flexible/platform/migrant/farming/unemployed/student/retired/none",
        codes=enums.EMPLOYMENT,
    ),
    _c(
        "school_stage",
        "在读学段",
        "enum",
        "none/preschool/primary/junior/senior/vocational/higher",
        codes=enums.SCHOOL_STAGE,
    ),
    _c("wage_income", "工资性收入", "money", "yuan/month, average of the last 12 months"),
    _c("business_income", "经营净收入", "money", "yuan/month"),
    _c("property_income", "财产净收入", "money", "yuan/month"),
    _c("transfer_income", "转移净收入", "money", "yuan/month: pensions, alimony (not assistance benefits)"),
    _c("disregarded_income", "不计入收入", "money", "yuan/month excluded by the rules (childcare subsidy …)"),
    _c("medical_expense", "自付医疗费用", "money", "yuan per 12 months, out of pocket"),
    _c("education_expense", "教育支出", "money", "yuan per 12 months"),
    _c("other_rigid_expense", "其他刚性支出", "money", "yuan per 12 months"),
    _c("medical_insurance", "医保类型", "enum", "employee/resident/none", codes=enums.MEDICAL_INSURANCE),
    _c("medical_insurance_years", "连续参保年数", "int", "consecutive years insured"),
    _c("zero_claim_years", "零报销年数", "int", "consecutive years without reimbursement"),
    _c("pension_insurance", "养老保险类型", "enum", "employee/resident/none", codes=enums.PENSION_INSURANCE),
    _c("supporter_capable", "赡养人有能力", "bool", "has a legal supporter able to support (1/0)", codes=enums.BOOLEAN),
    _c("phone", "联系电话", "text", "personal data: masked in exports"),
)

# What each registry column holds, in Chinese: the import template's notes (`Column.en` is the
# English one). A test checks that every household and person column has its note.
NOTES_ZH: dict[str, str] = {
    "household_id": "在本县数据中唯一",
    "residence_division": "经常居住地的6/9/12位区划代码",
    "hukou_division": "户籍地区划代码；不填时同居住地",
    "urban_rural": "城镇或农村，从下拉列表选择",
    "financial_assets": "元：存款、有价证券、基金、商业保险现金价值",
    "properties": "拥有或长期租用的住房套数",
    "housing_area_m2": "住房总建筑面积，平方米",
    "non_residential_property": "是否拥有非住宅房产（是/否）",
    "vehicles": "机动车数量，不含残疾人功能性补偿代步机动车",
    "vehicle_value": "元",
    "business_capital": "元，家庭成员所办经营主体的注册资本",
    "enrolled": "已享受的救助项目编号，多个用分号（;）分隔；编号见“代码表”",
    "enrolled_since": "纳入救助的日期",
    "current_benefit": "目前每月发放的救助金，元",
    "person_id": "唯一",
    "id_number": "18位，符合GB 11643",
    "name": "姓名",
    "relation": "GB/T 4761代码或名称：02 户主，10–12 配偶……从下拉列表选择",
    "sex": "男或女；不填时按身份证号推算",
    "birth_date": "不填时按身份证号推算",
    "disability_grade": "无残疾、一级（最重）……四级",
    "disability_kind": "视力、听力、言语、肢体、智力、精神、多重",
    "labour_capacity": "有劳动能力、部分丧失劳动能力、无劳动能力",
    "self_care": "完全自理、部分自理、完全不能自理",
    "employment": "单位就业、灵活就业、新就业形态、外出务工、务农、失业、在校学生、离退休、无业",
    "school_stage": "不在读、学前、小学、初中、高中、中职、高等教育",
    "wage_income": "元/月，近12个月平均",
    "business_income": "元/月",
    "property_income": "元/月",
    "transfer_income": "元/月：养老金、赡养费等（不含救助金）",
    "disregarded_income": "元/月，按规定不计入家庭收入的部分（如育儿补贴）",
    "medical_expense": "元，近12个月个人自付部分",
    "education_expense": "元，近12个月",
    "other_rigid_expense": "元，近12个月",
    "medical_insurance": "职工医保、居民医保或未参保",
    "medical_insurance_years": "连续参保年数",
    "zero_claim_years": "连续未报销年数",
    "pension_insurance": "职工养老保险、居民养老保险或未参保",
    "supporter_capable": "是否有有赡养能力的法定赡养人（是/否）",
    "phone": "个人信息：导出时脱敏",
}

# Department feeds (部门比对数据): an envelope every kind shares, then the kind's own columns.
FEED_SOURCES = CodeList(
    "feed_source",
    "数据来源部门",
    {
        "medical_insurance": ("医保部门", "medical insurance"),
        "human_resources": ("人社部门", "human resources"),
        "public_security": ("公安部门", "public security"),
        "disabled_federation": ("残联", "disabled persons' federation"),
        "emergency_management": ("应急管理部门", "emergency management"),
        "education": ("教育部门", "education"),
        "housing": ("住建部门", "housing"),
        "market_regulation": ("市场监管部门", "market regulation"),
        "tax": ("税务部门", "tax"),
        "provident_fund": ("公积金中心", "provident fund"),
        "bank": ("银行", "bank"),
        "civil_affairs": ("民政部门", "civil affairs"),
    },
)
UNEMPLOYMENT_STATUS = CodeList(
    "unemployment_status",
    "失业状态",
    {
        "registered": ("失业登记", "registered"),
        "benefit_start": ("开始领取失业金", "benefit starts"),
        "benefit_end": ("停止领取失业金", "benefit ends"),
    },
)
FEED_ENVELOPE: tuple[Column, ...] = (
    _c("source", "数据来源部门", "enum", "department that delivered the record", required=True, codes=FEED_SOURCES),
    _c("record_id", "记录编号", "id", "unique within the source", required=True),
    _c("event_date", "发生日期", "date", "date of the event", required=True),
    _c("id_number", "公民身份号码", "id_number", "may be missing or wrong"),
    _c("name", "姓名", "text", "name as the department holds it", required=True),
    _c("birth_date", "出生日期", "date", "birth date"),
    _c("sex", "性别", "enum", "1/2", codes=enums.SEX),
    _c("residence_division", "居住地区划代码", "division", "residence division"),
)
FEED_KINDS: dict[str, tuple[Column, ...]] = {
    "medical_claim": (
        _c("total_cost", "医疗总费用", "money", "yuan"),
        _c("out_of_pocket", "个人自付", "money", "yuan"),
        _c("inpatient", "住院", "bool", "inpatient stay", codes=enums.BOOLEAN),
        _c("major_illness", "大病", "bool", "major illness", codes=enums.BOOLEAN),
    ),
    "unemployment": (
        _c(
            "status",
            "失业状态",
            "enum",
            "registered/benefit_start/benefit_end",
            required=True,
            codes=UNEMPLOYMENT_STATUS,
        ),
        _c("monthly_benefit", "月失业金", "money", "yuan/month"),
    ),
    "death": (),
    "disability_certification": (
        _c("disability_grade", "残疾等级", "enum", "1 most severe … 4", required=True, codes=enums.DISABILITY_GRADE),
        _c("disability_kind", "残疾类别", "enum", "kind", codes=enums.DISABILITY_KIND),
    ),
    "disaster_loss": (_c("loss_amount", "损失金额", "money", "yuan"), _c("disaster_kind", "灾害类别", "text", "kind")),
    "education_enrolment": (
        _c("school_stage", "在读学段", "enum", "stage", required=True, codes=enums.SCHOOL_STAGE),
        _c("annual_fee", "年学费", "money", "yuan/year"),
    ),
    "wage_record": (
        _c("monthly_wage", "月工资", "money", "yuan/month, from social-insurance contributions", required=True),
    ),
    "pension_payment": (_c("monthly_amount", "月养老金", "money", "yuan/month", required=True),),
    "property_registration": (
        _c("area_m2", "面积", "decimal", "m²"),
        _c("value", "价值", "money", "yuan"),
        _c("residential", "住宅", "bool", "residential", codes=enums.BOOLEAN),
    ),
    "vehicle_registration": (
        _c("value", "价值", "money", "yuan"),
        _c("commercial", "营运车辆", "bool", "commercial", codes=enums.BOOLEAN),
    ),
    "business_registration": (_c("capital", "注册资本", "money", "yuan"),),
    "provident_fund": (
        _c("monthly_contribution", "月缴存额", "money", "yuan/month"),
        _c("balance", "余额", "money", "yuan"),
    ),
    "deposit_balance": (_c("amount", "存款余额", "money", "yuan", required=True),),
}

# The contract's numeric ranges: what a file's cell may hold (`contract.validation` checks
# files; work-order findings and the API check the same bounds), so every number that reaches
# the registry is finite, fits its column, and exports to a file that imports again.
MAX_MONEY_FEN = 10**15  # 10 trillion yuan: beyond any household's figure, well inside int64
MAX_COUNT = 10_000  # `int` columns (properties, vehicles, years): well inside a 32-bit column
MAX_DECIMAL = 10**9  # `decimal` columns (m²), exclusive: a file's cell has at most 9 integer digits

COLUMNS = {
    "households": HOUSEHOLD_COLUMNS,
    "persons": PERSON_COLUMNS,
    **{f"feed:{kind}": (*FEED_ENVELOPE, *cols) for kind, cols in FEED_KINDS.items()},
}
KEYS = {"households": "household_id", "persons": "person_id"}
TITLES = {"households": ("家庭", "households"), "persons": ("家庭成员", "persons")}
# Sheet names accepted in a workbook, besides the first sheet of a single-kind file.
SHEET_NAMES = {"households": ("households", "家庭"), "persons": ("persons", "家庭成员", "成员")}


def header_aliases(kind: str) -> dict[str, str]:
    """Accepted header spelling → contract column name (English names and Chinese aliases)."""
    table: dict[str, str] = {}
    for col in COLUMNS[kind]:
        table[col.name] = col.name
        table[col.zh] = col.name
    return table


def store_frame(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Contract names → store names (money columns get `_fen`); values must already be parsed."""
    return frame.rename({c.name: c.store_name for c in COLUMNS[kind] if c.name in frame.columns})
