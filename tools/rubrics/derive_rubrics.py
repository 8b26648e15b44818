#!/usr/bin/env python3
"""Derive the 26 OCOP scoring sheets of Decision 26/2026/QĐ-TTg as JSON data.

Source: the plain-text transcript of the decision
    (default /work/shared/domain/sources/qd26_2026_QD-TTg_fulltext.txt)
and, for sets 01 and 26 only, the already-parsed reference
    (default /work/shared/domain/rubrics/qd26_2026_sets_01_and_26.json).

Output: one file per product set, shared/ocop/rubrics/qd26_2026/set_NN_<slug>.json
(relative to the repository root, i.e. two levels above this script).

Standard library only.  Usage:
    python3 tools/rubrics/derive_rubrics.py [--source TXT] [--reference JSON]
                                            [--out DIR] [--check-only]

How the text is read
--------------------
The transcript renders every table cell as one or more lines followed by a
line containing only "|".  Annex II (Phụ lục II) holds an index of the 26
product sets and then the 26 sheets.  On a sheet, each row is a pair of cells:
a text cell (part / section / criterion / sub-criterion heading, or an option
starting with "□") and a number cell (the "Thang điểm" column).  Other text
cells are notes ("Ghi chú", "Chú ý", "Yêu cầu", "Chỉ áp dụng ...", a
parenthesised description) or, on sheet 26, the choice between two cases.
Headings are recognised by their numbering (1. / 1.1. / 6.1.1., trailing dot
optional); codes must follow in sequence, or the script stops.

Tree written per set (same shape as the reference JSON):
    parts[] -> sections[] -> criteria[] -> options[]
  * a section printed without sub-items (most of Part C) has "criteria": []
    and its own "options" (as in the reference);
  * a criterion printed with numbered sub-criteria (e.g. 6.1 -> 6.1.1, 6.1.2)
    has "options": [] and "sub_criteria": [...] (same shape as a criterion);
    its maximum is the sum of the sub-criteria maxima (as printed);
  * option = {"label", "points", "min_star_required"}; a trailing ***/****/*****
    on the label becomes min_star_required 3/4/5 and is removed from the label;
  * notes printed in their own cells under a heading are kept verbatim in
    "notes_vi" of that heading; a parenthesised description printed in its own
    cell right after a heading is appended to the title (the reference does the
    same where the description shares the heading's cell);
  * sheet 26 items offering two cases: options carry "case" and the item
    carries "choose_one_case": true (same field names as the reference).

Sets 01 and 26 are NOT re-derived: their trees are copied from the reference
JSON; only set-level fields (name, sector, group, disqualifiers, notes) come
from the text.  The text parse of those two sets is still run and compared with
the reference; any difference is printed as a warning (the reference wins).

Set-level data: sector and group from Annex I (its leaves, in printed order,
are the 26 sets); name_vi from the index table at the top of Annex II;
"disqualifiers" = the sheet's "Hồ sơ bị loại khi" line split on ";" and on
"hoặc không ..." outside parentheses (elliptical clauses completed through
DISQUALIFIER_COMPLETIONS); "item_disqualifiers" = per-item notes that eliminate
the product ("Bị loại nếu ...", "... sẽ bị loại bỏ"), with the item code.

Every deviation from the printed text is in CORRECTIONS below, and each applied
correction is recorded in that set's "notes".  Values that look wrong but are
kept as printed are in SUSPECTED_MISPRINTS (also noted in the set); the checker
tools/rubrics/check_rubrics.py lists them as known exceptions.
"""

import argparse
import json
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_SOURCE = "/work/shared/domain/sources/qd26_2026_QD-TTg_fulltext.txt"
DEFAULT_REFERENCE = "/work/shared/domain/rubrics/qd26_2026_sets_01_and_26.json"
DEFAULT_OUT = os.path.join(REPO, "shared", "ocop", "rubrics", "qd26_2026")

RULE_SET = "qd26_2026"
SOURCE_TITLE = ("Quyết định số 26/2026/QĐ-TTg ngày 22/5/2026 của Thủ tướng Chính phủ, "
                "Phụ lục II: Bộ tiêu chí đánh giá sản phẩm OCOP (kiêm phiếu đánh giá)")

