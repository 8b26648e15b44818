#!/usr/bin/env python3
"""Validate the OCOP scoring-sheet data files (Decision 26/2026/QĐ-TTg).

Usage:
    python3 tools/rubrics/check_rubrics.py [DIR]
DIR defaults to shared/ocop/rubrics/qd26_2026 under the repository root.
Prints one line per set and exits 1 if any check fails (2 if no files).
Standard library only; reads the JSON files only (independent of the
derivation script).

Rules checked for every set file
--------------------------------
 R1  top level: rule_set "qd26_2026"; set_number 1..26, each once, all 26
     present; code "set_NN_<ascii slug>" with NN = set_number and file name
     <code>.json; name_vi, group non-empty; sector one of I..VI;
     disqualifiers and notes are lists of non-empty strings.
 R2  parts are exactly A, B, C in that order with maxima 40, 25, 35 (sum 100).
 R3  a part's max equals the sum of its sections' maxima; section codes run
     1, 2, 3 ... through the whole sheet.
 R4  a section either has criteria (then its max = sum of the criteria maxima
     and it has no options of its own) or has "criteria": [] and options
     (then it is scored like a criterion, rule R6).
 R5  criterion codes are "<section>.<k>" with k = 1, 2, ...; a criterion with
     "sub_criteria" is a SUM item: its max = sum of the sub-criteria maxima,
     its own options list is empty, and each sub-criterion (codes
     "<criterion>.<j>", j = 1, 2, ...) is scored by R6.  This is how the
     decision prints such items (e.g. tea 6.1 "Ngoại hình" 4 = 6.1.1 Tạp chất 2
     + 6.1.2 Hình dạng 2): the heading carries the total, the sub-items carry
     the checkboxes.
 R6  an item scored by options (pick one): at least one option; max = the
     highest option points.  If the item is "choose_one_case" (sheet 26 items
     8, 9, 15) every option carries a "case", there are at least two cases,
     and the highest points within EACH case equal the max.
 R7  every option: non-empty label, integer points within 0..max of its item,
     min_star_required null or 3, 4, 5; no leftover "*" star marks in labels.
 R8  a part title that prints "(NN Điểm)" must agree with the part max.
 R9  within an item (and within a case), option points rise strictly in the
     printed order.  Not a rule of the decision, a misprint detector.

Known exceptions (R8, R9): findings the decision's text really contains and
that the data keeps; they are reported as "known" and do not fail the run.  A
listed exception that no longer occurs fails the run (keep this list honest).
"""

import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_DIR = os.path.join(REPO, "shared", "ocop", "rubrics", "qd26_2026")

PART_MAX = {"A": 40, "B": 25, "C": 35}
SECTORS = {"I", "II", "III", "IV", "V", "VI"}

# (set_number, rule, where) -> explanation printed when the finding occurs.
KNOWN_EXCEPTIONS = {
    (26, "R8", "A"): "Part A heading prints \"(35 Điểm)\"; its score column prints 40 and "
                     "its sections add to 14+12+14 = 40; data uses 40",
    (7, "R9", "3.1"): "criterion 3.1 printed 1, 1, 3 (option \"Công ty TNHH...\" is 1 here, 2 on "
                      "the other 25 sheets); kept as printed",
    (23, "R9", "6.2"): "criterion 6.2 printed 1, 1, 3, 5 (\"Chấp nhận được\" and \"Phù hợp...\" "
                       "both 1); kept as printed",
}


class SetReport:
    def __init__(self, name):
        self.name = name
        self.errors = []
        self.known = []
        self.seen_known = set()

    def err(self, msg):
        self.errors.append(msg)


