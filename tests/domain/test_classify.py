"""Seed 000 §3: office incidents A (owner), B (dismissed/disciplined employee), C (media, inspection);
whom to alert per §4 (company premises) and §5 (management office); the watch list (§4 A1, B1)."""

import pytest

from kiosk.domain.classify import (
    AlertRole,
    IncidentClass,
    Place,
    VisitPurpose,
    WatchKind,
    WatchListEntry,
    WatchListMatch,
    classify_visit,
    match_watch_list,
    normalise_name,
    watch_alert_role,
)

COMPANY_PLACES = [Place.SERVICE_CENTRE, Place.SALES_OFFICE, Place.MODEL_HOME]


# ---- class A: an owner's complaint visit without appointment -----------------------------------------


@pytest.mark.parametrize("place", COMPANY_PLACES)
def test_owner_complaint_without_appointment_is_class_a_and_alerts_the_service_centre(place):
    result = classify_visit(VisitPurpose.COMPLAINT, has_appointment=False, is_owner=True, place=place)
    assert result.incident_class is IncidentClass.A
    assert result.alert_role is AlertRole.SERVICE_CENTRE
    assert "seed 000 §3 A" in result.rule and "§4 A2" in result.rule
    assert "洽谈室" in result.front_desk_instruction_zh
    assert "倒茶" in result.front_desk_instruction_zh
    assert "摄影摄像" in result.front_desk_instruction_zh
    assert "行政公关部" in result.front_desk_instruction_zh


def test_owner_complaint_at_a_management_office_alerts_the_office_service_supervisor():
    result = classify_visit(
        VisitPurpose.COMPLAINT, has_appointment=False, is_owner=True, place=Place.MANAGEMENT_OFFICE
    )
    assert result.incident_class is IncidentClass.A
    assert result.alert_role is AlertRole.OFFICE_SERVICE_SUPERVISOR
    assert result.escalation_role is AlertRole.SERVICE_CENTRE
    assert "§5 A1" in result.rule
    assert "不得与业主发生正面冲突" in result.front_desk_instruction_zh
    assert "管理处主任" in result.front_desk_instruction_zh


def test_owner_complaint_with_appointment_is_no_incident():
    result = classify_visit(VisitPurpose.COMPLAINT, has_appointment=True, is_owner=True)
    assert result.incident_class is None
    assert result.alert_role is None
    assert result.alert_roles == ()


def test_complaint_by_someone_neither_owner_nor_employee_is_no_incident():
    result = classify_visit(VisitPurpose.COMPLAINT, has_appointment=False)
    assert result.incident_class is None


def test_owner_on_ordinary_business_is_no_incident():
    result = classify_visit(VisitPurpose.OWNER_BUSINESS, has_appointment=False, is_owner=True)
    assert result.incident_class is None
    assert result.front_desk_instruction_zh


# ---- class B: a dismissed or disciplined employee's complaint visit without appointment ------------


@pytest.mark.parametrize("place", COMPANY_PLACES)
def test_former_employee_complaint_without_appointment_is_class_b_and_alerts_hr(place):
    result = classify_visit(
        VisitPurpose.COMPLAINT, has_appointment=False, is_former_employee=True, place=place
    )
    assert result.incident_class is IncidentClass.B
    assert result.alert_role is AlertRole.HR
    assert "seed 000 §3 B" in result.rule and "§4 B2" in result.rule
    assert "人力资源部" in result.front_desk_instruction_zh
    assert "洽谈室" in result.front_desk_instruction_zh


def test_former_employee_purpose_without_appointment_is_a_possible_class_b():
    result = classify_visit(VisitPurpose.FORMER_EMPLOYEE, has_appointment=False)
    assert result.incident_class is IncidentClass.B
    assert result.alert_role is AlertRole.HR


def test_former_employee_with_appointment_is_ordinary_business():
    result = classify_visit(VisitPurpose.FORMER_EMPLOYEE, has_appointment=True, is_former_employee=True)
    assert result.incident_class is None


def test_employee_complaint_at_a_management_office_alerts_the_office_director_then_hr_officer():
    result = classify_visit(
        VisitPurpose.COMPLAINT, has_appointment=False, is_former_employee=True, place=Place.MANAGEMENT_OFFICE
    )
    assert result.incident_class is IncidentClass.B
    assert result.alert_role is AlertRole.OFFICE_DIRECTOR
    assert result.escalation_role is AlertRole.HR_OFFICER
    assert "§5 B1" in result.rule


def test_owner_who_is_also_a_former_employee_complaining_is_class_a():
    result = classify_visit(
        VisitPurpose.COMPLAINT, has_appointment=False, is_owner=True, is_former_employee=True
    )
    assert result.incident_class is IncidentClass.A


# ---- class C: unannounced media interview or government inspection ----------------------------------