# --------------------------------------------------------------------------
# File-name slugs (ASCII).  Sets 01 and 26 keep the reference's keys.
# --------------------------------------------------------------------------
SLUGS = {
    1: "rau_cu_qua_hat_tuoi",
    2: "thit_thuy_san_trung_sua_tuoi",
    3: "gao_ngu_coc_hat_so_che",
    4: "mat_ong_mat_khac_nong_san_khac",
    5: "do_an_nhanh",
    6: "che_bien_tu_gao_ngu_coc",
    7: "che_bien_tu_rau_cu_qua_hat",
    8: "che_bien_tu_thit_thuy_san_trung_sua_mat_ong",
    9: "tuong_nuoc_mam_gia_vi_long",
    10: "gia_vi_khac",
    11: "che_tuoi_che_che_bien",
    12: "tra_tu_thuc_vat_khac",
    13: "ca_phe_ca_cao",
    14: "ruou_trang",
    15: "do_uong_co_con_khac",
    16: "nuoc_khoang_nuoc_uong_dong_chai",
    17: "do_uong_khong_con_khac",
    18: "thuc_pham_chuc_nang_thuoc_duoc_lieu",
    19: "my_pham_tu_duoc_lieu",
    20: "tinh_dau_duoc_lieu_khac",
    21: "thu_cong_my_nghe",
    22: "vai_may_mac",
    23: "hoa",
    24: "cay_canh",
    25: "dong_vat_canh",
    26: "du_lich",
}
REFERENCE_SETS = {1: "set_01_rau_cu_qua_hat_tuoi", 26: "set_26_du_lich"}

# --------------------------------------------------------------------------
# CORRECTIONS: every place where the data deliberately differs from the
# printed text.  Each entry is checked against what the parser read ("printed")
# so that a changed source or parser fails loudly instead of silently.
#   set      : set number
#   where    : node code ("7", "6.1.1", ...) or "part:A"
#   option   : (for option fixes) the start of the option label
#   field    : "points" | "max" | "part_title_max"
#   printed  : value as printed (None = blank cell)
#   value    : value used in the data
#   note     : sentence copied into the set's "notes"
# --------------------------------------------------------------------------
CORRECTIONS = [
    # --- misprints listed in shared/domain/OCOP.md ---------------------------
    dict(set=4, where="7", option="Có trên 2 chỉ tiêu", field="points", printed=13, value=3,
         note="Correction: criterion 7 option \"Có trên 2 chỉ tiêu\" is printed 13 points; "
              "read as 3 (misprint; the item's maximum is 3)."),
    dict(set=11, where="6.1.1", option="Có rất ít tạp chất", field="points", printed=11, value=1,
         note="Correction: sub-criterion 6.1.1 option \"Có rất ít tạp chất, chấp nhận được\" is "
              "printed 11 points; read as 1 (misprint; the sub-criterion's maximum is 2)."),
    # --- score cells printed blank or garbled -------------------------------
    # Criterion 1.2 "Vùng nguyên liệu được cấp chứng nhận chất lượng": the first
    # option (no certificate) has an empty score cell on four sheets; sets 1-3
    # print 0 for the same option, and 0 is the only value consistent with
    # the scale (0 / 1 national / 2 international).
    *[dict(set=n, where="1.2", option="Không được cấp giấy chứng nhận chất lượng",
           field="points", printed=None, value=0,
           note="Correction: criterion 1.2 option \"Không được cấp giấy chứng nhận chất "
                "lượng\" has a blank score cell in the text; read as 0 (as printed for the "
                "same option in sets 1-3).")
      for n in (4, 7, 10, 11)],
    dict(set=23, where="9", field="max", printed="4 1", value=4,
         note="Correction: item 9 (HƯỚNG DẪN SỬ DỤNG...) has \"4\" and a stray \"1\" in its "
              "score cell; read as 4 (its options score 2 and 4, and Part C then adds to 35)."),
    # --- Part A heading of set 26 (listed in shared/domain/OCOP.md) ----------
    dict(set=26, where="part:A", field="part_title_max", printed=35, value=40,
         note="Correction: Part A heading reads \"(35 Điểm)\" but its score column prints 40 and "
              "its sections add to 14 + 12 + 14 = 40; Part A maximum is 40."),
]

# Modelling rules that are not corrections of the text but must be stated.
# A criterion printed with a maximum but no options: the reference JSON (set 01,
# item 2.4) models the bilingual-label item as a yes/no choice.  We apply the
# same modelling to the same item wherever it occurs, and nowhere else (any
# other option-less criterion stops the script).
YES_NO_CRITERIA = {
    # title prefix -> (label for 0, label for max, note)
    "Ghi nhãn hàng hóa có sử dụng song ngữ": (
        "Không", "Có ghi nhãn song ngữ",
        "Decision lists no checkbox options; modelled here as yes/no (assumption)."),
}


# Values that look like misprints but are NOT corrected (no evidence strong
# enough to change a legal scoring instrument).  They are kept as printed, the
# script checks they are still what it parsed, and the set's "notes" say so.
# tools/rubrics/check_rubrics.py lists the same items as known exceptions.
SUSPECTED_MISPRINTS = [
    dict(set=7, where="3.1", option="Công ty TNHH", points=1,
         note="Kept as printed (suspected misprint): criterion 3.1 option \"Công ty TNHH; hoặc "
              "doanh nghiệp tư nhân; ...<51%\" is printed 1 point, the same as the option "
              "before it; the identical option is printed 2 on all other 25 sheets. Scores "
              "in this criterion are therefore 1, 1, 3."),
    dict(set=23, where="6.2", option="Phù hợp với đặc tính sản phẩm", points=1,
         note="Kept as printed (suspected misprint): criterion 6.2 (Màu sắc) options "
              "\"Chấp nhận được\" and \"Phù hợp với đặc tính sản phẩm\" are both printed 1 "
              "point (scores 1, 1, 3, 5); the sheet gives no basis for another value."),
]

