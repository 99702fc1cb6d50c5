"""The words of inspections: methods, results and the states of a rectification item."""

from models import InspectionMethod, InspectionResult, RectificationStatus

METHOD_LABELS = {
    InspectionMethod.on_site: "实地督查",
    InspectionMethod.unannounced: "明察暗访",
    InspectionMethod.written: "书面督查",
    InspectionMethod.special: "专项督查",
}
RESULT_LABELS = {
    InspectionResult.good: "好",
    InspectionResult.fairly_good: "较好",
    InspectionResult.average: "一般",
    InspectionResult.poor: "差",
}
STATUS_LABELS = {
    RectificationStatus.open: "待整改",
    RectificationStatus.answered: "待复查",
    RectificationStatus.accepted: "已销号",
}
