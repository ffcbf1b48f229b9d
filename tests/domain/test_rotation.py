"""The sales-office rotation, article by article (seed 001 制度1 第3–50条 and 制度2 第1–9条)."""

from datetime import date, datetime, time

from kiosk.domain.rotation import (
    AssistRecorded,
    AwayOnCompanyBusiness,
    BackAtDesk,
    BusyWithOtherWork,
    BuyerSays,
    CustomerArrived,
    CustomerKind,
    HoursSet,
    MakeUpGranted,
    OnLeave,
    Outcome,
    Presence,
    Reassigned,
    Reordered,
    Roster,
    SalesCall,
    SalespersonArrived,
    SalespersonLeft,
    apply,
    assign,
    first_up,
    kind_from_kiosk,
    last_in_rotation,
    next_day_order,
    reception_counts,
    replay,
    start_day,
    table_in_force,
    up_next,
)

DAY = date(2026, 11, 23)
TEAM = ("甲", "乙", "丙", "丁")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour, minute)


def roster(**kw) -> Roster:
    return Roster(kw.pop("date", DAY), kw.pop("order", TEAM), **kw)


def walk_ins(n: int, start: int = 0, hour: int = 10) -> list[CustomerArrived]:
    return [CustomerArrived(at(hour, i), f"g{start + i}") for i in range(n)]


def last_assignment(state):
    return state.assignments[-1]


# --- 第二章 接待顺序 -------------------------------------------------------------------------------


def test_art_3_customers_are_received_in_turn_by_the_rotation_table():
    state = replay(roster(), walk_ins(4))
    assert [a.receiver for a in state.assignments] == list(TEAM)
    assert all(a.counts for a in state.assignments)


def test_art_4_supervisor_adjusts_the_order_and_is_called_when_nobody_can_receive():
    state = replay(roster(), [Reordered(at(9), ("丙", "甲", "乙", "丁"), "甲迟到调整")])
    assert first_up(state) == "丙"
    assert state.log[-1].article == "制度1 第4条"

    empty = replay(roster(present_at_opening=()), [])
    a = assign(empty, CustomerArrived(at(10), "g1"))
    assert a.outcome is Outcome.NOBODY_AVAILABLE
    assert a.receiver is None and not a.counts
    assert a.article == "制度1 第4条"
    assert "销售主管" in a.explanation_zh


def test_art_5_sales_manager_sets_the_order_during_an_event():
    state = replay(roster(), [Reordered(at(9), ("丁", "丙", "乙", "甲"), "外出展示,售楼经理决定顺序")])
    state = apply(state, CustomerArrived(at(10), "g1"))
    assert last_assignment(state).receiver == "丁"
    assert up_next(state) == ("丙", "乙", "甲")


def test_art_6_strictly_in_todays_table_order_and_the_next_fills_in():
    state = replay(roster(), walk_ins(2))
    assert first_up(state) == "丙"
    assert last_assignment(state).article == "制度1 第6条"


def test_art_7_person_after_last_receiver_is_first_up_next_day():
    today = replay(roster(), walk_ins(6))  # 甲乙丙丁甲乙: 乙 is the last receiver
    assert today.last_receiver == "乙"
    tomorrow = next_day_order(today, roster(date=date(2026, 11, 24)))
    assert tomorrow.order == ("丙", "丁", "甲", "乙")
    # 丙 is not on tomorrow's table: the next person after him in rotation is first up
    tomorrow = next_day_order(today, roster(date=date(2026, 11, 24), order=("甲", "乙", "丁")))
    assert tomorrow.order[0] == "丁"


def test_art_8_make_up_is_placed_by_the_supervisor_and_newcomers_join_at_the_end():
    state = replay(roster(), [
        AwayOnCompanyBusiness(at(9), "甲", "去售楼经理处送合同"),
        *walk_ins(1),
        BackAtDesk(at(11), "甲"),
        SalespersonArrived(at(11, 5), "戊"),
    ])
    assert state.queue[-1] == "戊"
    assert first_up(state) == "丙"  # 甲 forfeited, 乙 received
    state = apply(state, MakeUpGranted(at(11, 10), "甲", "公务补位"))
    assert first_up(state) == "甲"
    assert state.log[-1].article == "制度1 第8条"


