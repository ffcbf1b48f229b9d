"""The rotation's vocabulary: where a salesperson is, who walked in, what the tablet asks, what became of a
group (seed 001 制度1 第9、11–17、29、42–50条, 制度2 第7条)."""

from __future__ import annotations

from enum import Enum


class Presence(Enum):
    """Where a salesperson is (seed 001 制度1 第9条, 制度2 第7条)."""

    AT_DESK = "在岗"
    LEFT = "个人原因离开现场"
    ON_LEAVE = "请假/休假"
    ON_COMPANY_BUSINESS = "公务外出"
    BUSY_OWN_WORK = "处理工作事务"
    BUSY_LEADER_ASSIGNED = "处理领导安排的工作"


class CustomerKind(Enum):
    """Who walked in, in the seed's own categories (seed 001 制度1 第11–17、29、42–50条)."""

    NEW_WALK_IN = "新客户"
    RETURNING = "老客户回访"  # 第11、12、17、44条
    RETURNING_RECOGNISED = "老客户(销售人员进门认出)"  # 第14条
    RETURNING_REBOOKING = "老客户再次定房"  # 第47条
    WITHDRAWN_RETURNING = "已退房客户再次来访"  # 第13条
    BROUGHT_BY_OLD_CUSTOMER = "老客户带来的新客户"  # 第13、49条
    PEER = "同行"  # 第29条 (制度2 第7条)
    PURPOSE_UNSTATED = "未说明来意"  # 第29条
    UNRELATED_TO_SALES = "与售楼无关"  # 第29条
    LOOKING_FOR_SOMEONE = "找人"  # 第44条
    PROMOTION = "推销"  # 第44条
    COMPANY_STAFF = "公司及关联单位人员"  # 第45条


class BuyerSays(Enum):
    """What a buyer answers on the sales-office tablet: have you been here before, and with whom?

    The tablet asks the on-duty salesperson's first question for them (seed 001 制度1 第12条: "需第一时间
    询问客户是否曾经到访并由谁接待过"); the salesperson the buyer names, if any, is asked separately.
    """

    FIRST_VISIT = "first"  # 第一次来
    BEEN_BEFORE = "before"  # 以前来过 (第11、12、17条)
    REFERRED = "referred"  # 老客户介绍来的 (第13、49条)
    PEER = "peer"  # 同行 (第29条)


_KIND_FROM_KIOSK = {
    BuyerSays.FIRST_VISIT: CustomerKind.NEW_WALK_IN,
    BuyerSays.BEEN_BEFORE: CustomerKind.RETURNING,
    BuyerSays.REFERRED: CustomerKind.BROUGHT_BY_OLD_CUSTOMER,
    BuyerSays.PEER: CustomerKind.PEER,
}


def kind_from_kiosk(answer: BuyerSays) -> CustomerKind:
    """The seed's customer category for a buyer's answer on the tablet (制度1 第12、13、29、42、49条).

    Whether a salesperson is named is decided by the engine per kind: a first visit naming someone is a
    phoned-ahead customer (第39条), a returning one is handed over (第12条), a referred one counts for the
    named salesperson (第49条), a peer is received in turn whoever they name (第29条).
    """
    return _KIND_FROM_KIOSK[BuyerSays(answer)]


class Outcome(Enum):
    """What happened to a customer group."""

    RECEIVED = "已接待"
    NOBODY_AVAILABLE = "无人可接待"
    DUPLICATE_GROUP = "重复登记"