# Notes printed after the last item of a section that speak of the items above
# ("các chỉ tiêu trên") belong to the section, not to the last criterion.
# (set, start of note) -> code of the node that receives it.
NOTE_PLACEMENT = {
    (16, "Ghi chú: Nếu được 0 điểm tại một trong các chỉ tiêu trên"): "6",
}


class ParseError(Exception):
    pass


# ---------------------------------------------------------------- utilities
def norm(s):
    """Collapse whitespace; keep the text otherwise verbatim (NFC)."""
    return unicodedata.normalize("NFC", " ".join(s.split()))


def read_cells(path):
    """Return a list of (first_line_no, text) table cells."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    cells, cur, start = [], [], None
    for i, line in enumerate(lines, 1):
        if re.fullmatch(r"\s*\|\s*", line):
            cells.append((start or i, norm(" ".join(cur))))
            cur, start = [], None
        else:
            if start is None and line.strip():
                start = i
            cur.append(line)
    cells.append((start or len(lines), norm(" ".join(cur))))
    return cells


NUM_RE = re.compile(r"\d+")
HEAD_RE = re.compile(r"^(\d{1,2})(?:\.(\d{1,2}))?(?:\.(\d{1,2}))?\.?\s+(?=\D)(.*)$")
PART_RE = re.compile(r"^phần\s+([ABC])\b[:\s]*(.*)$", re.I)
STAR_RE = re.compile(r"\s*((?:\*\s*){3,5})$")  # "****" or "* * * *"
CASE_RE = re.compile(r"^[ab]\.\s*(Trường hợp \d+\s*:.*)$")
TITLE_MAX_RE = re.compile(r"\((\d+)\s*điểm\)", re.I)


def is_option(text):
    # "□" is the printed checkbox.  Sheet 7 prints one option with a stray
    # "o " bullet instead ("o Rất độc đáo ..."); accept it as a checkbox.
    if text.startswith("□"):
        return True
    return bool(re.match(r"^o\s+[^\W\d_]", text)) and text[2:3].isupper()


def option_label(text):
    if text.startswith("□"):
        return norm(text[1:])
    return norm(text[2:])  # "o " bullet


def split_stars(label):
    m = STAR_RE.search(label)
    if not m:
        if "*" in label:
            raise ParseError("star marker not at end of option: %r" % label)
        return label, None
    return label[:m.start()].rstrip(), m.group(1).count("*")


# ------------------------------------------------------------- annex parsing
def find_index(cells, pred, start=0):
    for i in range(start, len(cells)):
        if pred(cells[i][1]):
            return i
    raise ParseError("marker not found")


def parse_annex1(cells):
    """Annex I: sectors (I..VI) -> groups (Nhóm) -> subgroups (Phân nhóm).
    Returns the list of leaves in printed order; each leaf is one product set."""
    i0 = find_index(cells, lambda t: t.startswith("PHỤ LỤC I DANH MỤC"))
    i1 = find_index(cells, lambda t: re.search(r"PHỤ LỤC II(?!I)", t), i0)
    sector = sector_name = group = None
    leaves = []
    pending_group = None  # a group printed without subgroup is itself a leaf
    for k in range(i0, i1):
        t = cells[k][1]
        if re.fullmatch(r"I|II|III|IV|V|VI", t):
            if pending_group:
                leaves.append(pending_group)
                pending_group = None
            sector = t
            sector_name = cells[k + 1][1]
        elif t.startswith("Nhóm:"):
            if pending_group:
                leaves.append(pending_group)
            group = norm(t[len("Nhóm:"):])
            pending_group = dict(sector=sector, sector_name_vi=sector_name, group=group,
                                 subgroup=None)
        elif t.startswith("Phân nhóm:"):
            pending_group = None
            leaves.append(dict(sector=sector, sector_name_vi=sector_name, group=group,
                               subgroup=norm(t[len("Phân nhóm:"):])))
    if pending_group:
        leaves.append(pending_group)
    if len(leaves) != 26:
        raise ParseError("Annex I: expected 26 product sets, found %d" % len(leaves))
    return leaves


def parse_annex2_index(cells):
    """Names of the 26 sets from the index table at the top of Annex II."""
    i0 = find_index(cells, lambda t: re.search(r"PHỤ LỤC II(?!I)", t))
    names = {}
    k = i0
    while len(names) < 26:
        t = cells[k][1]
        if re.fullmatch(r"\d{1,2}", t) and cells[k + 1][1].startswith("Bộ sản phẩm:"):
            n = int(t)
            names[n] = norm(cells[k + 1][1][len("Bộ sản phẩm:"):])
            k += 2
            continue
        k += 1
        if k - i0 > 200:
            raise ParseError("Annex II index not found")
    if sorted(names) != list(range(1, 27)):
        raise ParseError("Annex II index incomplete")
    return names, k


SET_HEAD_RE = re.compile(r"^(\d{1,2})\.\s*(Bộ sản phẩm:|Sản phẩm\s)")


def split_sets(cells, start):
    end = find_index(cells, lambda t: re.search(r"PHỤ LỤC III", t), start)
    heads = [k for k in range(start, end) if SET_HEAD_RE.match(cells[k][1])]
    nums = [int(SET_HEAD_RE.match(cells[k][1]).group(1)) for k in heads]
    if nums != list(range(1, 27)):
        raise ParseError("set headings out of order: %r" % nums)
    blocks = {}
    for j, k in enumerate(heads):
        stop = heads[j + 1] if j + 1 < len(heads) else end
        blocks[nums[j]] = cells[k:stop]
    return blocks


# ------------------------------------------------------------ header parsing
def parse_header(text):
    """Heading, classification line and 'Hồ sơ bị loại khi' text of a sheet."""
    m = re.match(r"^\d{1,2}\.\s*(.*?)\s*(\(Sản phẩm:.*?\))", text)
    if not m:
        raise ParseError("cannot read sheet heading: %r" % text[:120])
    heading, classification = norm(m.group(1)), norm(m.group(2))
    dq = re.findall(r"(?:Hồ sơ bị|Bị) loại khi:\s*(.*?)\s*(?=(?:Hồ sơ bị|Bị) loại khi:|Các tiêu chí\s*$|$)",
                    text)
    return heading, classification, [norm(d) for d in dq]


# Disqualifier clauses that the text prints elliptically (the verb of the
# preceding clause is implied).  Fragment as split -> completed item.
DISQUALIFIER_COMPLETIONS = {
    (17, "Giấy phép sản xuất theo quy định"):
        ("Không tuân thủ đầy đủ các quy định về giấy phép sản xuất theo quy định",
         "Disqualifier 3 is printed elliptically (\"...; hoặc giấy phép sản xuất theo quy "
         "định\"); completed with the verb of the preceding clause (\"không tuân thủ đầy đủ "
         "các quy định về\")."),
    (18, "Hồ sơ đăng ký bản đăng ký công bố chất lượng sản phẩm, ghi nhãn sản phẩm, quảng cáo sản phẩm"):
        ("Không tuân thủ đầy đủ các quy định về hồ sơ đăng ký bản đăng ký công bố chất lượng "
         "sản phẩm, ghi nhãn sản phẩm, quảng cáo sản phẩm",
         "Disqualifier 3 is printed elliptically (\"...; Hồ sơ đăng ký bản đăng ký công bố chất "
         "lượng sản phẩm, ghi nhãn sản phẩm, quảng cáo sản phẩm\"); completed with the verb of "
         "the preceding clause (\"không tuân thủ đầy đủ các quy định về\")."),
}


def split_disqualifiers(setno, text, notes):
    """Split 'A hoặc B; hoặc C' into items.  Splits on ';' and on 'hoặc không'
    outside parentheses (the 'hoặc' inside '(hoặc tương đương)' is kept)."""
    parts, depth, cur, i = [], 0, "", 0
    while i < len(text):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if depth == 0 and c == ";":
            parts.append(cur)
            cur = ""
            i += 1
            continue
        if depth == 0 and text.startswith(" hoặc ", i):
            rest = text[i + len(" hoặc "):]
            if rest.startswith("không") or rest.startswith("giấy phép"):
                parts.append(cur)
                cur = ""
                i += len(" hoặc ")
                continue
        cur += c
        i += 1
    parts.append(cur)
    items = []
    for p in parts:
        p = norm(p)
        p = re.sub(r"^hoặc\s+", "", p)
        if not p:
            continue
        p = p[0].upper() + p[1:]
        key = (setno, p)
        if key in DISQUALIFIER_COMPLETIONS:
            p, why = DISQUALIFIER_COMPLETIONS[key]
            notes.append(why)
        items.append(p)
    return items


# ------------------------------------------------------------- sheet parsing
def classify(text):
    if text == "":
        return "EMPTY"
    if NUM_RE.fullmatch(text):
        return "NUM"
    if is_option(text):
        return "OPT"
    if PART_RE.match(text):
        return "PART"
    if text.startswith("TỔNG CỘNG"):
        return "TOTAL"
    if HEAD_RE.match(text):
        return "HEAD"
    if text.startswith("Lựa chọn một trong hai trường hợp"):
        return "CASE_INTRO"
    if CASE_RE.match(text):
        return "CASE"
    return "NOTE"


def parse_sheet(setno, block, log):
    """Parse one sheet's cells into parts/sections/criteria/options."""
    parts = []
    part = sec = crit = sub = None
    case = None
    stack_last = None  # innermost node, to hang notes on
    total = None
    k = 1
    # skip "Thang điểm" column header
    while k < len(block) and classify(block[k][1]) != "PART":
        k += 1

    def num_after(j, what):
        if j + 1 >= len(block):
            raise ParseError("set %d: no score after %s" % (setno, what))
        t = block[j + 1][1]
        if NUM_RE.fullmatch(t):
            return int(t), j + 2
        if t == "":
            return None, j + 2
        # Set 23 item 9 prints "4" and "1" in one score cell.  Returned as the
        # raw string; a CORRECTIONS entry must resolve it (see check_resolved).
        if re.fullmatch(r"(\d+)\s+(\d+)", t):
            return t, j + 2
        raise ParseError("set %d: expected score after %s, got %r (line %d)"
                         % (setno, what, t, block[j + 1][0]))

    while k < len(block):
        ln, t = block[k]
        kind = classify(t)
        if kind == "PART":
            m = PART_RE.match(t)
            letter = m.group(1).upper()
            mx, k = num_after(k, "part " + letter)
            tm = TITLE_MAX_RE.search(t)
            part = dict(part=letter, title=t, max=mx, sections=[],
                        _title_max=int(tm.group(1)) if tm else None, _line=ln)
            parts.append(part)
            sec = crit = sub = None
            case = None
            stack_last = part
            continue
        if kind == "HEAD":
            m = HEAD_RE.match(t)
            a, b, c = m.group(1), m.group(2), m.group(3)
            code = ".".join(x for x in (a, b, c) if x)
            mx, k = num_after(k, "heading " + code)
            case = None
            node = dict(code=code, title=t, max=mx, _line=ln)
            if part is None:
                raise ParseError("set %d: heading %s before any part" % (setno, code))
            if c:  # sub-criterion
                if crit is None or crit["code"] != "%s.%s" % (a, b):
                    raise ParseError("set %d: sub-criterion %s out of place" % (setno, code))
                expected = len(crit.setdefault("sub_criteria", [])) + 1
                if int(c) != expected:
                    raise ParseError("set %d: sub-criterion %s, expected .%d" % (setno, code, expected))
                node["options"] = []
                crit["sub_criteria"].append(node)
                sub = node
            elif b:  # criterion
                if sec is None or sec["code"] != a:
                    raise ParseError("set %d: criterion %s out of place" % (setno, code))
                expected = len(sec["criteria"]) + 1
                if int(b) != expected:
                    raise ParseError("set %d: criterion %s, expected %s.%d" % (setno, code, a, expected))
                node["options"] = []
                sec["criteria"].append(node)
                crit, sub = node, None
            else:  # section
                prev = sum(len(pp["sections"]) for pp in parts)
                if int(a) != prev + 1:
                    raise ParseError("set %d: section %s after %d" % (setno, code, prev))
                node["criteria"] = []
                part["sections"].append(node)
                sec, crit, sub = node, None, None
            stack_last = node
            # a parenthesised description in its own cell right after the heading
            if k < len(block) and block[k][1].startswith("(") and classify(block[k][1]) == "NOTE":
                node["title"] = norm(node["title"] + " " + block[k][1])
                k += 1
                if k < len(block) and block[k][1] == "":
                    k += 1
            continue
        if kind == "OPT":
            holder = sub or crit or sec
            if holder is None:
                raise ParseError("set %d: option before any heading (line %d)" % (setno, ln))
            if holder is sec and sec["criteria"]:
                raise ParseError("set %d: section-level option after criteria (line %d)" % (setno, ln))
            raw = option_label(t)
            # A note printed inside an option's cell ("... ***** Ghi chú: ...")
            # belongs to the item, not to the option label.
            inner_note = None
            mnote = re.search(r"\s*(Ghi chú\s*:.*)$", raw)
            if mnote:
                raw, inner_note = raw[:mnote.start()], mnote.group(1)
            try:
                label, star = split_stars(raw)
            except ParseError as e:
                raise ParseError("set %d line %d: %s" % (setno, ln, e))
            if inner_note:
                holder.setdefault("notes_vi", []).append(inner_note)
                log.append(("note_in_option_cell", setno, holder["code"], label[:40], ln))
            if not t.startswith("□"):
                log.append(("option_bullet_o", setno, holder["code"], label[:40], ln))
            pts, k = num_after(k, "option " + label[:30])
            opt = dict(label=label, points=pts, min_star_required=star)
            if case:
                opt["case"] = case
            opt["_line"] = ln
            holder.setdefault("options", []).append(opt)
            continue
        if kind == "CASE_INTRO":
            holder = sub or crit or sec
            holder["choose_one_case"] = True
            k += 1
            continue
        if kind == "CASE":
            case = norm(CASE_RE.match(t).group(1))
            k += 1
            continue
        if kind == "TOTAL":
            total, k = num_after(k, "total")
            break
        if kind == "EMPTY":
            k += 1
            continue
        if kind == "NUM":
            raise ParseError("set %d: stray number %r at line %d" % (setno, t, ln))
        # NOTE
        holder = stack_last
        if holder is None:
            raise ParseError("set %d: note before any heading: %r" % (setno, t[:80]))
        holder.setdefault("notes_vi", []).append(t)
        k += 1
    if total is None:
        raise ParseError("set %d: no TỔNG CỘNG row" % setno)
    return parts, total