def check_options(rep, where, node, setno):
    opts = node.get("options")
    if not isinstance(opts, list) or not opts:
        rep.err("%s: no options" % where)
        return
    mx = node.get("max")
    if not isinstance(mx, int):
        rep.err("%s: max is not an integer" % where)
        return
    for i, o in enumerate(opts):
        lab = o.get("label")
        if not isinstance(lab, str) or not lab.strip():
            rep.err("%s option %d: empty label" % (where, i + 1))
        elif re.search(r"\*\s*\*\s*\*", lab):
            rep.err("%s option %d: star marks left in label" % (where, i + 1))
        pts = o.get("points")
        if not isinstance(pts, int) or isinstance(pts, bool):
            rep.err("%s option %d: points %r not an integer" % (where, i + 1, pts))
        elif not 0 <= pts <= mx:
            rep.err("%s option %d: points %d outside 0..%d" % (where, i + 1, pts, mx))
        if o.get("min_star_required") not in (None, 3, 4, 5):
            rep.err("%s option %d: min_star_required %r" % (where, i + 1, o.get("min_star_required")))
    pts_ok = [o["points"] for o in opts if isinstance(o.get("points"), int)]
    if len(pts_ok) != len(opts):
        return
    groups = {}
    if node.get("choose_one_case"):
        for o in opts:
            if not o.get("case"):
                rep.err("%s: choose_one_case item with an option lacking 'case'" % where)
                return
            groups.setdefault(o["case"], []).append(o["points"])
        if len(groups) < 2:
            rep.err("%s: choose_one_case item with fewer than two cases" % where)
        for case, pts in groups.items():
            if max(pts) != mx:
                rep.err("%s: case %r tops at %d, item max %d" % (where, case, max(pts), mx))
    else:
        if any(o.get("case") for o in opts):
            rep.err("%s: options carry 'case' but item is not choose_one_case" % where)
        groups[None] = pts_ok
        if max(pts_ok) != mx:
            rep.err("%s: max %d but highest option is %d" % (where, mx, max(pts_ok)))
    code = node.get("code")
    for case, pts in groups.items():
        if any(b <= a for a, b in zip(pts, pts[1:])):
            key = (setno, "R9", code)
            msg = "%s: option points not rising: %s" % (where, pts)
            if key in KNOWN_EXCEPTIONS:
                rep.known.append("known %s set %d %s: %s" % ("R9", setno, code, KNOWN_EXCEPTIONS[key]))
                rep.seen_known.add(key)
            else:
                rep.err(msg)


def check_set(path, doc, rep):
    base = os.path.splitext(os.path.basename(path))[0]
    n = doc.get("set_number")
    if doc.get("rule_set") != "qd26_2026":
        rep.err("rule_set is %r" % doc.get("rule_set"))
    if not isinstance(n, int) or not 1 <= n <= 26:
        rep.err("set_number %r" % n)
        n = -1
    code = doc.get("code", "")
    m = re.fullmatch(r"set_(\d\d)_([a-z0-9]+(?:_[a-z0-9]+)*)", code or "")
    if not m or int(m.group(1)) != n:
        rep.err("code %r does not match set_number %r" % (code, n))
    if code != base:
        rep.err("file name %s.json differs from code %r" % (base, code))
    for k in ("name_vi", "group"):
        if not isinstance(doc.get(k), str) or not doc[k].strip():
            rep.err("%s empty" % k)
    if doc.get("sector") not in SECTORS:
        rep.err("sector %r" % doc.get("sector"))
    for k in ("disqualifiers", "notes"):
        v = doc.get(k)
        if not isinstance(v, list) or any(not isinstance(x, str) or not x.strip() for x in v):
            rep.err("%s must be a list of non-empty strings" % k)

    parts = doc.get("parts")
    if not isinstance(parts, list) or [p.get("part") for p in parts] != ["A", "B", "C"]:
        rep.err("parts must be A, B, C")
        return 0
    total = 0
    sec_no = 0
    for p in parts:
        letter = p["part"]
        pmax = p.get("max")
        total += pmax if isinstance(pmax, int) else 0
        if pmax != PART_MAX[letter]:
            rep.err("part %s max %r, expected %d" % (letter, pmax, PART_MAX[letter]))
        tm = re.search(r"\((\d+)\s*điểm\)", p.get("title", ""), re.I)
        if tm and int(tm.group(1)) != pmax:
            key = (n, "R8", letter)
            if key in KNOWN_EXCEPTIONS:
                rep.known.append("known R8 set %d part %s: %s" % (n, letter, KNOWN_EXCEPTIONS[key]))
                rep.seen_known.add(key)
            else:
                rep.err("part %s title says %s, max %r" % (letter, tm.group(1), pmax))
        secs = p.get("sections") or []
        ssum = sum(s.get("max", 0) for s in secs if isinstance(s.get("max"), int))
        if ssum != pmax:
            rep.err("part %s max %r but sections add to %d" % (letter, pmax, ssum))
        for s in secs:
            sec_no += 1
            scode = s.get("code")
            if scode != str(sec_no):
                rep.err("section code %r, expected %d" % (scode, sec_no))
            if not isinstance(s.get("title"), str) or not s["title"].strip():
                rep.err("section %s: empty title" % scode)
            crits = s.get("criteria")
            if not isinstance(crits, list):
                rep.err("section %s: 'criteria' missing" % scode)
                continue
            if crits:
                if s.get("options"):
                    rep.err("section %s has both criteria and options" % scode)
                csum = sum(c.get("max", 0) for c in crits if isinstance(c.get("max"), int))
                if csum != s.get("max"):
                    rep.err("section %s max %r but criteria add to %d" % (scode, s.get("max"), csum))
                for k, c in enumerate(crits, 1):
                    ccode = c.get("code")
                    if ccode != "%s.%d" % (scode, k):
                        rep.err("criterion code %r, expected %s.%d" % (ccode, scode, k))
                    if not isinstance(c.get("title"), str) or not c["title"].strip():
                        rep.err("criterion %s: empty title" % ccode)
                    subs = c.get("sub_criteria")
                    if subs:
                        if c.get("options"):
                            rep.err("criterion %s has both sub-criteria and options" % ccode)
                        ssum2 = sum(x.get("max", 0) for x in subs if isinstance(x.get("max"), int))
                        if ssum2 != c.get("max"):
                            rep.err("criterion %s max %r but sub-criteria add to %d"
                                    % (ccode, c.get("max"), ssum2))
                        for j, x in enumerate(subs, 1):
                            if x.get("code") != "%s.%d" % (ccode, j):
                                rep.err("sub-criterion code %r, expected %s.%d" % (x.get("code"), ccode, j))
                            if not isinstance(x.get("title"), str) or not x["title"].strip():
                                rep.err("sub-criterion %s: empty title" % x.get("code"))
                            check_options(rep, "sub-criterion %s" % x.get("code"), x, n)
                    else:
                        check_options(rep, "criterion %s" % ccode, c, n)
            else:
                check_options(rep, "section %s" % scode, s, n)
    if total != 100:
        rep.err("parts add to %d, not 100" % total)
    return n


