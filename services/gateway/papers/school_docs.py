"""The school's papers: QĐ thành lập Hội đồng tự đánh giá, Biên bản tự đánh giá, QĐ công nhận kết
quả tự đánh giá, Tờ trình đề nghị đánh giá ngoài. Each is built from the records as they stand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.gateway.papers.common import (
    BASIS_4725,
    ROLE,
    RecordNotReady,
    level,
    parse_date,
    place_of,
    pts,
)
from services.gateway.papers.fetch import Services
from services.gateway.papers.model import (
    Centre,
    Heading,
    Paper,
    Para,
    Signature,
    Table,
    number_line,
    place_date,
)
from shared.i18n import msg

APPROVED = {"approved", "accepted"}


@dataclass
class SchoolRecords:
    year: str
    school: dict[str, Any]
    unit: dict[str, Any]
    council: dict[str, Any] | None
    assessment: dict[str, Any] | None
    evidence: list[dict[str, Any]] | None  # None: the evidence service does not run here

    @property
    def place(self) -> str:
        return place_of(self.unit)

    def head(self) -> str:
        c = self.council or {}
        return c.get("signer_name") or (self.assessment or {}).get("approved_by_name") or ""

    def frame(self, slug: str, kind: str, title: str, number: str, on: Any = None) -> dict[str, Any]:
        return {
            "slug": slug,
            "issuer_parent": self.unit["name"],
            "issuer": self.school["name"],
            "number": number,
            "place_date": place_date(self.place, parse_date(on), self.year[5:]),
            "kind": kind,
            "title": title,
        }


async def load(svc: Services, code: str, year: str, need_assessment: bool) -> SchoolRecords:
    school = await svc.get("scoring", f"/api/v1/org/schools/{code}")
    unit = {
        "id": school["managing_unit_id"],
        "name": school.get("managing_unit_name") or "",
        "place": school.get("managing_unit_place"),
    }
    council = await svc.get("scoring", f"/api/v1/schools/{code}/council/{year}", missing_ok=True)
    a = await svc.get(
        "scoring", f"/api/v1/schools/{code}/assessments/{year}/self", missing_ok=not need_assessment
    )
    evidence: list[dict[str, Any]] | None = None
    if need_assessment and "evidence" in svc.clients:
        evidence = [
            e
            async for e in svc.pages(
                "evidence", f"/api/v1/schools/{code}/evidence", school_year=year, limit=500
            )
        ]
    return SchoolRecords(year, school, unit, council, a, evidence)


def council_decision(r: SchoolRecords) -> Paper:
    c = r.council
    if c is None:
        raise RecordNotReady(msg("Chưa khai báo Hội đồng tự đánh giá.", "Record the council first."))
    rows = [
        [str(i), m["name"], m["position"], ROLE[m["role"]], m["task"]] for i, m in enumerate(c["members"], 1)
    ]
    return Paper(
        **r.frame(
            "qd-thanh-lap-hoi-dong",
            "QUYẾT ĐỊNH",
            f"Về việc thành lập Hội đồng tự đánh giá mức độ chuyển đổi số năm học {r.year}",
            number_line(c.get("decision_number"), "QĐ"),
            c.get("decision_date"),
        ),
        authority=f"HIỆU TRƯỞNG {r.school['name']}",
        blocks=[
            Para(BASIS_4725),
            Para(f"Căn cứ kế hoạch đánh giá mức độ chuyển đổi số năm học {r.year} của {r.unit['name']};"),
            Para("Xét đề nghị của các bộ phận chuyên môn nhà trường,"),
            Centre("QUYẾT ĐỊNH:"),
            Para(
                f"Thành lập Hội đồng tự đánh giá mức độ chuyển đổi số năm học {r.year} của "
                f"{r.school['name']}, "
                "gồm các ông (bà) có tên sau:",
                lead="Điều 1.",
            ),
            Table(
                ["TT", "Họ và tên", "Chức vụ", "Nhiệm vụ trong Hội đồng", "Phân công"],
                rows,
                [1, 5, 4, 4, 5],
                "cllll",
            ),
            Para(
                "Hội đồng có nhiệm vụ tổ chức tự đánh giá mức độ chuyển đổi số của nhà trường "
                "theo Bộ chỉ số, "
                "thu thập minh chứng, lập biên bản và báo cáo Hiệu trưởng phê duyệt kết quả. "
                "Hội đồng tự giải thể sau khi hoàn thành nhiệm vụ.",
                lead="Điều 2.",
            ),
            Para(
                "Quyết định có hiệu lực kể từ ngày ký. Các ông (bà) có tên tại Điều 1 chịu trách nhiệm thi "
                "hành Quyết định này.",
                lead="Điều 3.",
            ),
        ],
        signatures=[Signature("HIỆU TRƯỞNG", c.get("signer_name") or "")],
        recipients=["Như Điều 3;", f"{r.unit['name']} (để b/c);", "Lưu: VT."],
    )


def _score_tables(score: dict[str, Any]) -> list[Heading | Para | Table]:
    out: list[Heading | Para | Table] = []
    for g in score["groups"]:
        out.append(
            Heading(
                f"Nhóm {g['code']}. {g['title']}: {pts(g['points'])}/{pts(g['max'])} điểm, "
                f"{level(g['level'])}"
            )
        )
        rows = []
        for c in g["criteria"]:
            if c["mandatory"]:
                rows.append([c["code"], c["title"], "Điều kiện bắt buộc", "Đạt" if c["met"] else "Không đạt"])
                continue
            rows.append([c["code"], c["title"], f"{pts(c['points'])}/{pts(c['max'])}", level(c["level"])])
            rows += [[i["code"], i["title"], f"{pts(i['points'])}/{pts(i['cap'])}", ""] for i in c["items"]]
        out.append(Table(["Mã", "Tiêu chí / chỉ tiêu", "Điểm", "Mức"], rows, [2, 11, 3, 5], "clcl"))
        if not g["mandatory_met"]:
            unmet = ", ".join(g.get("unmet_mandatory") or [])
            out.append(
                Para(f"Điều kiện bắt buộc chưa đạt ({unmet}): nhóm {g['code']} ở Mức 1 theo Bộ chỉ số.")
            )
    return out


def _evidence_table(r: SchoolRecords) -> list[Heading | Para | Table]:
    if r.evidence is None:
        return [
            Para("Danh mục minh chứng do dịch vụ minh chứng quản lý; không truy cập được khi lập văn bản.")
        ]
    rows = sorted(
        ([code, e["title"], ", ".join(e["items"])] for e in r.evidence for code in e["codes"]),
        key=lambda x: x[0],
    )
    rows = [[str(i), *row] for i, row in enumerate(rows, 1)]
    return [
        Heading("Danh mục minh chứng"),
        Table(["TT", "Mã minh chứng", "Tên minh chứng", "Chỉ tiêu"], rows, [1, 4, 10, 4], "clll"),
    ]


def minutes(r: SchoolRecords) -> Paper:
    a = r.assessment
    assert a is not None
    members = (r.council or {}).get("members", [])
    chair = next((m["name"] for m in members if m["role"] == "chu_tich"), "")
    secretary = next((m["name"] for m in members if m["role"] == "thu_ky"), "")
    present = "; ".join(f"{m['name']} – {ROLE[m['role']]}" for m in members) or "(chưa khai báo Hội đồng)"
    return Paper(
        **r.frame(
            "bien-ban-tu-danh-gia",
            "BIÊN BẢN",
            f"Tự đánh giá mức độ chuyển đổi số năm học {r.year}",
            number_line(None, "BB-HĐTĐG"),
            a.get("approved_at", "")[:10] if a.get("approved_at") else None,
        ),
        blocks=[
            Para(
                f"Hội đồng tự đánh giá mức độ chuyển đổi số của {r.school['name']} họp đánh "
                "giá theo Bộ chỉ số "
                f"ban hành kèm theo Quyết định số 4725/QĐ-BGDĐT (bộ chỉ số áp dụng: {a['framework']})."
            ),
            Para(present, lead="Thành phần:"),
            Heading("Kết quả tự đánh giá"),
            *_score_tables(a["score"]),
            *_evidence_table(r),
            Para(
                f"Nhóm 1: {level(a['score']['groups'][0]['level'])}; Nhóm 2: "
                f"{level(a['score']['groups'][1]['level'])}.",
                lead="Kết luận:",
            ),
        ],
        signatures=[Signature("THƯ KÝ", secretary), Signature("CHỦ TỊCH HỘI ĐỒNG", chair)],
    )


def _require_approved(a: dict[str, Any] | None) -> dict[str, Any]:
    if a is None or a["state"] not in APPROVED:
        raise RecordNotReady(
            msg("Kết quả tự đánh giá chưa được phê duyệt.", "The self-assessment is not approved yet.")
        )
    return a


def self_recognition(r: SchoolRecords) -> Paper:
    a = _require_approved(r.assessment)
    g = a["score"]["groups"]
    rows = [[x["code"], x["title"], pts(x["points"]), level(x["level"])] for x in g]
    return Paper(
        **r.frame(
            "qd-cong-nhan-tu-danh-gia",
            "QUYẾT ĐỊNH",
            f"Về việc công nhận kết quả tự đánh giá mức độ chuyển đổi số năm học {r.year}",
            number_line(None, "QĐ"),
            a["approved_at"][:10] if a.get("approved_at") else None,
        ),
        authority=f"HIỆU TRƯỞNG {r.school['name']}",
        blocks=[
            Para(BASIS_4725),
            Para(
                f"Căn cứ biên bản tự đánh giá của Hội đồng tự đánh giá mức độ chuyển đổi số năm học {r.year};"
            ),
            Centre("QUYẾT ĐỊNH:"),
            Para(
                f"Công nhận kết quả tự đánh giá mức độ chuyển đổi số năm học {r.year} của "
                f"{r.school['name']} như sau:",
                lead="Điều 1.",
            ),
            Table(["Nhóm", "Nội dung", "Tổng điểm", "Mức độ"], rows, [2, 9, 3, 6], "clcl"),
            Para(
                "Kết quả được công bố trên trang thông tin điện tử của nhà trường và cập nhật "
                "lên CSDL ngành.",
                lead="Điều 2.",
            ),
            Para(
                "Quyết định có hiệu lực kể từ ngày ký. Hội đồng tự đánh giá và các bộ phận "
                "liên quan chịu trách "
                "nhiệm thi hành Quyết định này.",
                lead="Điều 3.",
            ),
        ],
        signatures=[Signature("HIỆU TRƯỞNG", r.head())],
        recipients=["Như Điều 3;", f"{r.unit['name']} (để b/c);", "Lưu: VT."],
    )


def external_request(r: SchoolRecords) -> Paper:
    a = r.assessment
    if a is None or not a.get("external_requested"):
        raise RecordNotReady(
            msg("Nhà trường chưa đề nghị đánh giá ngoài.", "External assessment has not been requested.")
        )
    g = a["score"]["groups"]
    return Paper(
        **r.frame(
            "to-trinh-danh-gia-ngoai",
            "TỜ TRÌNH",
            f"Đề nghị đánh giá ngoài mức độ chuyển đổi số năm học {r.year}",
            number_line(None, "TTr"),
            None,
        ),
        addressee=[f"Kính gửi: {r.unit['name']}"],
        blocks=[
            Para(BASIS_4725),
            Para(
                f"{r.school['name']} đã tổ chức tự đánh giá mức độ chuyển đổi số năm học "
                f"{r.year}; kết quả đã được "
                "Hiệu trưởng phê duyệt như sau:"
            ),
            Table(
                ["Nhóm", "Nội dung", "Tổng điểm", "Mức độ"],
                [[x["code"], x["title"], pts(x["points"]), level(x["level"])] for x in g],
                [2, 9, 3, 6],
                "clcl",
            ),
            Para(
                f"{r.school['name']} kính đề nghị {r.unit['name']} tổ chức đánh giá ngoài và "
                "công nhận mức độ chuyển "
                "đổi số của nhà trường. Hồ sơ kèm theo: Biên bản tự đánh giá, Quyết định công "
                "nhận kết quả tự "
                "đánh giá, danh mục minh chứng."
            ),
            Para("Kính trình."),
        ],
        signatures=[Signature("HIỆU TRƯỞNG", r.head())],
        recipients=["Như trên;", "Lưu: VT."],
    )


SCHOOL_PAPERS = {
    "qd-thanh-lap-hoi-dong": (council_decision, False),
    "bien-ban-tu-danh-gia": (minutes, True),
    "qd-cong-nhan-tu-danh-gia": (self_recognition, True),
    "to-trinh-danh-gia-ngoai": (external_request, True),
}