def test_art_9_leave_forfeits_without_make_up_but_company_business_may_be_made_up():
    state = replay(roster(), [OnLeave(at(9), "甲", "病假"), *walk_ins(1)])
    assert last_assignment(state).receiver == "乙"
    assert last_assignment(state).article == "制度1 第9条"
    assert state.missed_turns[0].salesperson == "甲" and not state.missed_turns[0].make_up_eligible
    refused = apply(state, MakeUpGranted(at(11), "甲"))
    assert refused.queue == state.queue
    assert not refused.log[-1].accepted and refused.log[-1].article == "制度1 第9条"

    state = replay(roster(), [AwayOnCompanyBusiness(at(9), "甲"), *walk_ins(1), BackAtDesk(at(11), "甲")])
    assert state.missed_turns[0].make_up_eligible
    granted = apply(state, MakeUpGranted(at(11, 5), "甲"))
    assert first_up(granted) == "甲" and granted.missed_turns[0].made_up
    # one missed turn, one make-up
    again = apply(granted, MakeUpGranted(at(11, 6), "甲"))
    assert not again.log[-1].accepted


def test_art_8_a_make_up_waits_until_the_person_is_back_at_the_desk():
    away = replay(roster(), [AwayOnCompanyBusiness(at(9), "甲"), *walk_ins(1)])
    early = apply(away, MakeUpGranted(at(10, 30), "甲"))
    assert not early.log[-1].accepted and early.log[-1].article == "制度1 第8条"
    assert not early.missed_turns[0].made_up  # still owed
    back = apply(early, BackAtDesk(at(11), "甲"))
    granted = apply(back, MakeUpGranted(at(11, 5), "甲"))
    assert granted.log[-1].accepted and first_up(granted) == "甲"


# --- 第三章 接待规则 -------------------------------------------------------------------------------


def test_art_10_one_group_is_served_by_one_person_and_helpers_are_only_assists():
    state = replay(roster(), walk_ins(1))
    dup = assign(state, CustomerArrived(at(10, 30), "g0"))
    assert dup.outcome is Outcome.DUPLICATE_GROUP and dup.receiver == "甲" and not dup.counts
    after = apply(state, CustomerArrived(at(10, 30), "g0"))
    assert len(after.assignments) == 1 and after.queue == state.queue
    helped = apply(after, AssistRecorded(at(10, 40), "丁", "g0"))
    assert helped.assists[-1].assistant == "丁"
    assert reception_counts(helped)["丁"] == 0
    assert not apply(after, AssistRecorded(at(10, 40), "甲", "g0")).log[-1].accepted


def test_art_11_named_salesperson_keeps_their_queue_place_whether_or_not_their_turn_has_passed():
    state = start_day(roster())
    # 丙's turn has not come yet: after the named reception he still comes after 甲 and 乙
    state = apply(state, CustomerArrived(at(10), "old1", CustomerKind.RETURNING, named_salesperson="丙"))
    assert last_assignment(state).receiver == "丙"
    assert state.queue == TEAM
    # 甲's turn has already passed (he is at the end): the named reception leaves him in the next round
    state = apply(state, CustomerArrived(at(10, 5), "g1"))
    assert state.queue == ("乙", "丙", "丁", "甲")
    state = apply(state, CustomerArrived(at(10, 10), "old2", CustomerKind.RETURNING, named_salesperson="甲"))
    assert state.queue == ("乙", "丙", "丁", "甲")


def test_art_12_named_customer_is_handed_over_and_on_duty_keeps_place_as_an_assist():
    state = apply(start_day(roster()),
                  CustomerArrived(at(10), "old1", CustomerKind.RETURNING, named_salesperson="丙"))
    a = last_assignment(state)
    assert a.receiver == "丙" and a.article == "制度1 第12条"
    assert first_up(state) == "甲"
    assert state.assists[-1].assistant == "甲" and state.assists[-1].assist_for == "丙"
    # the named salesperson is out: on duty serves, as an assist, not counted, place kept
    state = replay(roster(), [
        SalespersonLeft(at(9), "丙"),
        CustomerArrived(at(10), "old2", CustomerKind.RETURNING, named_salesperson="丙"),
    ])
    a = last_assignment(state)
    assert (a.receiver, a.assist_for, a.counts, a.count_article) == ("甲", "丙", False, "制度1 第46条")
    assert first_up(state) == "甲"


