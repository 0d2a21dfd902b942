"""Page layouts of generated A4 documents: separation certificates, contribution certificates, contracts.

Each layout takes the document's values (``None`` for a field the document leaves out) and the
format choices, draws a page and returns it with the box of the issuer's name (where the seal goes).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from PIL import Image

from connectors.ocr.fonts import font
from connectors.ocr.synth_page import Box, Page, fmt_amount, fmt_date, fmt_month

BLANK = "________"
POSITIONS = ("销售经理", "会计", "软件工程师", "行政专员", "仓库管理员", "人事主管", "采购员", "客服专员")
SEX_ZH = {"male": "男", "female": "女"}


@dataclass
class Styles:
    """Format choices of one document."""

    date: str
    month: str
    amount: str
    font: str
    body: int

    @classmethod
    def pick(cls, rng: random.Random) -> Styles:
        """Random but seed-fixed format choices."""
        return cls(
            date=rng.choice(("cn", "cn", "cn_pad", "dash", "dot")),
            month=rng.choice(("cn", "compact", "dash", "dot")),
            amount=rng.choice(("plain", "cents", "comma")),
            font=rng.choice(("serif", "sans")),
            body=rng.choice((28, 30, 32)),
        )


def _sign_off_x(page: Page, text: str, size: int | None = None) -> int:
    """Where a left-aligned sign-off block starts: right of the middle, but never past the margin."""
    length = round(font(size or page.body, page.style).getlength(text))
    return min(page.width // 2 - 80, page.width - page.margin - length)


def _d(value: date | None, styles: Styles, blank: str = BLANK) -> str:
    return fmt_date(value, styles.date) if value else blank


def separation_page(rng: random.Random, v: dict[str, Any], layout: str, s: Styles) -> tuple[Image.Image, Box | None]:
    """A separation certificate; returns the page and the box of the employer's name in the sign-off."""
    page = Page(body=s.body, style=s.font)
    position = rng.choice(POSITIONS)
    ends = rng.choice(("解除", "终止"))
    name = v["name"] or BLANK
    issuer_box: Box | None = None
    if layout == "prose":
        page.gap(60)
        page.title(rng.choice(("离职证明", f"{ends}劳动合同证明")))
        text = f"兹证明{name}"
        if v["id_number"]:
            text += f"（身份证号码：{v['id_number']}）"
        text += "，"
        if v["entry_date"]:
            text += rng.choice((f"自{_d(v['entry_date'], s)}入职我单位，", f"于{_d(v['entry_date'], s)}起在我单位工作，"))
        text += f"担任{position}一职，"
        if v["separation_date"]:
            text += f"于{_d(v['separation_date'], s)}与我单位{ends}劳动合同，"
        else:
            text += f"现已与我单位{ends}劳动合同，"
        text += "相关离职手续已办理完毕。"
        page.paragraph(text)
        page.paragraph("特此证明。")
        page.gap(140)
        if v["employer"]:
            issuer_box = page.line(f"{v['employer']}（盖章）", align="right", mark=v["employer"])
        else:
            page.line("单位（盖章）：", align="right")
        if v["credit_code"]:
            page.line(f"统一社会信用代码：{v['credit_code']}", align="right")
        if v["issue_date"]:
            page.line(_d(v["issue_date"], s), align="right")
    elif layout == "form":
        page.gap(40)
        page.title(f"{ends}劳动合同证明书", spaced=False)
        rows = [
            ["姓名", v["name"] or ""],
            ["性别", SEX_ZH[v["sex"]]],
            ["身份证号码", v["id_number"] or ""],
            ["入职时间", _d(v["entry_date"], s, "")],
            ["离职时间", _d(v["separation_date"], s, "")],
            ["离职原因", rng.choice(("协商一致", "劳动合同期满", "个人原因辞职"))],
        ]
        page.table(rows, [1, 3])
        page.paragraph(f"上述人员与我单位的劳动关系已于离职时间{ends}，双方无其他劳动争议。特此证明。")
        page.gap(100)
        x = _sign_off_x(page, f"用人单位（盖章）：{v['employer'] or ''}")
        if v["employer"]:
            issuer_box = page.line(f"用人单位（盖章）：{v['employer']}", x=x, mark=v["employer"])
        else:
            page.line("用人单位（盖章）：", x=x)
        if v["credit_code"]:
            page.line(f"统一社会信用代码：{v['credit_code']}", x=x)
        page.line(f"日期：{_d(v['issue_date'], s, '')}", x=x)
    elif layout == "letter":
        page.gap(60)
        page.title("离职证明")
        employer = v["employer"] or "我公司"
        text = f"{name}，{SEX_ZH[v['sex']]}，"
        if v["id_number"]:
            text += f"身份证号：{v['id_number']}，"
        if v["entry_date"]:
            text += f"于{_d(v['entry_date'], s)}入职{employer}，"
        text += f"任{position}。因个人原因，"
        if v["separation_date"]:
            text += f"于{_d(v['separation_date'], s)}离职，"
        else:
            text += "申请离职，"
        text += "我公司已同意并办理相关手续。在职期间无不良记录。"
        page.paragraph(text)
        page.paragraph("特此证明！")
        page.gap(160)
        if v["employer"]:
            issuer_box = page.line(v["employer"], align="right", mark=v["employer"])
        if v["credit_code"]:
            page.line(f"统一社会信用代码：{v['credit_code']}", align="right")
        if v["issue_date"]:
            page.line(_d(v["issue_date"], s), align="right")
    else:
        raise ValueError(f"unknown separation layout {layout!r}")
    return page.image, issuer_box