# ------------------------------------------------------------ post-processing
def walk_nodes(parts):
    for p in parts:
        yield p
        for s in p["sections"]:
            yield s
            for c in s["criteria"]:
                yield c
                for sc in c.get("sub_criteria", []):
                    yield sc


def find_node(parts, where):
    if where.startswith("part:"):
        for p in parts:
            if p["part"] == where[5:]:
                return p
    for n in walk_nodes(parts):
        if n.get("code") == where:
            return n
    raise ParseError("correction target %s not found" % where)


def apply_corrections(setno, parts, notes):
    for corr in CORRECTIONS:
        if corr["set"] != setno:
            continue
        node = find_node(parts, corr["where"])
        if corr["field"] == "points":
            hits = [o for o in node.get("options", []) if o["label"].startswith(corr["option"])]
            if len(hits) != 1:
                raise ParseError("set %d: correction option %r matched %d options"
                                 % (setno, corr["option"], len(hits)))
            if hits[0]["points"] != corr["printed"]:
                raise ParseError("set %d: correction expected printed %r, parsed %r"
                                 % (setno, corr["printed"], hits[0]["points"]))
            hits[0]["points"] = corr["value"]
        elif corr["field"] == "max":
            if node["max"] != corr["printed"]:
                raise ParseError("set %d: correction expected printed max %r at %s, parsed %r"
                                 % (setno, corr["printed"], corr["where"], node["max"]))
            node["max"] = corr["value"]
        elif corr["field"] == "part_title_max":
            if node["_title_max"] != corr["printed"]:
                raise ParseError("set %d: correction expected title max %r, parsed %r"
                                 % (setno, corr["printed"], node["_title_max"]))
            if node["max"] != corr["value"]:
                raise ParseError("set %d: part column max %r != corrected %r"
                                 % (setno, node["max"], corr["value"]))
            node["_title_max"] = corr["value"]
        else:
            raise ParseError("unknown correction field %r" % corr["field"])
        notes.append(corr["note"])