def test_art_13_old_customer_brings_a_new_one_and_withdrawn_customer_counts_as_new_unless_naming():
    named = apply(start_day(roster()), CustomerArrived(
        at(10), "n1", CustomerKind.BROUGHT_BY_OLD_CUSTOMER, named_salesperson="丁"))
    assert last_assignment(named).receiver == "丁" and first_up(named) == "甲"
    unnamed = apply(start_day(roster()), CustomerArrived(at(10), "n2", CustomerKind.BROUGHT_BY_OLD_CUSTOMER))
    assert last_assignment(unnamed).receiver == "甲" and last_assignment(unnamed).counts

    back = apply(start_day(roster()), CustomerArrived(at(10), "w1", CustomerKind.WITHDRAWN_RETURNING))
    a = last_assignment(back)
    assert (a.receiver, a.counts, a.count_article) == ("甲", True, "制度1 第13条")
    back = apply(start_day(roster()), CustomerArrived(
        at(10), "w2", CustomerKind.WITHDRAWN_RETURNING, named_salesperson="丙"))
    assert last_assignment(back).receiver == "丙" and not last_assignment(back).counts


def test_art_14_salesperson_who_recognises_own_customer_takes_them_out_of_turn():
    state = apply(start_day(roster()), CustomerArrived(
        at(10), "old", CustomerKind.RETURNING_RECOGNISED, named_salesperson="丁",
        last_contact=date(2026, 11, 1)))
    a = last_assignment(state)
    assert (a.receiver, a.article, a.counts) == ("丁", "制度1 第14条", False)
    assert state.queue == TEAM


def test_art_15_assist_for_an_old_customer_keeps_the_assistants_turn():
    state = replay(roster(), [
        *walk_ins(1),  # 甲 is with a new customer
        CustomerArrived(at(10, 5), "old", CustomerKind.RETURNING, named_salesperson="甲"),
        AssistRecorded(at(10, 6), "丁", "old"),  # 甲 asks 丁 to look after his old customer
    ])
    assist = state.assists[-1]
    assert (assist.assistant, assist.assist_for, assist.article) == ("丁", "甲", "制度1 第15条")
    assert state.queue == ("乙", "丙", "丁", "甲")
    assert reception_counts(state) == {"甲": 1, "乙": 0, "丙": 0, "丁": 0}


def test_art_16_customer_asks_for_another_salesperson_and_the_later_one_owns_the_group():
    state = replay(roster(), [*walk_ins(1), Reassigned(at(10, 20), "g0", "丙")])
    a = state.received("g0")
    assert a is not None and a.receiver == "丙" and a.article == "制度1 第16条"
    assert reception_counts(state)["甲"] == 0 and reception_counts(state)["丙"] == 1
    assert len([x for x in state.assignments if x.group_id == "g0"]) == 1


def test_art_17_old_customer_untracked_for_a_month_is_a_new_customer_for_on_duty():
    kept = apply(start_day(roster()), CustomerArrived(
        at(10), "o1", CustomerKind.RETURNING, named_salesperson="丙", last_contact=date(2026, 10, 23)))
    assert last_assignment(kept).receiver == "丙"  # exactly one month: still tracked
    lapsed = apply(start_day(roster()), CustomerArrived(
        at(10), "o2", CustomerKind.RETURNING, named_salesperson="丙", last_contact=date(2026, 10, 22)))
    a = last_assignment(lapsed)
    assert (a.receiver, a.counts, a.count_article) == ("甲", True, "制度1 第17条")
    assert first_up(lapsed) == "乙"


def test_art_18_helping_colleagues_keeps_the_chance_at_new_customers():
    state = replay(roster(), [*walk_ins(1), AssistRecorded(at(10, 3), "乙", "g0")])
    assert first_up(state) == "乙"
    state = apply(state, CustomerArrived(at(10, 10), "g1"))
    assert last_assignment(state).receiver == "乙"


# --- 第四章 接待要求 -------------------------------------------------------------------------------


def test_art_27_after_a_reception_the_receiver_goes_to_the_end():
    state = replay(roster(), walk_ins(1))
    assert state.queue == ("乙", "丙", "丁", "甲")
    assert last_assignment(state).took_turn
    assert "最后一位" in last_assignment(state).explanation_zh