def contribution_page(rng: random.Random, v: dict[str, Any], layout: str, s: Styles) -> tuple[Image.Image, Box | None]:
    """A contribution certificate; returns the page and the box of the agency's name."""
    page = Page(body=s.body, style=s.font)
    ms = s.month if layout == "list" else rng.choice(("compact", "dash", "dot"))
    ps = fmt_month(v["period_start"], ms) if v["period_start"] else ""
    pe = fmt_month(v["period_end"], ms) if v["period_end"] else ""
    base = fmt_amount(v["contribution_base"], s.amount) if v["contribution_base"] is not None else ""
    months = str(v["months_paid"]) if v["months_paid"] is not None else ""
    issuer_box: Box | None = None
    if layout == "table":
        page.gap(40)
        page.title(rng.choice(("参保缴费凭证", "基本养老保险参保缴费凭证")), spaced=False)
        page.line(f"姓名：{v['name'] or ''}")
        page.line(f"公民身份号码：{v['id_number'] or ''}")
        if v["employer"]:
            page.line(f"参保单位：{v['employer']}")
        if v["credit_code"]:
            page.line(f"统一社会信用代码：{v['credit_code']}")
        page.gap(10)
        period = f"{ps}-{pe}" if ps or pe else ""
        rows = [["险种", "缴费起止年月", "累计月数", "缴费基数(元)"], ["基本养老保险", period, months, base]]
        if rng.random() < 0.5:
            rows.append(["失业保险", period, months, base])
        page.table(rows, [2.2, 2.6, 1.3, 1.9], size=s.body - 4)
        page.paragraph("本凭证用于办理社会保险关系转移接续，请妥善保管。", size=s.body - 4)
        page.gap(80)
        x = _sign_off_x(page, f"经办机构（章）：{v['issuer'] or ''}", s.body - 2)
        if v["issuer"]:
            issuer_box = page.line(f"经办机构（章）：{v['issuer']}", x=x, mark=v["issuer"], size=s.body - 2)
        else:
            page.line("经办机构（章）：", x=x)
        page.line(f"打印日期：{_d(v['issue_date'], s, '')}", x=x, size=s.body - 2)
    elif layout == "list":
        page.gap(30)
        page.title("社会保险参保缴费凭证", spaced=False)
        y = page.y - 30
        page.draw.line((page.margin, y, page.width - page.margin, y), fill=(200, 20, 30), width=5)
        page.gap(10)
        lines = [
            ("姓    名：", v["name"]),
            ("公民身份号码：", v["id_number"]),
            ("参保单位名称：", v["employer"]),
            ("单位统一社会信用代码：", v["credit_code"]),
            ("参保险种：", "企业职工基本养老保险"),
            ("缴费起止时间：", f"{ps or BLANK}至{pe or BLANK}" if ps or pe else None),
            ("累计缴费月数：", f"{months}个月" if months else None),
            ("缴费基数：", f"{base}元" if base else None),
        ]
        for label, value in lines:
            if value is not None:
                page.line(label + value)
        page.gap(120)
        if v["issuer"]:
            issuer_box = page.line(v["issuer"], align="right", mark=v["issuer"])
        if v["issue_date"]:
            page.line(_d(v["issue_date"], s), align="right")
    else:
        raise ValueError(f"unknown contribution layout {layout!r}")
    return page.image, issuer_box