def apply_modelling(setno, parts, notes):
    """Yes/no modelling of option-less criteria (see YES_NO_CRITERIA)."""
    for n in walk_nodes(parts):
        if "part" in n or n.get("criteria") or n.get("sub_criteria"):
            continue
        if n.get("options"):
            continue
        body = re.sub(r"^[\d.]+\s*", "", n["title"])
        for prefix, (no, yes, why) in YES_NO_CRITERIA.items():
            if body.startswith(prefix) and n["max"] == 1:
                n["options"] = [dict(label=no, points=0, min_star_required=None),
                                dict(label=yes, points=1, min_star_required=None)]
                n["note"] = why
                break
        else:
            raise ParseError("set %d: %s %r has no options and no modelling rule"
                             % (setno, n["code"], n["title"]))


def apply_suspected(setno, parts, notes):
    for sus in SUSPECTED_MISPRINTS:
        if sus["set"] != setno:
            continue
        node = find_node(parts, sus["where"])
        hits = [o for o in node.get("options", []) if o["label"].startswith(sus["option"])]
        if len(hits) != 1 or hits[0]["points"] != sus["points"]:
            raise ParseError("set %d: suspected-misprint entry for %s no longer matches the text"
                             % (setno, sus["where"]))
        notes.append(sus["note"])