def test_art_29_peers_and_unstated_purpose_count_but_unrelated_visits_go_to_the_last():
    state = replay(roster(), [
        CustomerArrived(at(10), "p", CustomerKind.PEER),
        CustomerArrived(at(10, 1), "u", CustomerKind.PURPOSE_UNSTATED),
    ])
    assert [(a.receiver, a.counts, a.count_article) for a in state.assignments] == [
        ("甲", True, "制度1 第29条"), ("乙", True, "制度1 第29条")]
    before = state.queue
    assert last_in_rotation(state) == "乙"
    state = apply(state, CustomerArrived(at(10, 2), "x", CustomerKind.UNRELATED_TO_SALES))
    a = last_assignment(state)
    assert (a.receiver, a.counts, a.article) == ("乙", False, "制度1 第29条")
    assert state.queue == before and first_up(state) == "丙"


def test_art_38_sales_calls_are_answered_by_the_last_in_rotation():
    state = replay(roster(), [*walk_ins(1), SalesCall(at(10, 30), "c1")])
    assert state.calls[-1].answerer == "甲" and state.calls[-1].article == "制度1 第38条"
    assert state.queue == ("乙", "丙", "丁", "甲") and not state.assignments[1:]


def test_art_39_customer_who_phoned_and_names_a_salesperson_is_theirs():
    state = apply(start_day(roster()), CustomerArrived(at(10), "tel", named_salesperson="丙"))
    a = last_assignment(state)
    assert (a.receiver, a.counts, a.article) == ("丙", True, "制度1 第39条")
    assert first_up(state) == "甲"


# --- 第六章 接待次数计算 -----------------------------------------------------------------------------


def test_art_42_each_new_group_counts_once():
    state = replay(roster(), walk_ins(5))
    assert reception_counts(state) == {"甲": 2, "乙": 1, "丙": 1, "丁": 1}
    assert all(a.count_article == "制度1 第42条" for a in state.assignments)


def test_art_43_outside_working_hours_does_not_count_and_keeps_the_order():
    state = replay(roster(), [CustomerArrived(at(19), "late")])
    a = last_assignment(state)
    assert (a.receiver, a.counts, a.count_article) == ("甲", False, "制度1 第43条")
    assert state.queue == TEAM


def test_art_44_looking_for_someone_promotion_and_old_customer_revisits_do_not_count():
    state = replay(roster(), [
        CustomerArrived(at(10), "f", CustomerKind.LOOKING_FOR_SOMEONE),
        CustomerArrived(at(10, 1), "s", CustomerKind.PROMOTION),
        CustomerArrived(at(10, 2), "o", CustomerKind.RETURNING, named_salesperson="乙"),
    ])
    assert [(a.receiver, a.counts, a.count_article) for a in state.assignments] == [
        ("丁", False, "制度1 第44条"), ("丁", False, "制度1 第44条"), ("乙", False, "制度1 第44条")]
    assert state.queue == TEAM


def test_art_45_company_staff_do_not_count():
    state = replay(roster(), [CustomerArrived(at(10), "staff", CustomerKind.COMPANY_STAFF)])
    a = last_assignment(state)
    assert (a.receiver, a.counts, a.count_article) == ("丁", False, "制度1 第45条")
    assert first_up(state) == "甲"


def test_art_46_assisting_another_salesperson_does_not_count():
    state = replay(roster(), [*walk_ins(1), AssistRecorded(at(10, 5), "丙", "g0")])
    assert reception_counts(state) == {"甲": 1, "乙": 0, "丙": 0, "丁": 0}
    assert state.log[-1].article == "制度1 第46条"


def test_art_47_old_customer_rebooking_does_not_count():
    rebooking = CustomerArrived(at(10), "o", CustomerKind.RETURNING_REBOOKING, named_salesperson="丙")
    state = replay(roster(), [rebooking])
    a = last_assignment(state)
    assert (a.receiver, a.counts, a.count_article) == ("丙", False, "制度1 第47条")
    assert state.queue == TEAM


def test_art_48_on_call_shift_receptions_go_to_the_on_call_person_and_do_not_count():
    r = roster(on_call_shift=(time(12), time(13, 30)), on_call_salesperson="丙")
    state = replay(r, [CustomerArrived(at(12, 15), "noon")])
    a = last_assignment(state)
    assert (a.receiver, a.counts, a.article, a.count_article) == ("丙", False, "制度1 第48条", "制度1 第48条")
    assert state.queue == TEAM
    state = apply(state, CustomerArrived(at(13, 30), "after"))
    assert last_assignment(state).receiver == "甲" and last_assignment(state).counts