def contract_pages(rng: random.Random, v: dict[str, Any], layout: str, s: Styles, *, second_page: bool) -> list[Image.Image]:
    """A labour contract's first page (and, when asked, a second page of clauses)."""
    page = Page(body=s.body, style=s.font)
    start = _d(v["contract_start"], s)
    end = _d(v["contract_end"], s)
    fixed = v["contract_term"] == "fixed"
    if fixed:
        term = f"本合同为固定期限劳动合同，自{start}起至{end}止"
        if v["probation_end"] and v["contract_start"]:
            term += f"，其中试用期自{start}起至{_d(v['probation_end'], s)}止"
        term += "。"
    else:
        term = f"本合同为无固定期限劳动合同，自{start}起履行。"
    if layout == "cover":
        page.gap(40)
        page.title("劳动合同书", size=64)
        page.line(f"甲方（用人单位）：{v['employer'] or ''}")
        if v["credit_code"]:
            page.line(f"统一社会信用代码：{v['credit_code']}")
        page.line(f"法定代表人：{v['legal_rep']}")
        page.line(f"地址：{v['employer_address']}")
        page.gap(20)
        page.line(f"乙方（劳动者）：{v['name'] or ''}")
        page.line(f"性别：{SEX_ZH[v['sex']]}")
        page.line(f"居民身份证号码：{v['id_number'] or ''}")
        page.line(f"联系电话：1{rng.randrange(3, 9)}{rng.randrange(10**8, 10**9)}")
        page.gap(20)
        page.paragraph("根据《中华人民共和国劳动法》《中华人民共和国劳动合同法》等法律法规，甲乙双方经平等自愿、"
                       "协商一致，签订本合同，共同遵守本合同所列条款。")
        page.line("第一条  合同期限", bold=True)
        page.paragraph(term)
    elif layout == "table":
        page.gap(40)
        page.title("劳动合同", size=60)
        rows = [
            ["甲方名称", v["employer"] or ""],
            ["统一社会信用代码", v["credit_code"] or ""],
            ["法定代表人", v["legal_rep"]],
            ["乙方姓名", v["name"] or ""],
            ["身份证号码", v["id_number"] or ""],
            ["合同类型", "固定期限" if fixed else "无固定期限"],
            ["合同期限", f"{start} 至 {end}" if fixed else f"{start} 起"],
        ]
        page.table(rows, [1.3, 3])
        page.paragraph("甲乙双方根据国家和本市有关法律、法规，在平等自愿、协商一致的基础上签订本合同。")
        page.line("第一条  工作内容和工作地点", bold=True)
        page.paragraph(f"乙方同意根据甲方工作需要，担任{rng.choice(POSITIONS)}岗位工作，工作地点为甲方所在地。")
    else:
        raise ValueError(f"unknown contract layout {layout!r}")
    pages = [page.image]
    if second_page:
        more = Page(body=s.body, style=s.font)
        more.line("第二条  工作时间和休息休假", bold=True)
        more.paragraph("甲方安排乙方执行标准工时制度，每日工作不超过八小时，每周工作不超过四十小时。")
        more.line("第三条  劳动报酬", bold=True)
        more.paragraph("甲方每月以货币形式支付乙方工资，不得克扣或者无故拖欠。")
        more.line("第四条  社会保险", bold=True)
        more.paragraph("甲乙双方依法参加社会保险，按时足额缴纳社会保险费，乙方个人缴纳部分由甲方代扣代缴。")
        pages.append(more.image)
    return pages