def apply_note_placement(setno, parts):
    for (sn, start), target in NOTE_PLACEMENT.items():
        if sn != setno:
            continue
        dest = find_node(parts, target)
        moved = False
        for n in walk_nodes(parts):
            for t in list(n.get("notes_vi", [])):
                if t.startswith(start) and n is not dest:
                    n["notes_vi"].remove(t)
                    if not n["notes_vi"]:
                        del n["notes_vi"]
                    dest.setdefault("notes_vi", []).append(t)
                    moved = True
        if not moved:
            raise ParseError("set %d: note placement %r not applied" % (setno, start))


def item_disqualifiers(parts):
    """Per-item elimination notes ("Bị loại nếu ...", "... sẽ bị loại bỏ")."""
    out = []
    for n in walk_nodes(parts):
        for t in n.get("notes_vi", []):
            if re.search(r"bị loại", t, re.I):
                out.append(dict(code=n.get("code") or "part:" + n["part"], text=t))
    return out


def merge_text_notes_into_reference(ref_parts, text_parts):
    """Sets 01/26: copy the decision's per-item notes (notes_vi) onto the
    reference tree, matching nodes by code; a parenthesised description that the
    reference title lacks is added to notes_vi as well.  Nothing else changes."""
    added = []
    ref_nodes = {n.get("code") or "part:" + n["part"]: n for n in walk_nodes(ref_parts)}
    for n in walk_nodes(text_parts):
        key = n.get("code") or "part:" + n["part"]
        r = ref_nodes.get(key)
        if r is None:
            raise ParseError("reference lacks node %s" % key)
        extra = list(n.get("notes_vi", []))
        if n["title"] != r["title"] and n["title"].startswith(r["title"]):
            extra.insert(0, norm(n["title"][len(r["title"]):]))
        elif n["title"] != r["title"]:
            raise ParseError("title differs from reference at %s" % key)
        if extra:
            r["notes_vi"] = r.get("notes_vi", []) + extra
            added.append(key)
    return added