def test_art_43_48_hours_and_on_call_set_during_the_day_apply_from_then_on_and_are_logged():
    state = replay(roster(), [
        CustomerArrived(at(18, 30), "late-before"),
        HoursSet(at(18, 40), (time(9), time(20)), (time(12), time(13)), "丙"),
        CustomerArrived(at(18, 50), "late-after"),
        CustomerArrived(at(12, 10), "noon"),
    ])
    before, after, noon = state.assignments
    assert (before.counts, before.count_article) == (False, "制度1 第43条")
    assert after.counts and after.receiver == "甲"
    assert (noon.receiver, noon.counts, noon.count_article) == ("丙", False, "制度1 第48条")
    assert state.log[1].article == "制度1 第4条" and "20:00" in state.log[1].explanation_zh
    refused = apply(state, HoursSet(at(19), (time(18), time(9))))
    assert refused.roster == state.roster and not refused.log[-1].accepted


def test_art_49_new_customer_brought_by_old_one_counts_for_the_named_or_in_turn():
    state = replay(roster(), [
        CustomerArrived(at(10), "n1", CustomerKind.BROUGHT_BY_OLD_CUSTOMER, named_salesperson="丁"),
        CustomerArrived(at(10, 1), "n2", CustomerKind.BROUGHT_BY_OLD_CUSTOMER),
    ])
    assert [(a.receiver, a.counts, a.count_article) for a in state.assignments] == [
        ("丁", True, "制度1 第49条"), ("甲", True, "制度1 第49条")]
    assert reception_counts(state) == {"甲": 1, "乙": 0, "丙": 0, "丁": 1}


def test_art_50_groups_that_came_together_count_as_one():
    state = replay(roster(), [CustomerArrived(at(10), "a"), CustomerArrived(at(10), "b", together_with="a")])
    second = last_assignment(state)
    assert (second.receiver, second.counts, second.count_article) == ("甲", False, "制度1 第50条")
    assert reception_counts(state)["甲"] == 1
    assert first_up(state) == "乙"


# --- 制度2 一接/二接/三接 ----------------------------------------------------------------------------


def test_variant2_art_1_salespeople_are_first_second_third_up():
    state = replay(roster(), walk_ins(1))
    assert up_next(state) == ("乙", "丙", "丁")
    assert up_next(state, 2) == ("乙", "丙")


def test_variant2_art_4_first_up_is_never_empty_second_up_fills_in():
    state = replay(roster(), [SalespersonLeft(at(9, 30), "甲")])
    assert first_up(state) == "乙"
    assert state.presence_of("甲") is Presence.LEFT


def test_variant2_art_6_back_at_the_desk_takes_the_same_queue_place():
    state = replay(roster(), [BusyWithOtherWork(at(9), "乙")])
    assert up_next(state) == ("甲", "丙", "丁")
    state = apply(state, BackAtDesk(at(9, 30), "乙"))
    assert up_next(state) == ("甲", "乙", "丙")
    assert state.log[-1].article == "制度2 第6条"


def test_variant2_art_7_first_up_busy_second_up_serves_and_the_turn_is_lost():
    state = replay(roster(), [BusyWithOtherWork(at(9, 50), "甲"), *walk_ins(1), BackAtDesk(at(10, 20), "甲")])
    a = last_assignment(state)
    assert (a.receiver, a.article) == ("乙", "制度2 第7条")
    assert state.queue == ("丙", "丁", "甲", "乙")
    assert not apply(state, MakeUpGranted(at(10, 30), "甲")).log[-1].accepted


def test_variant2_art_7_leader_assigned_work_may_be_made_up():
    state = replay(roster(), [
        BusyWithOtherWork(at(9, 50), "甲", assigned_by_leader=True),
        *walk_ins(1),
        BackAtDesk(at(10, 20), "甲"),
        MakeUpGranted(at(10, 25), "甲", "接待公司领导"),
    ])
    assert state.log[-1].accepted
    assert first_up(state) == "甲"


def test_variant2_art_7_peer_research_by_the_last_when_the_roster_follows_variant_2():
    state = replay(roster(peer_research_by_last=True), [CustomerArrived(at(10), "peer", CustomerKind.PEER)])
    a = last_assignment(state)
    assert (a.receiver, a.counts, a.count_article) == ("丁", False, "制度2 第7条")