@pytest.mark.parametrize("purpose", [VisitPurpose.MEDIA_INTERVIEW, VisitPurpose.GOVERNMENT_INSPECTION])
@pytest.mark.parametrize("place", COMPANY_PLACES)
def test_unannounced_media_or_inspection_is_class_c_and_alerts_pr_and_administration(purpose, place):
    result = classify_visit(purpose, has_appointment=False, place=place)
    assert result.incident_class is IncidentClass.C
    assert result.alert_role is AlertRole.PR_ADMIN
    assert "seed 000 §3 C" in result.rule and "§4 C1" in result.rule
    assert "行政公关部" in result.front_desk_instruction_zh


@pytest.mark.parametrize("purpose", [VisitPurpose.MEDIA_INTERVIEW, VisitPurpose.GOVERNMENT_INSPECTION])
def test_unannounced_media_or_inspection_at_a_management_office_alerts_the_office_director(purpose):
    result = classify_visit(purpose, has_appointment=False, place=Place.MANAGEMENT_OFFICE)
    assert result.incident_class is IncidentClass.C
    assert result.alert_role is AlertRole.OFFICE_DIRECTOR
    assert result.escalation_role is AlertRole.PR_ADMIN
    assert "§5 C1" in result.rule
    assert "指定接待区域" in result.front_desk_instruction_zh
    assert "围观" in result.front_desk_instruction_zh


@pytest.mark.parametrize("purpose", [VisitPurpose.MEDIA_INTERVIEW, VisitPurpose.GOVERNMENT_INSPECTION])
def test_arranged_media_interview_or_inspection_is_no_incident(purpose):
    assert classify_visit(purpose, has_appointment=True).incident_class is None


# ---- every purpose, without appointment ------------------------------------------------------------

EXPECTED_CLASS = {
    VisitPurpose.VIEWING: None,
    VisitPurpose.OWNER_BUSINESS: None,
    VisitPurpose.COMPLAINT: IncidentClass.A,  # as an owner
    VisitPurpose.REPAIR: None,
    VisitPurpose.VISITING_PERSON: None,
    VisitPurpose.DELIVERY_PROMOTION: None,
    VisitPurpose.JOB_INTERVIEW: None,
    VisitPurpose.MEDIA_INTERVIEW: IncidentClass.C,
    VisitPurpose.GOVERNMENT_INSPECTION: IncidentClass.C,
    VisitPurpose.FORMER_EMPLOYEE: IncidentClass.B,
    VisitPurpose.OTHER: None,
}


@pytest.mark.parametrize("purpose", list(VisitPurpose))
def test_every_purpose_by_an_owner_without_appointment(purpose):
    result = classify_visit(purpose, has_appointment=False, is_owner=True)
    assert result.incident_class is EXPECTED_CLASS[purpose]
    assert result.rule.startswith("seed 000")
    assert result.reason_zh
    assert result.front_desk_instruction_zh
    assert (result.alert_role is None) is (result.incident_class is None)


@pytest.mark.parametrize("purpose", list(VisitPurpose))
@pytest.mark.parametrize("place", list(Place))
def test_nothing_is_an_incident_with_an_appointment(purpose, place):
    result = classify_visit(
        purpose, has_appointment=True, is_owner=True, is_former_employee=True, place=place
    )
    assert result.incident_class is None


def test_purpose_and_place_may_be_given_as_strings():
    result = classify_visit("media_interview", has_appointment=False, place="management_office")
    assert result.alert_role is AlertRole.OFFICE_DIRECTOR


def test_every_purpose_has_a_chinese_label():
    assert VisitPurpose.VIEWING.label_zh == "看房"
    assert all(p.label_zh for p in VisitPurpose)
    assert all(r.label_zh for r in AlertRole)


# ---- watch list ------------------------------------------------------------------------------------

ZHANG = WatchListEntry(name="张三", mobile="13812345678", note_zh="多次投诉漏水")
LI = WatchListEntry(name="李四", mobile=None, alert_role=AlertRole.HR)
WANG = WatchListEntry(name="王伟", mobile="13900001111")


def test_same_name_and_mobile_is_the_strongest_hit():
    hit = match_watch_list("张三", "13812345678", [ZHANG, LI, WANG])
    assert hit is not None and hit.entry is ZHANG
    assert hit.matched_on is WatchListMatch.NAME_AND_MOBILE


def test_mobile_is_compared_after_normalising():
    hit = match_watch_list("张三", "+86 138-1234-5678", [ZHANG])
    assert hit is not None and hit.matched_on is WatchListMatch.NAME_AND_MOBILE


def test_same_mobile_under_another_name_is_a_hit():
    hit = match_watch_list("张先生", "138 1234 5678", [ZHANG])
    assert hit is not None and hit.matched_on is WatchListMatch.MOBILE


