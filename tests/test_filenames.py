"""Download file names: legal on Windows, at most 60 characters, cut between words."""

import re

import pytest

from duban.core.filenames import MAX_CHARS, download_name, safe_file_name

ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f]')

LONG = [
    "督办〔2026〕7号-关于进一步加快推进政务服务“一网通办”改革落实情况的督办通知补充说明和有关要求以及下一步工作安排的通报",
    "关于印发《某某市深化“放管服”改革优化营商环境三年行动计划（2026—2028年）》的通知及其配套实施细则与责任分工方案的函",
    "关于对市政务服务和大数据管理局等十二个单位落实“一网通办”“跨省通办”“一件事一次办”改革任务进展情况和下一步工作安排的通报",
    "市政务服务和大数据管理局市发展和改革委员会市公安局市人力资源和社会保障局联合工作方案任务表全部内容导出结果再加一些字",
]


@pytest.mark.parametrize("title", LONG)
def test_long_chinese_titles_are_cut_at_a_boundary(title):
    name = download_name(title, "docx")
    assert len(name) <= MAX_CHARS and name.endswith("….docx")
    stem = name.removesuffix("….docx")
    assert title.startswith(stem) and len(stem) >= 20
    rest = title[len(stem) :]
    # never inside a quoted phrase, a title in 《》 or a document number
    for opening, closing in ("“”", "《》"):
        assert stem.count(opening) == stem.count(closing), stem
    assert not re.search(r"〔\d{4}〕\d*$", stem)
    assert not stem.endswith("以")  # 以及 is one word
    # the cut falls before a pause word or punctuation, after punctuation, or two by two
    # inside a run of Chinese characters
    assert rest[0] in "的和及与、，（《“" or stem[-1] in "、，）》”" or len(stem) % 2 == 0


def test_the_doc_number_and_a_quoted_phrase_stay_whole():
    title = "督办〔2026〕17号-关于“一网通办”工作的通知"
    assert download_name(title, "docx", max_chars=26) == "督办〔2026〕17号-关于“一网通办”….docx"
    assert download_name(title, "docx", max_chars=22) == "督办〔2026〕17号-关于….docx"


def test_prefix_and_suffix_stay_whole():
    name = download_name("一网通办" * 20, "xlsx", prefix="考核成绩单_", suffix="-任务表")
    assert name.startswith("考核成绩单_一网通办") and name.endswith("…-任务表.xlsx")
    assert len(name) <= MAX_CHARS


def test_short_titles_are_kept_and_cleaned():
    assert download_name("任务台账", "xlsx") == "任务台账.xlsx"
    assert download_name("领导驾驶舱_20261012", ".zip") == "领导驾驶舱_20261012.zip"
    name = download_name('a/b:c*?"<>|报告\x07\n第1稿 ', "pdf")
    assert not ILLEGAL.search(name) and name == "a_b_c_报告 第1稿.pdf"
    assert download_name("CON", "txt") == "_CON.txt"
    assert download_name("", "xlsx") == "导出.xlsx"


def test_latin_words_and_numbers_are_not_split():
    name = download_name(
        "Quarterly report for the municipal administrative approval reform", "pdf", max_chars=40
    )
    assert name == "Quarterly report for the municipal….pdf"
    name = download_name("2026年第一季度考核成绩单20260331123456789", "xlsx", max_chars=30)
    assert name == "2026年第一季度考核成绩单….xlsx"


def test_an_upload_name_keeps_its_extension():
    assert safe_file_name("现场:照片.PNG") == "现场_照片.PNG"
    assert safe_file_name("说明") == "说明"
    long = safe_file_name("关于" + "政务服务改革" * 20 + ".pdf")
    assert long.endswith("….pdf") and len(long) <= MAX_CHARS