def test_variant2_art_8_same_customer_several_times_a_day_counts_once():
    state = replay(roster(), [
        CustomerArrived(at(10), "v1", customer_key="138****5678"),
        CustomerArrived(at(15), "v2", customer_key="138****5678"),
    ])
    second = last_assignment(state)
    assert (second.receiver, second.counts, second.count_article) == ("甲", False, "制度2 第8条")
    assert reception_counts(state)["甲"] == 1
    assert first_up(state) == "乙"


def test_variant2_art_8_a_customer_first_seen_outside_the_hours_counts_once_when_back_inside_them():
    state = replay(roster(), [
        CustomerArrived(at(8), "v1", customer_key="138****5678"),  # before 9:00: 制度1 第43条
        CustomerArrived(at(15), "v2", customer_key="138****5678"),
    ])
    first, second = state.assignments
    assert (first.receiver, first.counts, first.count_article) == ("甲", False, "制度1 第43条")
    assert (second.receiver, second.counts, second.count_article) == ("甲", True, "制度2 第8条")
    assert reception_counts(state)["甲"] == 1
    state = apply(state, CustomerArrived(at(16), "v3", customer_key="138****5678"))
    assert not last_assignment(state).counts and reception_counts(state)["甲"] == 1


def test_variant2_art_9_questions_unrelated_to_sales_are_not_a_reception():
    a = assign(start_day(roster()), CustomerArrived(at(10), "q", CustomerKind.UNRELATED_TO_SALES))
    assert (a.receiver, a.counts, a.count_article) == ("丁", False, "制度2 第9条")


# --- the sales-office tablet asks the on-duty salesperson's first question (制度1 第12条) ----------------


def arrives_by_kiosk(state, group: str, answer: BuyerSays, named: str | None = None, hour: int = 10):
    return apply(state, CustomerArrived(at(hour), group, kind_from_kiosk(answer), named_salesperson=named))


def test_kiosk_first_visit_is_a_new_customer_for_first_up_or_the_one_they_phoned():
    state = arrives_by_kiosk(start_day(roster()), "k1", BuyerSays.FIRST_VISIT)
    assert (last_assignment(state).receiver, last_assignment(state).article) == ("甲", "制度1 第6条")
    state = arrives_by_kiosk(state, "k2", BuyerSays.FIRST_VISIT, named="丁")
    assert (last_assignment(state).receiver, last_assignment(state).article) == ("丁", "制度1 第39条")


def test_kiosk_been_before_naming_a_salesperson_is_handed_over_and_without_one_goes_in_turn():
    state = arrives_by_kiosk(start_day(roster()), "k1", BuyerSays.BEEN_BEFORE, named="丙")
    a = last_assignment(state)
    assert (a.receiver, a.counts, a.article) == ("丙", False, "制度1 第12条")
    assert state.assists[-1].assistant == "甲"  # the on-duty person's hand-over is an assist
    state = arrives_by_kiosk(state, "k2", BuyerSays.BEEN_BEFORE)
    assert (last_assignment(state).receiver, last_assignment(state).count_article) == ("甲", "制度1 第42条")


def test_kiosk_referred_counts_for_the_named_salesperson_and_a_peer_goes_in_turn_whoever_they_name():
    state = arrives_by_kiosk(start_day(roster()), "k1", BuyerSays.REFERRED, named="乙")
    assert (last_assignment(state).receiver, last_assignment(state).counts) == ("乙", True)
    state = arrives_by_kiosk(state, "k2", BuyerSays.PEER, named="丁")
    a = last_assignment(state)
    assert (a.receiver, a.counts, a.count_article) == ("甲", True, "制度1 第29条")


def test_kiosk_names_someone_only_while_the_table_is_in_force():
    plain = roster()
    assert table_in_force(plain, at(9)) and table_in_force(plain, at(17, 59))
    assert not table_in_force(plain, at(8, 59)) and not table_in_force(plain, at(18))
    evening = roster(on_call_shift=(time(18), time(21)), on_call_salesperson="丙")
    assert table_in_force(evening, at(20, 30)) and not table_in_force(evening, at(21))


# --- audit -------------------------------------------------------------------------------------


def test_every_event_is_logged_with_the_article_that_decided_it():
    events = [OnLeave(at(9), "丁"), *walk_ins(3), SalesCall(at(11)), Reordered(at(12), ("丙", "甲", "乙"))]
    state = replay(roster(), events)
    assert len(state.log) == len(events)
    assert all(d.article.startswith(("制度1 第", "制度2 第")) for d in state.log)
    assert replay(roster(), events) == state
