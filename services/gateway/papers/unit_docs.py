"""The Phòng's and Sở's papers: QĐ thành lập đoàn kiểm tra, đánh giá ngoài; Danh sách đề nghị công
nhận; QĐ công nhận mức độ chuyển đổi số (the schools recognised under one decision number,
whatever route recognised them); Báo cáo kết quả (Phòng → Sở, Sở → Bộ)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.gateway.papers.common import (
    BASIS_4725,
    HEAD_TITLE,
    ROLE,
    RecordNotReady,
    level,
    parent_of,
    parse_date,
    place_of,
    pts,
    school_levels,
)
from services.gateway.papers.fetch import Services
from services.gateway.papers.model import Centre, Paper, Para, Signature, Table, number_line, place_date
from services.gateway.papers.report import report_blocks
from shared.errors import Unprocessable
from shared.i18n import msg

CONCLUDED = {"concluded", "recognised"}


@dataclass
class UnitRecords:
    year: str
    unit: dict[str, Any]
    parent: dict[str, Any] | None
    roster: list[dict[str, Any]]
    teams: dict[str, Any] | None = None
    previous: list[dict[str, Any]] | None = None
    timeliness: dict[str, Any] | None = None

    def frame(self, slug: str, kind: str, title: str, number: str, on: Any = None) -> dict[str, Any]:
        return {
            "slug": slug,
            "issuer_parent": parent_of(self.unit),
            "issuer": self.unit["name"],
            "number": number,
            "place_date": place_date(place_of(self.unit), parse_date(on), self.year[5:]),
            "kind": kind,
            "title": title,
        }

    def signer(self, name: str = "") -> Signature:
        return Signature(HEAD_TITLE.get(self.unit["kind"], "THỦ TRƯỞNG ĐƠN VỊ"), name)

    def assessed_here(self) -> list[dict[str, Any]]:
        return [s for s in self.roster if s["assessing_unit_id"] == self.unit["id"]]


async def roster(svc: Services, unit_id: str, year: str) -> list[dict[str, Any]]:
    return [s async for s in svc.pages("scoring", f"/api/v1/units/{unit_id}/results/{year}", limit=1000)]


def previous_year(year: str) -> str:
    start = int(year[:4])
    return f"{start - 1}-{start}"


async def load(svc: Services, unit_id: str, year: str, slug: str) -> UnitRecords:
    unit = await svc.get("scoring", f"/api/v1/org/units/{unit_id}")
    parent = {"id": unit["parent_id"], "name": unit["parent_name"]} if unit.get("parent_name") else None
    r = UnitRecords(year, unit, parent, await roster(svc, unit_id, year))
    if slug == "qd-thanh-lap-doan":
        r.teams = await svc.get("scoring", f"/api/v1/units/{unit_id}/teams/{year}")
    if slug == "bao-cao-ket-qua":
        r.previous = await roster(svc, unit_id, previous_year(year))
        r.timeliness = await svc.get(
            "sync",
            "/api/v1/sync/timeliness",
            missing_ok=True,
            school_year=year,
            kind="self",
            province=unit.get("province_code"),
            limit=500,
        )
        cursor = r.timeliness.get("next_cursor") if r.timeliness else None
        while r.timeliness and cursor:  # the counts come whole on every page, the rows a page at a time
            page = await svc.get(
                "sync",
                "/api/v1/sync/timeliness",
                school_year=year,
                kind="self",
                province=unit.get("province_code"),
                limit=500,
                cursor=cursor,
            )
            r.timeliness["items"] += page["items"]
            cursor = page.get("next_cursor")
    return r


def team_decision(r: UnitRecords, _: str | None) -> Paper:
    t = r.teams
    assert t is not None
    names = {s["code"]: s["name"] for s in r.roster}
    members, schedule = [], []
    for team in t["teams"]:
        for m in team["members"]:
            members.append(
                [team["name"], m["name"], m["position"], m.get("workplace") or "", ROLE[m["role"]]]
            )
        for a in team["assignments"]:
            schedule.append(
                [
                    team["name"],
                    names.get(a["school_code"], a["school_code"]),
                    a["on"][8:10] + "/" + a["on"][5:7] + "/" + a["on"][:4],
                ]
            )
    return Paper(
        **r.frame(
            "qd-thanh-lap-doan",
            "QUYẾT ĐỊNH",
            f"Về việc thành lập đoàn kiểm tra, đánh giá ngoài mức độ chuyển đổi số năm học {r.year}",
            number_line(t.get("decision_number"), "QĐ"),
            t.get("decision_date"),
        ),
        authority=f"{HEAD_TITLE.get(r.unit['kind'], 'THỦ TRƯỞNG')} {r.unit['name']}",
        blocks=[
            Para(BASIS_4725),
            Para(f"Căn cứ kế hoạch đánh giá mức độ chuyển đổi số năm học {r.year};"),
            Centre("QUYẾT ĐỊNH:"),
            Para(
                f"Thành lập {len(t['teams'])} đoàn kiểm tra, đánh giá ngoài mức độ chuyển đổi "
                f"số năm học {r.year}, "
                "gồm các ông (bà) có tên sau:",
                lead="Điều 1.",
            ),
            Table(["Đoàn", "Họ và tên", "Chức vụ", "Đơn vị công tác", "Nhiệm vụ"], members, [3, 5, 4, 5, 4]),
            Para(
                "Các đoàn kiểm tra, đánh giá ngoài các cơ sở giáo dục theo lịch sau; lập biên bản và đề nghị "
                "công nhận mức độ chuyển đổi số:",
                lead="Điều 2.",
            ),
            Table(["Đoàn", "Cơ sở giáo dục", "Ngày đánh giá"], schedule, [3, 10, 4], "llc"),
            Para(
                "Quyết định có hiệu lực kể từ ngày ký. Các ông (bà) có tên tại Điều 1 và các "
                "cơ sở giáo dục tại "
                "Điều 2 chịu trách nhiệm thi hành Quyết định này.",
                lead="Điều 3.",
            ),
        ],
        signatures=[r.signer(t.get("signer_name") or "")],
        recipients=["Như Điều 3;", *([f"{r.parent['name']} (để b/c);"] if r.parent else []), "Lưu: VT."],
    )


def _result_rows(schools: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for i, s in enumerate(schools, 1):
        e = s["external_assessment"]
        rows.append(
            [
                str(i),
                s["name"],
                school_levels(s["levels"]),
                pts(e["g1_points"]),
                level(e["g1_level"]),
                pts(e["g2_points"]),
                level(e["g2_level"]),
            ]
        )
    return rows


HEAD = ["TT", "Cơ sở giáo dục", "Cấp học", "Điểm nhóm 1", "Mức nhóm 1", "Điểm nhóm 2", "Mức nhóm 2"]
WIDTHS = [1, 8, 3, 2, 5, 2, 5]


def proposal_list(r: UnitRecords, _: str | None) -> Paper:
    done = [s for s in r.assessed_here() if (s["external_assessment"] or {}).get("state") in CONCLUDED]
    if not done:
        raise RecordNotReady(
            msg("Chưa có cơ sở nào được đánh giá ngoài.", "No external assessment is concluded yet.")
        )
    return Paper(
        **r.frame(
            "danh-sach-de-nghi-cong-nhan",
            "DANH SÁCH",
            f"Cơ sở giáo dục đề nghị công nhận mức độ chuyển đổi số năm học {r.year}",
            number_line(None, "DS"),
        ),
        blocks=[
            Para(
                f"Kèm theo kết quả kiểm tra, đánh giá ngoài của {r.unit['name']}: {len(done)} cơ sở giáo dục."
            ),
            Table(HEAD, _result_rows(done), WIDTHS, "cllclcl"),
        ],
        signatures=[r.signer()],
        landscape=True,
    )


def recognition(r: UnitRecords, decision: str | None) -> Paper:
    rec = [s for s in r.roster if (s["external_assessment"] or {}).get("state") == "recognised"]
    numbers = sorted(
        {
            s["external_assessment"]["decision_number"]
            for s in rec
            if s["external_assessment"]["decision_number"]
        }
    )
    if decision is None and len(numbers) == 1:
        decision = numbers[0]
    chosen = [s for s in rec if s["external_assessment"]["decision_number"] == decision]
    if not chosen:
        raise Unprocessable.at(
            "/decision",
            "unknown_decision",
            f"Chọn số quyết định trong: {', '.join(numbers) or '(chưa có)'}.",
            f"Pick a decision number among: {', '.join(numbers) or '(none yet)'}.",
        )
    on = chosen[0]["external_assessment"]["decision_date"]
    return Paper(
        **r.frame(
            "qd-cong-nhan",
            "QUYẾT ĐỊNH",
            f"Về việc công nhận mức độ chuyển đổi số của cơ sở giáo dục năm học {r.year}",
            number_line(decision, "QĐ"),
            on,
        ),
        authority=f"{HEAD_TITLE.get(r.unit['kind'], 'THỦ TRƯỞNG')} {r.unit['name']}",
        blocks=[
            Para(BASIS_4725),
            Para(f"Căn cứ kết quả kiểm tra, đánh giá ngoài mức độ chuyển đổi số năm học {r.year};"),
            Centre("QUYẾT ĐỊNH:"),
            Para(
                f"Công nhận mức độ chuyển đổi số năm học {r.year} của {len(chosen)} cơ sở giáo dục "
                "(danh sách kèm theo).",
                lead="Điều 1.",
            ),
            Table(HEAD, _result_rows(chosen), WIDTHS, "cllclcl"),
            Para(
                "Các cơ sở giáo dục có tên tại Điều 1 công bố kết quả trên trang thông tin "
                "điện tử của đơn vị; "
                "kết quả được cập nhật lên CSDL ngành.",
                lead="Điều 2.",
            ),
            Para(
                "Quyết định có hiệu lực kể từ ngày ký. Các cơ sở giáo dục có tên tại Điều 1 chịu trách nhiệm "
                "thi hành Quyết định này.",
                lead="Điều 3.",
            ),
        ],
        signatures=[r.signer()],
        recipients=["Như Điều 3;", *([f"{r.parent['name']} (để b/c);"] if r.parent else []), "Lưu: VT."],
        landscape=True,
    )


def report(r: UnitRecords, _: str | None) -> Paper:
    to = r.parent["name"] if r.parent else "Bộ Giáo dục và Đào tạo"
    if r.unit["kind"] == "department":
        to = "Bộ Giáo dục và Đào tạo"
    return Paper(
        **r.frame(
            "bao-cao-ket-qua",
            "BÁO CÁO",
            f"Kết quả đánh giá mức độ chuyển đổi số năm học {r.year}",
            number_line(None, "BC"),
        ),
        addressee=[f"Kính gửi: {to}"],
        blocks=[*report_blocks(r.unit, r.year, r.roster, r.previous or [], r.timeliness)],
        signatures=[r.signer()],
        recipients=["Như trên;", "Lưu: VT."],
        landscape=True,
    )


UNIT_PAPERS = {
    "qd-thanh-lap-doan": team_decision,
    "danh-sach-de-nghi-cong-nhan": proposal_list,
    "qd-cong-nhan": recognition,
    "bao-cao-ket-qua": report,
}
