"""Every word the pages show, in Vietnamese and English, defined once.

Names of entities, indicators and cohorts come from the data (name_vi, name_en); these
are the pages' own labels and the few vocabularies the data keeps in English (entity
kinds, GSO regions, rank bases), so the Vietnamese page is Vietnamese throughout.
"""

from __future__ import annotations

TEXT = {
    "site": ("DTI Open Data", "DTI Open Data"),
    "title": ("Khám phá dữ liệu DTI", "Explore the DTI data"),
    "ranking": ("Xếp hạng tỉnh", "Provinces"), "ministries": ("Bộ, ngành", "Ministries"),
    "compare": ("So sánh", "Compare"), "coverage": ("Độ phủ dữ liệu", "Coverage"),
    "search": ("Tìm", "Search"), "search_label": ("Tìm tỉnh, bộ", "Find a province or ministry"),
    "home": ("Trang chủ", "Home"), "switch": ("English", "Tiếng Việt"),
    "year": ("Năm", "Year"), "cohort": ("Nhóm", "Cohort"), "indicator": ("Chỉ số", "Indicator"),
    "show": ("Xem", "Show"), "table": ("Bảng xếp hạng", "Ranking table"),
    "rank": ("Hạng", "Rank"), "entity": ("Đơn vị", "Entity"),
    "value": ("Giá trị", "Value"), "change": ("Thay đổi", "Change"),
    "sources": ("Nguồn", "Sources"), "basis": ("Căn cứ hạng", "Rank basis"),
    "conflict": ("Nguồn khác nói", "Other sources say"),
    "missing": ("không có trong bộ dữ liệu", "not in this dataset"),
    "missing_why": ("Số liệu có thể đã được công bố nhưng bộ dữ liệu này chưa thu thập; "
                    "xem độ phủ dữ liệu", "The figure may have been published but this "
                    "dataset has not collected it; see coverage"),
    "use": ("Dùng dữ liệu này", "Use this data"), "rest": ("REST", "REST"),
    "graphql": ("GraphQL", "GraphQL"), "csv": ("Tải CSV", "Download CSV"),
    "embed": ("Nhúng vào trang của bạn", "Embed in your page"),
    "embed_image": ("Ảnh (SVG)", "Image (SVG)"), "embed_frame": ("Khung tương tác",
                                                               "Interactive frame"),
    "relative": ("Địa chỉ tương đối: thêm địa chỉ của trang này vào trước (quản trị viên có "
                 "thể đặt DTI_PUBLIC_URL để ghi sẵn)", "Relative addresses: put this site's "
                 "address before them (the operator can set DTI_PUBLIC_URL to write it here)"),
    "figures": ("Mọi số liệu và nguồn", "Every figure and its sources"),
    "merged_into": ("Sáp nhập vào (từ 1/7/2025)", "Merged into (from 2025-07-01)"),
    "merged_from": ("Hợp nhất từ", "Formed from"),
    "series": ("Theo thời gian", "Over time"), "history": ("Lịch sử thứ hạng", "Rank history"),
    "radar": ("Hồ sơ chỉ số chính", "Main-indicator profile"),
    "profile": ("Các trụ cột và chỉ số chính", "Pillars and main indicators"),
    "no_radar": ("Chưa vẽ được biểu đồ hồ sơ: bộ dữ liệu chưa có bảng đủ các chỉ số chính "
                 "của nhóm cho năm nào có số liệu của đơn vị này",
                 "No profile radar: this dataset has no complete table of the cohort's main "
                 "indicators in a year this entity has figures"),
    "peers": ("Các đơn vị có điểm gần nhất", "Nearest scores"),
    "peers_compare": ("So sánh với các đơn vị này", "Compare with these"),
    "map": ("Bản đồ", "Map"), "tiles": ("Lưới ô", "Tile grid"),
    "distribution": ("Phân bố giá trị", "How the values spread"),
    "chart_data": ("Dữ liệu của biểu đồ ở bảng bên dưới.",
                   "The chart's data is in the table below."),
    "skip": ("Bỏ qua đến nội dung", "Skip to content"),
    "with_value": ("có giá trị", "with a value"), "with_rank": ("có hạng", "ranked"),
    "complete": ("đầy đủ", "complete"), "partial": ("chưa đầy đủ", "partial"),
    "computed_ranks": ("hạng tính từ giá trị", "ranks computed from values"),
    "what_if": ("Giả định (không chính thức)", "What-if (unofficial)"),
    "what_if_link": ("Nếu trọng số khác thì sao? Xếp hạng giả định, không chính thức",
                     "What if the weights were different? An unofficial ranking"),
    "unofficial": ("Không chính thức: xếp hạng tính lại với trọng số bạn nhập, không phải số "
                   "liệu đã công bố.", "Unofficial: the ranking recomputed with the weights "
                   "you give; not a published figure."),
    "weights": ("Trọng số (theo thứ tự các chỉ số chính, cách nhau bằng dấu phẩy)",
                "Weights (in the order of the main indicators, comma-separated)"),
    "official_weights": ("Trọng số chính thức (suy ra từ bảng đã công bố)",
                         "Official weights (inferred from the published tables)"),
    "official_rank": ("Hạng chính thức", "Official rank"),
    "recomputed_rank": ("Hạng tính lại", "Recomputed rank"),
    "recomputed_value": ("Giá trị tính lại", "Recomputed value"),
    "shift": ("Thay đổi", "Shift"),
    "size": ("số thành viên", "cohort size"), "unknown": ("không rõ", "unknown"),
    "also": ("Cùng năm", "Same year"), "choose": ("Chọn 2–4 đơn vị", "Choose 2 to 4 entities"),
    "none": ("(không chọn)", "(none)"), "results": ("Kết quả", "Results"),
    "no_results": ("Không tìm thấy đơn vị nào", "No entity found"),
    "code": ("Mã", "Code"), "kind": ("Loại", "Kind"), "region": ("Vùng", "Region"),
    "provinces_63": ("63 tỉnh, thành phố (đến 2025)", "63 provinces (to 2025)"),
    "provinces_34": ("34 tỉnh, thành phố (từ 2025)", "34 provinces (from 2025)"),
    "ministry_group": ("Bộ, ngành", "Ministries"),
    "footer": ("Mã nguồn: MIT. Số liệu thuộc các nguồn công bố; ranh giới bản đồ: "
               "geoBoundaries, CC BY-SA 4.0.", "Code: MIT. Figures belong to their "
               "publishers; map boundaries: geoBoundaries, CC BY-SA 4.0."),
    "back": ("Về trang khám phá", "Back to the explorer"),
    "problem": ("Lỗi", "Error"), "api_note": ("Ứng dụng nhận lỗi này dưới dạng "
                                             "application/problem+json.", "API clients get "
                                             "this error as application/problem+json."),
    "notes": ("Mô tả dữ liệu", "Data notes"), "raw": ("Bản Markdown gốc", "The Markdown"),
}
KINDS = {"province": ("tỉnh", "province"),
         "municipality": ("thành phố trực thuộc trung ương", "municipality"),
         "ministry": ("bộ, cơ quan ngang bộ", "ministry or agency"),
         "nation": ("quốc gia", "nation")}