def check_resolved(setno, parts):
    """After corrections every max and every option's points must be an int
    (blank or garbled score cells left unresolved stop the script)."""
    for n in walk_nodes(parts):
        if not isinstance(n.get("max"), int):
            raise ParseError("set %d: %s has unresolved max %r (add a CORRECTIONS entry)"
                             % (setno, n.get("code") or n.get("part"), n.get("max")))
        for o in n.get("options", []):
            if not isinstance(o["points"], int):
                raise ParseError("set %d: %s option %r has unresolved points %r (add a "
                                 "CORRECTIONS entry)" % (setno, n.get("code"), o["label"][:40],
                                                         o["points"]))


def check_internal(setno, parts, total, log):
    """Consistency problems left after corrections; returned as text (they are
    reported, not hidden: the checker lists them as known exceptions)."""
    problems = []
    for p in parts:
        if p.get("_title_max") is not None and p["_title_max"] != p["max"]:
            problems.append("Part %s heading says %d, column says %d"
                            % (p["part"], p["_title_max"], p["max"]))
    return problems


def strip_private(obj):
    if isinstance(obj, dict):
        return {k: strip_private(v) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [strip_private(x) for x in obj]
    return obj


def order_node(n):
    """Stable key order for readability."""
    keys = ["part", "code", "title", "max", "notes_vi", "note", "choose_one_case",
            "sections", "criteria", "sub_criteria", "options",
            "label", "points", "min_star_required", "case"]
    out = {}
    for k in keys:
        if k in n:
            out[k] = n[k]
    for k in n:
        if k not in out:
            out[k] = n[k]
    for k in ("sections", "criteria", "sub_criteria", "options"):
        if k in out:
            out[k] = [order_node(x) for x in out[k]]
    return out


def normalise_tree(parts):
    """Sections without criteria get 'criteria': [] first (reference layout);
    criteria with sub-criteria get 'options': []."""
    for p in parts:
        for s in p["sections"]:
            s.setdefault("criteria", [])
            if not s["criteria"]:
                s.setdefault("options", [])
            for c in s["criteria"]:
                c.setdefault("options", [])
    return parts


def compare_trees(a, b, path=""):
    """Differences between two trees (labels, points, stars, maxima, codes)."""
    diffs = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k in ("title", "notes_vi", "note"):
                continue
            if k not in a or k not in b:
                diffs.append("%s.%s only in %s" % (path, k, "text" if k in a else "reference"))
                continue
            diffs += compare_trees(a[k], b[k], path + "." + k)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            diffs.append("%s: %d items in text, %d in reference" % (path, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            tag = x.get("code") or x.get("part") or str(i) if isinstance(x, dict) else str(i)
            diffs += compare_trees(x, y, "%s[%s]" % (path, tag))
    else:
        if a != b:
            diffs.append("%s: text=%r reference=%r" % (path, a, b))
    return diffs


# ------------------------------------------------------------------- main
def build(source, reference_path):
    cells = read_cells(source)
    leaves = parse_annex1(cells)
    names, idx_end = parse_annex2_index(cells)
    blocks = split_sets(cells, idx_end)
    with open(reference_path, encoding="utf-8") as f:
        reference = json.load(f)

    out = {}
    warnings = []
    for n in range(1, 27):
        block = blocks[n]
        log = []
        notes = []
        heading, classification, dq_texts = parse_header(block[0][1])
        leaf = leaves[n - 1]
        parts, total = parse_sheet(n, block, log)
        if total != 100:
            raise ParseError("set %d: TỔNG CỘNG prints %r" % (n, total))
        apply_corrections(n, parts, notes)
        apply_modelling(n, parts, notes)
        check_resolved(n, parts)
        apply_suspected(n, parts, notes)
        apply_note_placement(n, parts)
        normalise_tree(parts)

        # parser-level observations that change nothing but are worth stating
        for entry in log:
            if entry[0] == "note_in_option_cell":
                notes.append("Text note: in item %s a \"Ghi chú\" is printed inside the cell of "
                             "option \"%s...\"; it is kept in the item's notes_vi, not in the "
                             "label." % (entry[2], entry[3]))
            if entry[0] == "option_bullet_o":
                notes.append("Text note: in item %s the option \"%s...\" is printed with an "
                             "\"o\" bullet instead of the checkbox \"□\"; read as an option."
                             % (entry[2], entry[3]))

        # disqualifiers
        if len(dq_texts) > 1 and len(set(dq_texts)) == 1:
            notes.append("Text note: the \"Hồ sơ bị loại khi\" line is printed twice (identical); "
                         "kept once.")
        dq_items = []
        for d in dict.fromkeys(dq_texts):
            dq_items += split_disqualifiers(n, d, notes)
        if not dq_texts:
            notes.append("Text note: this sheet prints no \"Hồ sơ bị loại khi\" line; "
                         "disqualifiers is empty.")

        problems = check_internal(n, parts, total, log)
        for p in problems:
            notes.append("Known discrepancy: " + p)

        if n in REFERENCE_SETS:
            ref_parts = json.loads(json.dumps(reference[REFERENCE_SETS[n]]))
            text_parts = strip_private(parts)
            for d in compare_trees(text_parts, ref_parts):
                warnings.append("set %02d: text vs reference: %s" % (n, d))
            added = merge_text_notes_into_reference(ref_parts, text_parts)
            parts_out = ref_parts
            notes.insert(0, "Tree (parts/sections/criteria/options, with codes, titles, maxima, "
                            "labels, points, stars and cases) converted unchanged from the "
                            "reference JSON qd26_2026_sets_01_and_26.json key \"%s\"; a parse of "
                            "the decision's text gives the same labels, points, stars and cases. "
                            "Added from the text: set-level fields, disqualifiers, and the "
                            "per-item notes (notes_vi) at %s."
                         % (REFERENCE_SETS[n], ", ".join(added) or "none"))
        else:
            parts_out = strip_private(parts)

        if heading != "Bộ sản phẩm: " + names[n]:
            notes.append("Text note: the sheet's own heading reads \"%s\"; name_vi is taken from "
                         "the Annex II index (\"Bộ sản phẩm: %s\")." % (heading, names[n]))
        code = "set_%02d_%s" % (n, SLUGS[n])
        doc = dict(
            rule_set=RULE_SET,
            set_number=n,
            code=code,
            name_vi=names[n],
            sector=leaf["sector"],
            group=leaf["group"],
            sector_name_vi=leaf["sector_name_vi"],
            subgroup=leaf["subgroup"],
            sheet_heading_vi=heading,
            sheet_classification_vi=classification,
            source=dict(document=SOURCE_TITLE,
                        text_lines=[block[0][0], block[-1][0]],
                        derived_from=("reference_json" if n in REFERENCE_SETS else "text")),
            max_total=total,
            parts=[order_node(p) for p in parts_out],
            disqualifiers=dq_items,
            item_disqualifiers=item_disqualifiers(parts_out),
            notes=notes,
        )
        out[code] = doc
    return out, warnings


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", default=DEFAULT_SOURCE)
    ap.add_argument("--reference", default=DEFAULT_REFERENCE)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--check-only", action="store_true",
                    help="parse and report, write nothing")
    ap.add_argument("--verify", action="store_true",
                    help="write nothing; exit 1 if the files in --out differ from a fresh derivation")
    args = ap.parse_args(argv)
    try:
        docs, warnings = build(args.source, args.reference)
    except ParseError as e:
        print("derive_rubrics: ERROR: %s" % e, file=sys.stderr)
        return 2
    for w in warnings:
        print("warning: " + w, file=sys.stderr)
    if args.check_only:
        print("parsed %d sets (nothing written)" % len(docs))
        return 0
    rendered = {code: json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
                for code, doc in docs.items()}
    if args.verify:
        bad = differ = 0
        for code, text in rendered.items():
            path = os.path.join(args.out, code + ".json")
            try:
                with open(path, encoding="utf-8") as f:
                    same = f.read() == text
            except OSError:
                same = False
            if not same:
                print("differs: %s" % path)
                bad += 1
                differ += 1
        extra = sorted(set(f for f in os.listdir(args.out) if f.startswith("set_") and f.endswith(".json"))
                       - set(c + ".json" for c in rendered)) if os.path.isdir(args.out) else []
        for f in extra:
            print("unexpected file: %s" % os.path.join(args.out, f))
            bad += 1
        print("verify: %d of %d files up to date, %d unexpected"
              % (len(rendered) - differ, len(rendered), len(extra)))
        return 1 if bad else 0
    os.makedirs(args.out, exist_ok=True)
    for code, text in rendered.items():
        path = os.path.join(args.out, code + ".json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print("wrote %s" % os.path.relpath(path, REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
