"""The data dictionary: every column of every CSV we publish, typed and described in
English and Vietnamese. Table Schemas, the release README and the CSV `describedby`
links are all made from it; a test holds it complete (no column goes undescribed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.vocab import (
    COHORTS,
    COMPUTED_RANK_BASIS,
    CONFLICT_STATUSES,
    INDICATOR_KINDS,
    KINDS,
    LEVELS,
    QUALIFIERS,
    RANK_BASES,
    SIZE_BASES,
    STATISTICS,
    TIERS,
)

PARTIAL_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"  # YYYY, YYYY-MM or YYYY-MM-DD, as published
LIST = " Several values are joined by ';'. / Nhiều giá trị nối bằng ';'."


@dataclass(frozen=True)
class Column:
    """One column: Table Schema type, descriptions and constraints."""

    type: str
    en: str
    vi: str
    constraints: dict[str, Any] = field(default_factory=dict)
    list: bool = False  # ';'-joined values in one cell
    format: str | None = None

    def schema(self, name: str) -> dict[str, Any]:
        out: dict[str, Any] = {"name": name, "type": self.type,
                               "description": f"{self.en} / {self.vi}"}
        if self.list:
            out["description"] += LIST
        if self.format:
            out["format"] = self.format
        if self.constraints:
            out["constraints"] = dict(self.constraints)
        return out


def C(type_: str, en: str, vi: str, **constraints: Any) -> Column:
    listed = constraints.pop("list", False)
    fmt = constraints.pop("format", None)
    return Column(type_, en, vi, constraints, listed, fmt)


REQUIRED = {"required": True}
YEAR = C("integer", "Year of the DTI edition (the year assessed)",
         "Năm của kỳ đánh giá DTI (năm được đánh giá)", required=True, minimum=2000,
         maximum=2100)
RANK = C("integer", "Rank as published (1 = best); empty when no rank was published",
         "Thứ hạng đã công bố (1 = cao nhất); để trống khi không có thứ hạng", minimum=1)
VALUE = C("number", "The figure as a number; empty when only a rank was published",
          "Giá trị dạng số; để trống khi chỉ công bố thứ hạng")
VALUE_TEXT = C("string", "The figure exactly as published (keeps trailing zeros)",
               "Giá trị đúng như đã công bố (giữ nguyên số 0 ở cuối)")
DATE = C("string", "Date as published: YYYY, YYYY-MM or YYYY-MM-DD",
         "Ngày như đã công bố: YYYY, YYYY-MM hoặc YYYY-MM-DD", pattern=PARTIAL_DATE)
NOTE = C("string", "Note from the collector: what the page says, caveats",
         "Ghi chú của người thu thập: nội dung trang nguồn, lưu ý")
SOURCE = C("string", "Id of the source page (sources.csv)", "Mã nguồn (sources.csv)")
ENTITY = C("string", "Entity code: GSO province code ('01' Hà Nội), 'M-...' for a "
           "merged province, a ministry code, or VN", "Mã đơn vị: mã tỉnh theo Tổng cục "
           "Thống kê ('01' Hà Nội), 'M-...' cho tỉnh sau sáp nhập, mã bộ, hoặc VN",
           required=True)
NAME_VI = C("string", "Name in Vietnamese", "Tên tiếng Việt", required=True)
NAME_EN = C("string", "Name in English", "Tên tiếng Anh", required=True)
NAME = C("string", "Name in the language asked for (lang=; Vietnamese in the release)",
         "Tên theo ngôn ngữ yêu cầu (lang=; tiếng Việt trong bản phát hành)")
INDICATOR = C("string", "Indicator code (indicators.csv), e.g. DTI, GOV, ECO, SOC",
              "Mã chỉ số (indicators.csv), ví dụ DTI, GOV, ECO, SOC", required=True)
COHORT = C("string", "The group ranked together (cohorts.csv)",
           "Nhóm được xếp hạng cùng nhau (cohorts.csv)", required=True, enum=list(COHORTS))
COHORT_SIZE = C("integer", "Members of the cohort that year, where known; empty when no "
                "source states it", "Số thành viên của nhóm năm đó nếu biết; để trống khi "
                "không nguồn nào nêu", minimum=1)
STATUS = C("string", "How a disagreement between sources was settled: none, "
           "resolved_by_tier (a better kind of source), resolved_by_agreement (more "
           "sources), unresolved (a tie broken only by record-keeping)",
           "Cách xử lý khi các nguồn khác nhau: none (không khác), resolved_by_tier (nguồn "
           "cấp cao hơn), resolved_by_agreement (nhiều nguồn hơn), unresolved (chưa ngã ngũ)",
           required=True, enum=list(CONFLICT_STATUSES))
RANK_BASIS = C("string", "What the rank rests on: stated, list_order (the order a page "
               "lists bodies in), leads_wording ('dẫn đầu', leads); empty: no rank",
               "Căn cứ của thứ hạng: stated (nêu rõ), list_order (thứ tự liệt kê), "
               "leads_wording ('dẫn đầu'); để trống: không có hạng", enum=list(RANK_BASES))
QUALIFIER = C("string", "How the source hedged the value ('gần' approximately, 'trên' "
              "more_than, ...); empty: stated exactly", "Cách nguồn nêu giá trị ('gần' = "
              "approximately, 'trên' = more_than, ...); để trống: nêu chính xác",
              enum=list(QUALIFIERS))
CONFLICT = C("boolean", "Some source gives another value or rank (see claims)",
             "Có nguồn nêu giá trị hoặc thứ hạng khác (xem claims)", required=True)
FRAMEWORK = C("string", "Framework edition in force (frameworks.csv), e.g. "
              "DTI_922_2022-province", "Bộ chỉ số áp dụng (frameworks.csv), ví dụ "
              "DTI_922_2022-province")
LEVEL = C("string", "Administrative level: province, ministry or national",
          "Cấp: tỉnh (province), bộ (ministry) hoặc quốc gia (national)", required=True,
          enum=list(LEVELS))
COUNT = {"required": True, "minimum": 0}

# Columns that mean the same in every table.
COMMON: dict[str, Column] = {
    "year": YEAR, "rank": RANK, "value": VALUE, "value_text": VALUE_TEXT, "note": NOTE,
    "source_id": SOURCE, "entity_code": ENTITY, "name_vi": NAME_VI, "name_en": NAME_EN,
    "name": NAME, "entity_name_vi": NAME_VI, "entity_name_en": NAME_EN, "entity_name": NAME,
    "indicator": INDICATOR, "cohort": COHORT, "cohort_size": COHORT_SIZE,
    "conflict_status": STATUS, "rank_basis": RANK_BASIS, "qualifier": QUALIFIER,
    "has_conflict": CONFLICT, "framework_id": FRAMEWORK, "level": LEVEL,
    "as_of": DATE, "period_start": DATE, "period_end": DATE, "valid_from": DATE,
    "valid_to": DATE, "issued_date": DATE, "published_date": DATE,
    "entity_kind": C("string", "Kind of entity", "Loại đơn vị", required=True,
                     enum=list(KINDS)),
    "previous_rank": C("integer", "Rank in the previous edition of the same ranking",
                       "Thứ hạng ở kỳ trước của cùng bảng xếp hạng", minimum=1),
    "rank_change": C("integer", "Places gained since the previous edition (positive = up)",
                     "Số bậc tăng so với kỳ trước (dương = tăng)"),
    "previous_value": C("number", "Value in the previous edition", "Giá trị kỳ trước"),
    "value_change": C("number", "Value minus the previous edition's value",
                      "Giá trị trừ giá trị kỳ trước"),
    "source_ids": C("string", "Ids of every source that gives the served figure",
                    "Mã các nguồn nêu giá trị được công bố", list=True),
    "sources": C("string", "Ids of every source that gives the served figure",
                 "Mã các nguồn nêu giá trị được công bố", list=True),
    "conflicts": C("string", "Ids of sources that give another value or rank",
                   "Mã các nguồn nêu giá trị hoặc thứ hạng khác", list=True),
    "cohort_size_basis": C("string", "Where the cohort size comes from: membership (fixed "
                           "list), stated (a source that year), unknown",
                           "Căn cứ số thành viên: membership (danh sách cố định), stated "
                           "(nguồn nêu năm đó), unknown (không rõ)", required=True,
                           enum=list(SIZE_BASES)),
    "unit": C("string", "Unit: count, percent, rank, ...", "Đơn vị: count (số lượng), "
              "percent (%), rank (hạng), ...", required=True),
    "definition": C("string", "Definition as published", "Định nghĩa như đã công bố"),
    "iso_code": C("string", "ISO 3166-2 code (VN-xx); empty where ISO lists no code for the "
                  "unit (the provinces formed by the 2025 merger)", "Mã ISO 3166-2 (VN-xx); "
                  "trống khi ISO chưa có mã (các tỉnh hình thành do sáp nhập 2025)",
                  pattern=r"^VN-[0-9A-Z]{2}$"),
    "computed_rank": C("integer", "Rank computed by this project from the values, where "
                       "every member of the cohort has one (standard competition ranking at "
                       "the list's published precision); never a published rank",
                       "Thứ hạng do dự án tính từ giá trị khi mọi thành viên đều có giá trị "
                       "(xếp hạng cạnh tranh chuẩn); không phải thứ hạng đã công bố",
                       minimum=1),
    "computed_rank_basis": C("string", "computed_from_values where computed_rank is given",
                             "computed_from_values khi có computed_rank",
                             enum=[COMPUTED_RANK_BASIS]),
    "previous_rank_basis": C("string", "What previous_rank rests on: a published rank's "
                             "basis, or computed_from_values", "Căn cứ của previous_rank: căn "
                             "cứ của thứ hạng đã công bố, hoặc computed_from_values",
                             enum=[*RANK_BASES, "unclear", COMPUTED_RANK_BASIS]),
    "rank_change_basis": C("string", "What this edition's side of rank_change rests on (the "
                           "published rank's basis, else computed_from_values); the other "
                           "side: previous_rank_basis", "Căn cứ phía kỳ này của rank_change; "
                           "phía kỳ trước: previous_rank_basis",
                           enum=[*RANK_BASES, "unclear", COMPUTED_RANK_BASIS]),
    "rank_median": C("number", "Median rank over the weights' perturbations (the stability "
                     "analysis, derived); empty where there is none", "Thứ hạng trung vị khi "
                     "trọng số thay đổi (phân tích độ ổn định, suy ra); trống nếu không có",
                     minimum=1),
    "rank_interval": C("string", "5th and 95th percentile ranks over the weights' "
                       "perturbations (derived)", "Thứ hạng phân vị 5 và 95 khi trọng số "
                       "thay đổi (suy ra)", list=True),
    "recomputed_rank": C("integer", "Rank recomputed from the main indicators (derived)",
                         "Thứ hạng tính lại từ các chỉ số chính (suy ra)", minimum=1),
}

# Columns whose meaning depends on the table.
BY_TABLE: dict[str, dict[str, Column]] = {
    "entities": {
        "code": C("string", "Entity code (see entity_code)", "Mã đơn vị", required=True,
                  unique=True),
        "kind": COMMON["entity_kind"],
        "region": C("string", "Socio-economic region (provinces)", "Vùng kinh tế - xã hội "
                    "(tỉnh)"),
        "has_public_services": C("boolean", "Ministry that provides public services to "
                                 "citizens and businesses (ranked in its own group)",
                                 "Bộ có cung cấp dịch vụ công (xếp hạng nhóm riêng)"),
        "admin_centre": C("string", "Administrative centre of a merged province",
                          "Trung tâm hành chính của tỉnh sau sáp nhập"),
        "group_2020": C("integer", "Group in the DTI 2020 provincial report",
                        "Nhóm trong báo cáo DTI 2020 cấp tỉnh", minimum=1),
        "cohorts": C("string", "Cohorts the entity belongs to", "Các nhóm đơn vị thuộc về",
                     list=True),
        "predecessors": C("string", "Provinces merged into this one on 2025-07-01",
                          "Các tỉnh hợp nhất thành tỉnh này từ 2025-07-01", list=True),
        "successors": C("string", "Province this one became part of on 2025-07-01",
                        "Tỉnh mà tỉnh này trở thành một phần từ 2025-07-01", list=True),
        "valid_from": C("string", "First day the entity existed, where it began in the "
                        "period covered", "Ngày đơn vị bắt đầu tồn tại (nếu trong giai "
                        "đoạn dữ liệu)", pattern=PARTIAL_DATE),
        "valid_to": C("string", "Last day the entity existed (2025-06-30 for the 63 "
                      "provinces before the merger)", "Ngày cuối đơn vị tồn tại "
                      "(2025-06-30 với 63 tỉnh trước sáp nhập)", pattern=PARTIAL_DATE),
    },
    "frameworks": {
        "id": C("string", "Framework edition id: decision and level",
                "Mã bộ chỉ số: quyết định và cấp", required=True, unique=True),
        "edition": C("string", "Decision the framework was issued by, as an id",
                     "Quyết định ban hành bộ chỉ số (dạng mã)", required=True),
        "decision": C("string", "Decision number as published", "Số quyết định",
                      required=True),
        "valid_from_year": C("integer", "First DTI year assessed with it",
                             "Năm đánh giá DTI đầu tiên áp dụng", minimum=2000),
        "valid_to_year": C("integer", "Last DTI year assessed with it (empty: still in "
                           "force)", "Năm đánh giá cuối cùng áp dụng (trống: còn hiệu lực)",
                           minimum=2000),
        "summary": C("string", "Structure as published: pillars, indicators, points",
                     "Cấu trúc như đã công bố: trụ cột, chỉ số, điểm", required=True),
        "root_indicator": C("string", "Code of the top indicator", "Mã chỉ số gốc"),
        "method": C("string", "The main indicators' weights inferred from the published "
                    "tables and the check that they recompute every total held, as JSON "
                    "(derived; empty: none known)", "Trọng số các chỉ số chính suy ra từ các "
                    "bảng đã công bố và kết quả kiểm tra, dạng JSON (suy ra; trống: chưa "
                    "biết)"),
        "source_id": C("string", "Id of the source page (sources.csv)",
                       "Mã nguồn (sources.csv)", required=True),
    },
    "indicators": {
        "code": C("string", "Indicator code", "Mã chỉ số", required=True),
        "framework_id": C("string", "Framework edition (frameworks.csv); empty for national "
                          "and UN indicators outside the DTI", "Bộ chỉ số (frameworks.csv); "
                          "trống với chỉ số quốc gia và của Liên Hợp Quốc ngoài DTI"),
        "kind": C("string", "Place in the tree: root, pillar, main, component, criterion, "
                  "external", "Vị trí trong cây: gốc, trụ cột, chỉ số chính, chỉ số thành "
                  "phần, tiêu chí, ngoài DTI", required=True, enum=list(INDICATOR_KINDS)),
        "parent_code": C("string", "Code of the parent indicator in the same framework",
                         "Mã chỉ số cha trong cùng bộ chỉ số"),
        "max_points": C("number", "Maximum points", "Điểm tối đa", minimum=0),
        "weight": C("number", "Weight as published", "Trọng số như đã công bố", minimum=0),
        "scale": C("string", "Scale of values: unit_interval (0-1), percent, rank",
                   "Thang giá trị: unit_interval (0-1), percent (%), rank (hạng)",
                   required=True),
        "source_id": C("string", "Id of the source page (sources.csv)",
                       "Mã nguồn (sources.csv)", required=True),
    },
    "cohorts": {
        "code": C("string", "Cohort code", "Mã nhóm", required=True, unique=True,
                  enum=list(COHORTS)),
        "level": C("string", "Level of its members: province, ministry, national, or all "
                   "(ministries and provinces together)", "Cấp của thành viên: tỉnh, bộ, "
                   "quốc gia, hoặc all (cả bộ và tỉnh)", required=True,
                   enum=[*LEVELS, "all"]),
        "size": C("integer", "Members: every year for a fixed cohort, else the largest "
                  "size any year had (sizes per year: coverage.csv)", "Số thành viên: mọi "
                  "năm với nhóm cố định, nếu không là số lớn nhất (theo năm: coverage.csv)",
                  required=True, minimum=1),
        "fixed": C("boolean", "Membership is the same every year", "Thành viên giống nhau "
                   "mọi năm", required=True),
        "members": C("integer", "Entities listed as members", "Số đơn vị được liệt kê",
                     **COUNT),
        "source_id": C("string", "Id of the source page (sources.csv)",
                       "Mã nguồn (sources.csv)", required=True),
    },
    "merger": {
        "old_code": C("string", "Province before 2025-07-01", "Tỉnh trước 2025-07-01",
                      required=True),
        "old_name_vi": NAME_VI, "old_name_en": NAME_EN, "old_name": NAME,
        "new_code": C("string", "Province it became part of", "Tỉnh sau sáp nhập",
                      required=True),
        "new_name_vi": NAME_VI, "new_name_en": NAME_EN, "new_name": NAME,
        "valid_from": C("string", "Date the merger took effect", "Ngày sáp nhập có hiệu lực",
                        required=True, pattern=PARTIAL_DATE),
        "source_id": C("string", "Id of the source page (sources.csv)",
                       "Mã nguồn (sources.csv)", required=True),
    },
    "scores": {
        "id": C("integer", "Figure id (stable within a dataset version)",
                "Mã số liệu (ổn định trong một phiên bản dữ liệu)", required=True,
                unique=True),
        "source_id": C("string", "The source the served figure is taken from: the best "
                       "kind of source that gives it (sources.csv)", "Nguồn của giá trị được "
                       "công bố: nguồn thuộc loại tốt nhất nêu giá trị đó (sources.csv)",
                       required=True),
    },
    "aggregates": {
        "id": C("integer", "Figure id", "Mã số liệu", required=True, unique=True),
        "indicator": C("string", "Indicator code (indicators.csv); codes joined by '|' when "
                       "a source gives one figure for several (GOV|ECO|SOC: the pillars' "
                       "growth range in 2022)", "Mã chỉ số (indicators.csv); nhiều mã nối "
                       "bằng '|' khi nguồn nêu một số liệu chung (GOV|ECO|SOC: mức tăng của "
                       "các trụ cột năm 2022)", required=True),
        "statistic": C("string", "What was computed over the cohort: mean, min, max, ...",
                       "Thống kê trên nhóm: mean (trung bình), min, max, ...", required=True,
                       enum=list(STATISTICS)),
        "source_id": C("string", "The source the served figure is taken from (sources.csv)",
                       "Nguồn của giá trị được công bố (sources.csv)", required=True),
    },
    "statistics": {
        "id": C("integer", "Statistic id", "Mã số liệu", required=True, unique=True),
        "entity_name_published": C("string", "Entity name as the source printed it",
                                   "Tên đơn vị như nguồn đã in", required=True),
        "metric": C("string", "Metric code (metrics.csv)", "Mã chỉ tiêu (metrics.csv)",
                    required=True),
        "value": C("number", "The statistic as a number", "Giá trị dạng số", required=True),
        "value_text": C("string", "The statistic as published", "Giá trị như đã công bố",
                        required=True),
        "source_id": C("string", "Id of the source page (sources.csv)",
                       "Mã nguồn (sources.csv)", required=True),
    },
    "metrics": {
        "code": C("string", "Metric code", "Mã chỉ tiêu", required=True, unique=True),
        "definition": C("string", "What is counted", "Nội dung đo lường", required=True),
    },
    "sources": {
        "id": C("string", "Source id", "Mã nguồn", required=True, unique=True),
        "url": C("string", "Address of the public page (empty for two print interviews)",
                 "Địa chỉ trang công khai (trống với hai bài phỏng vấn)", format="uri"),
        "title": C("string", "Title of the page", "Tiêu đề trang", required=True),
        "publisher": C("string", "Publisher", "Đơn vị đăng tải", required=True),
        "language": C("string", "Language of the page (vi, en)", "Ngôn ngữ trang (vi, en)",
                      required=True),
        "tier": C("string", "Kind of source: official (the ministry in charge of the DTI), "
                  "government, press, third-party", "Loại nguồn: official (bộ chủ trì DTI), "
                  "government (cơ quan nhà nước), press (báo chí), third-party (bên thứ ba)",
                  required=True, enum=list(TIERS)),
        "tier_reason": C("string", "Why the source has its tier (source_tiers.csv rule)",
                         "Lý do xếp loại nguồn (quy tắc source_tiers.csv)", required=True),
        "figure_count": C("integer", "Figures the source is cited for",
                          "Số số liệu trích từ nguồn", **COUNT),
        "figures": C("string", "The figures, as kind:id (score:12, aggregate:3, "
                     "statistic:40)", "Các số liệu, dạng loại:mã (score:12, aggregate:3, "
                     "statistic:40)", list=True),
    },
    "coverage": {
        "with_value": C("integer", "Entities with a published value",
                        "Số đơn vị có giá trị đã công bố", **COUNT),
        "with_rank": C("integer", "Entities with a published rank",
                       "Số đơn vị có thứ hạng đã công bố", **COUNT),
        "with_computed_rank": C("integer", "Entities with a rank computed from the values "
                                "(where the cohort's values are complete)", "Số đơn vị có "
                                "thứ hạng tính từ giá trị (khi đủ giá trị)", **COUNT),
        "figures": C("integer", "Figures held", "Số số liệu", **COUNT),
        "unresolved": C("integer", "Figures whose conflict is unresolved",
                        "Số số liệu có mâu thuẫn chưa ngã ngũ", **COUNT),
    },
    "claims": {
        "id": C("integer", "Claim id", "Mã trích dẫn", required=True, unique=True),
        "figure_kind": C("string", "What the claim is about: score or aggregate",
                         "Loại số liệu: score (điểm) hoặc aggregate (tổng hợp)",
                         required=True, enum=["score", "aggregate"]),
        "score_id": C("integer", "The score (scores.csv), for a score claim",
                      "Điểm (scores.csv) được trích"),
        "aggregate_id": C("integer", "The aggregate (aggregates.csv), for an aggregate claim",
                          "Số liệu tổng hợp (aggregates.csv) được trích"),
        "source_id": C("string", "Id of the source page (sources.csv)",
                       "Mã nguồn (sources.csv)", required=True),
        "value": C("number", "Value this source gives", "Giá trị nguồn này nêu"),
        "value_text": C("string", "Value as this source printed it",
                        "Giá trị như nguồn này in"),
        "rank": C("integer", "Rank this source gives", "Thứ hạng nguồn này nêu", minimum=1),
        "agrees": C("boolean", "The source agrees with the served figure (false: a "
                    "conflict)", "Nguồn khớp với giá trị được công bố (false: mâu thuẫn)",
                    required=True),
    },
    "rankings": {
        "rank": C("integer", "Rank as published; ties share a rank; empty: a member with "
                  "no published rank, listed after the ranked", "Thứ hạng; đồng hạng dùng "
                  "chung số; trống: thành viên chưa có hạng, xếp sau", minimum=1),
    },
    "what-if": {
        "official_value": C("number", "The DTI as published", "DTI đã công bố"),
        "official_value_text": VALUE_TEXT,
        "official_rank": C("integer", "Rank as published, else computed from the values",
                           "Thứ hạng đã công bố, nếu không thì tính từ giá trị", minimum=1),
        "official_rank_basis": C("string", "What official_rank rests on",
                                 "Căn cứ của official_rank",
                                 enum=[*RANK_BASES, COMPUTED_RANK_BASIS]),
        "recomputed_value": C("number", "Unofficial: the DTI recomputed with the weights "
                              "asked for", "Không chính thức: DTI tính lại theo trọng số yêu "
                              "cầu", required=True),
        "recomputed_rank": C("integer", "Unofficial: the rank with the weights asked for",
                             "Không chính thức: thứ hạng theo trọng số yêu cầu",
                             required=True, minimum=1),
        "rank_shift": C("integer", "official_rank minus recomputed_rank (positive: moves "
                        "up)", "official_rank trừ recomputed_rank (dương: tăng hạng)"),
    },
    "stability": {
        "rank_median": C("number", "Median rank over the weights' perturbations",
                         "Thứ hạng trung vị khi trọng số thay đổi", required=True, minimum=1),
        "rank_interval": C("string", "5th and 95th percentile ranks", "Thứ hạng phân vị 5 và "
                           "95", list=True, required=True),
        "driver": C("string", "The main indicator whose weight explains most of the rank's "
                    "variance (first order); empty: the rank never moves", "Chỉ số chính có "
                    "trọng số giải thích nhiều nhất phương sai thứ hạng; trống: không đổi"),
        "driver_share": C("number", "That indicator's first-order share of the variance",
                          "Tỷ trọng phương sai bậc một của chỉ số đó", minimum=0, maximum=1),
    },
    "panel": {
        "entity_kind": COMMON["entity_kind"],
        "framework_id": FRAMEWORK,
        **{f"{code.lower()}_{part}": C(
            "number" if part == "value" else "integer",
            f"{label_en}: {'value' if part == 'value' else 'rank'} as published (empty "
            "where unpublished)", f"{label_vi}: {'giá trị' if part == 'value' else 'thứ hạng'}"
            " đã công bố (trống nếu chưa công bố)", **({} if part == "value" else
                                                       {"minimum": 1}))
           for code, label_en, label_vi in (
               ("DTI", "DTI", "DTI"), ("GOV", "Digital government", "Chính quyền số"),
               ("ECO", "Digital economy", "Kinh tế số"), ("SOC", "Digital society", "Xã hội số"))
           for part in ("value", "rank")},
    },
}


def column(table: str, name: str) -> Column:
    """The description of `name` in `table`; KeyError names what is undocumented."""
    found = BY_TABLE.get(table, {}).get(name) or COMMON.get(name)
    if found is None:
        raise KeyError(f"{table}.{name} has no entry in api/services/fields.py")
    return found