REGIONS = {"Red River Delta": "Đồng bằng sông Hồng",
           "Northern Midlands and Mountains": "Trung du và miền núi phía Bắc",
           "North Central and Central Coast": "Bắc Trung Bộ và duyên hải miền Trung",
           "Central Highlands": "Tây Nguyên", "Southeast": "Đông Nam Bộ",
           "Mekong River Delta": "Đồng bằng sông Cửu Long"}
BASES = {"stated": ("công bố", "published"),
         "list_order": ("theo thứ tự liệt kê", "order of a list"),
         "leads_wording": ("theo chữ 'dẫn đầu'", "'leads' wording"),
         "computed_from_values": ("tính từ giá trị", "computed from values")}
STATUS = {400: ("Yêu cầu không hợp lệ", "Bad request"), 404: ("Không tìm thấy", "Not found"),
          405: ("Phương thức không được phép", "Method not allowed"),
          406: ("Không có định dạng này", "Not acceptable")}


def t(key: str, lang: str) -> str:
    return TEXT[key][lang == "en"]


def kind(value: str, lang: str) -> str:
    return KINDS.get(value, (value, value))[lang == "en"]


def region(value: str | None, lang: str) -> str:
    if not value:
        return ""
    return REGIONS.get(value, value) if lang == "vi" else value


def basis(value: str | None, lang: str) -> str:
    """How a rank is known, in words (an unknown basis shown as its code)."""
    if not value:
        return ""
    return BASES.get(value, (value, value))[lang == "en"]