def main(argv):
    d = argv[1] if len(argv) > 1 else DEFAULT_DIR
    files = sorted(glob.glob(os.path.join(d, "set_*.json")))
    if not files:
        print("check_rubrics: no set_*.json files in %s" % d)
        return 2
    failed = 0
    seen_sets = {}
    all_known_seen = set()
    for f in files:
        rep = SetReport(os.path.basename(f))
        try:
            with open(f, encoding="utf-8") as fh:
                doc = json.load(fh)
        except (OSError, ValueError) as e:
            print("FAIL %s: cannot read JSON: %s" % (os.path.basename(f), e))
            failed += 1
            continue
        n = check_set(f, doc, rep)
        if n in seen_sets:
            rep.err("set_number %d also in %s" % (n, seen_sets[n]))
        seen_sets[n] = os.path.basename(f)
        all_known_seen |= rep.seen_known
        parts = doc.get("parts") or []
        pm = "/".join(str(p.get("max")) for p in parts)
        ncrit = 0
        nopt = 0
        for p in parts:
            for s in p.get("sections", []):
                nopt += len(s.get("options", []))
                for c in s.get("criteria", []):
                    ncrit += 1
                    nopt += len(c.get("options", []))
                    for x in c.get("sub_criteria", []):
                        nopt += len(x.get("options", []))
        status = "FAIL" if rep.errors else "ok  "
        extra = (" [%d known exception(s)]" % len(rep.known)) if rep.known else ""
        print("%s set %02d %-50s A/B/C=%s total=%s sections=%d criteria=%d options=%d "
              "disqualifiers=%d%s"
              % (status, n if isinstance(n, int) and n > 0 else 0, doc.get("code", "?"), pm,
                 sum(p.get("max", 0) for p in parts if isinstance(p.get("max"), int)),
                 sum(len(p.get("sections", [])) for p in parts), ncrit, nopt,
                 len(doc.get("disqualifiers") or []), extra))
        for e in rep.errors:
            print("     error: %s" % e)
        for k in rep.known:
            print("     %s" % k)
        if rep.errors:
            failed += 1
    missing = sorted(set(range(1, 27)) - set(seen_sets))
    if missing:
        print("FAIL missing set numbers: %s" % missing)
        failed += 1
    stale = sorted(set(KNOWN_EXCEPTIONS) - all_known_seen)
    for key in stale:
        print("FAIL listed known exception no longer found: set %d %s %s" % key)
        failed += 1
    print("%d file(s), %d failure(s), %d known exception(s)"
          % (len(files), failed, len(all_known_seen)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