def test_name_is_compared_after_normalising_spaces_and_width():
    assert normalise_name(" 张 三 ") == normalise_name("张三")
    assert normalise_name("ＺＨＡＮＧ San") == normalise_name("zhangsan")
    hit = match_watch_list("李 四", None, [LI])
    assert hit is not None and hit.matched_on is WatchListMatch.NAME


def test_same_name_when_the_entry_has_no_mobile_is_a_hit():
    hit = match_watch_list("李四", "13700001234", [LI])
    assert hit is not None and hit.entry is LI


def test_same_name_when_the_visitor_gives_no_mobile_is_a_hit():
    hit = match_watch_list("王伟", None, [WANG])
    assert hit is not None and hit.matched_on is WatchListMatch.NAME


def test_a_namesake_with_a_different_mobile_is_not_a_hit():
    assert match_watch_list("王伟", "13700001234", [WANG]) is None


def test_no_match_gives_none():
    assert match_watch_list("赵六", "13600000000", [ZHANG, LI, WANG]) is None
    assert match_watch_list("", None, [ZHANG]) is None
    assert match_watch_list("张三", "13812345678", []) is None


def test_best_hit_wins_when_several_entries_match():
    by_name = WatchListEntry(name="张三")
    hit = match_watch_list("张三", "13812345678", [by_name, ZHANG])
    assert hit is not None and hit.entry is ZHANG


def test_watch_list_alerts_the_service_centre_supervisor_by_default():
    hit = match_watch_list("张三", "13812345678", [ZHANG])
    assert hit is not None and hit.alert_role is AlertRole.SERVICE_CENTRE_SUPERVISOR


def test_watch_list_entry_may_name_another_role():
    hit = match_watch_list("李四", None, [LI])
    assert hit is not None and hit.alert_role is AlertRole.HR


def test_news_of_a_former_employee_goes_to_hr_at_once_when_no_one_was_picked():
    """seed 000 §4 B1: 发现有员工可能到公司进行投诉的信息后须在第一时间通知人力资源部."""
    former = WatchListEntry(name="赵强", mobile="13511112222", kind=WatchKind.FORMER_EMPLOYEE)
    hit = match_watch_list("赵强", "13511112222", [former])
    assert hit is not None and hit.alert_role is AlertRole.HR
    result = classify_visit(VisitPurpose.REPAIR, has_appointment=False, is_owner=False, watch_list_match=hit)
    assert result.alert_roles == (AlertRole.HR,)


def test_a_complainant_or_anyone_else_goes_to_the_service_centre_supervisor():
    """seed 000 §4 A1: 发现有业主可能到公司进行投诉的信息后须在第一时间通知客服中心."""
    for kind in (WatchKind.BLOCKED_COMPLAINANT, WatchKind.OTHER):
        assert watch_alert_role(kind) is AlertRole.SERVICE_CENTRE_SUPERVISOR


def test_a_role_picked_by_whoever_filed_the_entry_wins_over_its_kind():
    former = WatchListEntry(name="赵强", kind=WatchKind.FORMER_EMPLOYEE, alert_role=AlertRole.HR_OFFICER)
    assert match_watch_list("赵强", None, [former]).alert_role is AlertRole.HR_OFFICER


def test_watch_list_hit_on_an_ordinary_visit_raises_an_alert():
    hit = match_watch_list("张三", "13812345678", [ZHANG])
    result = classify_visit(VisitPurpose.REPAIR, has_appointment=False, is_owner=True, watch_list_match=hit)
    assert result.incident_class is None
    assert result.alert_role is AlertRole.SERVICE_CENTRE_SUPERVISOR
    assert result.alert_roles == (AlertRole.SERVICE_CENTRE_SUPERVISOR,)
    assert "seed 000 §4 A1" in result.rule
    assert "多次投诉漏水" in result.reason_zh
    assert "倒茶" in result.front_desk_instruction_zh


def test_watch_list_hit_on_an_incident_alerts_both_roles():
    hit = match_watch_list("张三", "13812345678", [ZHANG])
    result = classify_visit(
        VisitPurpose.COMPLAINT, has_appointment=False, is_owner=True, watch_list_match=hit
    )
    assert result.incident_class is IncidentClass.A
    assert result.alert_roles == (AlertRole.SERVICE_CENTRE, AlertRole.SERVICE_CENTRE_SUPERVISOR)
    assert result.watch_list_hit is hit


def test_watch_list_role_equal_to_the_incident_role_is_alerted_once():
    hit = match_watch_list("李四", None, [LI])
    result = classify_visit(VisitPurpose.FORMER_EMPLOYEE, has_appointment=False, watch_list_match=hit)
    assert result.alert_roles == (AlertRole.HR,)
