"""Suggested resources for a wish (api/domain/suggestions.py), on SQLite and PostgreSQL.

Each test builds its own small world with the model classes: 市 → 东区 → 东风街道 → 幸福社区,
and 西区 beside 东区.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jieba
import pytest
import sqlalchemy as sa
from sqlmodel import Session

from api.domain.suggestion_scoring import (
    Candidate,
    PastUse,
    WishFacts,
    library_words,
    meaningful,
    rank,
    words,
)
from api.domain.suggestions import Suggestion, suggest_resources
from models import Match, Office, Resource, Wish
from models.enums import Category, OfficeLevel, WishStatus
from nlp.rules import DEFAULT_USERDICT
from nlp.settings import _default_cache_dir
from nlp.tokenizer import build_tokenizer

REASON = re.compile(r"^(category|keywords:[^\s,]+(,[^\s,]+)*|history:\d+|capacity:full)$")


@pytest.fixture(scope="module")
def tokenizer() -> jieba.Tokenizer:
    return build_tokenizer((DEFAULT_USERDICT,), (), _default_cache_dir())


@dataclass
class World:
    session: Session
    tokenizer: jieba.Tokenizer
    city: Office
    east: Office
    street: Office
    community: Office
    west: Office
    _seq: Iterator[int]

    def resource(self, name: str, *categories: Category, **fields: Any) -> Resource:
        fields.setdefault("provider", "示范服务中心")
        resource = Resource(name=name, categories=list(categories), **fields)
        self.session.add(resource)
        self.session.flush()
        return resource

    def wish(
        self, text: str, category: Category, office: Office | None = None, **fields: Any
    ) -> Wish:
        office = office or self.community
        seq = next(self._seq)
        wish = Wish(
            text=text,
            category=category,
            office_id=office.id,
            seq=seq,
            number=f"{office.code}-2026-{seq:04d}",
            **fields,
        )
        self.session.add(wish)
        self.session.flush()
        return wish

    def match(self, wish: Wish, resource: Resource) -> None:
        assert wish.id is not None and resource.id is not None
        self.session.add(Match(wish_id=wish.id, resource_id=resource.id))
        self.session.flush()

    def suggest(self, wish: Wish, limit: int = 3) -> list[Suggestion]:
        self.session.commit()
        return suggest_resources(
            session=self.session, wish=wish, limit=limit, tokenizer=self.tokenizer
        )


def _office(session: Session, name: str, code: str, level: OfficeLevel, parent: Office | None):
    office = Office(name=name, code=code, level=level, parent_id=parent.id if parent else None)
    session.add(office)
    session.flush()
    office.path = f"{parent.path if parent else '/'}{office.id}/"
    session.flush()
    return office


@pytest.fixture
def world(session: Session, tokenizer: jieba.Tokenizer) -> World:
    city = _office(session, "市妇联", "SZ", OfficeLevel.city, None)
    east = _office(session, "东区妇联", "DQ", OfficeLevel.district, city)
    street = _office(session, "东风街道妇联", "DF", OfficeLevel.street, east)
    community = _office(session, "幸福社区妇联", "XF", OfficeLevel.community, street)
    west = _office(session, "西区妇联", "XQ", OfficeLevel.district, city)
    session.commit()
    return World(session, tokenizer, city, east, street, community, west, itertools.count(1))


def _names(suggestions: list[Suggestion]) -> list[str]:
    return [s.name for s in suggestions]


# ---- category, keywords ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "in_category", "words_only"),
    [
        (
            "我在平台送外卖，老板拖欠了我三个月工资，想找人帮忙维权",
            Category.legal,
            ("法律援助咨询", "劳动争议、合同纠纷免费咨询"),
            ("骑手工资结算讲座", "外卖骑手了解工资怎么算"),
        ),
        (
            "想学直播带货，自己开个小店，有没有培训课",
            Category.career,
            ("电商创业辅导", "网店开设与运营一对一辅导"),
            ("直播带货爱心义卖", "用直播带货为困难家庭义卖"),
        ),
        (
            "孩子明年上小学，想带他去学校参观一下",
            Category.family,
            ("幼小衔接开放日", "大班孩子提前走进课堂"),
            ("学校合唱团演出", "小学合唱团汇报演出，欢迎参观"),
        ),
    ],
)
def test_category_beats_keywords_only(
    world: World,
    text: str,
    category: Category,
    in_category: tuple[str, str],
    words_only: tuple[str, str],
) -> None:
    other = {Category.legal: Category.career}.get(category, Category.culture)
    world.resource(words_only[0], other, description=words_only[1])
    world.resource(in_category[0], category, description=in_category[1])
    got = world.suggest(world.wish(text, category))
    assert _names(got) == [in_category[0], words_only[0]]
    assert "category" in got[0].reasons
    assert "category" not in got[1].reasons
    assert any(r.startswith("keywords:") for r in got[1].reasons)


@pytest.mark.parametrize(
    ("text", "shared"),
    [
        ("跑网约车好几年，公司一直拖欠工资，想问问怎么讨回来", "工资"),
        ("快递站老板不跟我签劳动合同，出了事怎么办", "合同"),
    ],
)
def test_keywords_break_ties(world: World, text: str, shared: str) -> None:
    plain = world.resource("律师接待日", Category.legal, description="律师面对面解答")
    close = world.resource(
        "劳动维权咨询", Category.legal, description="欠薪讨薪、劳动合同、工资纠纷咨询"
    )
    got = world.suggest(world.wish(text, Category.legal))
    assert [s.resource_id for s in got] == [close.id, plain.id]
    assert got[0].score > got[1].score
    keywords = next(r for r in got[0].reasons if r.startswith("keywords:"))
    assert shared in keywords


@pytest.mark.parametrize(
    ("text", "word"),
    [("想给孩子借些绘本看看", "绘本"), ("送完单想找个地方热饭", "热饭")],
)
def test_a_word_missing_from_the_dictionary_still_matches(
    world: World, text: str, word: str
) -> None:
    """jieba cuts an unknown word into single characters; neighbouring ones are rejoined."""
    first = world.resource("亲子手工课", Category.family, office_id=world.community.id)
    fitting = world.resource(
        "暖心驿站", Category.family, office_id=world.community.id, description="绘本借阅、热饭歇脚"
    )
    got = world.suggest(world.wish(text, Category.family))
    assert [s.resource_id for s in got] == [fitting.id, first.id]
    assert f"keywords:{word}" in got[0].reasons


@pytest.mark.parametrize("text", ["想办个居住证，不知道去哪儿办", "刚搬过来，居住证和社保该怎么弄"])
def test_a_wish_filed_under_other_is_led_by_its_words(world: World, text: str) -> None:
    """ "other" is where unplaced wishes land: sharing it must not outweigh a shared word."""
    world.resource("法律援助", Category.other)
    desk = world.resource("证件帮办", Category.career, description="居住证、社保业务指引")
    got = world.suggest(world.wish(text, Category.other))
    assert got[0].resource_id == desk.id


def test_ties_go_to_the_nearest_office(world: World) -> None:
    world.resource("全市两癌筛查", Category.health)
    near = world.resource("社区两癌筛查", Category.health, office_id=world.community.id)
    got = world.suggest(world.wish("想做个妇科检查", Category.health))
    assert got[0].resource_id == near.id
    assert got[0].score == got[1].score


# ---- service area, availability -------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["想学做月嫂，有没有家政培训", "在家带娃想学点手艺，家政培训什么时候开班"]
)
def test_other_districts_resource_is_never_suggested(world: World, text: str) -> None:
    desc = {"description": "月嫂、育婴、家政技能培训"}
    world.resource("西区家政培训", Category.career, office_id=world.west.id, **desc)
    city = world.resource("全市就业指导", Category.career)
    east = world.resource("东区家政培训", Category.career, office_id=world.east.id, **desc)
    own = world.resource("社区手工课", Category.career, office_id=world.community.id)
    got = world.suggest(world.wish(text, Category.career), limit=10)
    assert {s.resource_id for s in got} == {city.id, east.id, own.id}
    assert got[0].resource_id == east.id


def test_a_sub_offices_resource_does_not_serve_the_whole_area(world: World) -> None:
    """A street-level wish is offered the street's and higher resources, not a community's."""
    world.resource("社区家政培训", Category.career, office_id=world.community.id)
    street = world.resource("街道家政培训", Category.career, office_id=world.street.id)
    got = world.suggest(world.wish("想学家政", Category.career, office=world.street))
    assert [s.resource_id for s in got] == [street.id]


@pytest.mark.parametrize("text", ["想给孩子报个暑期托管班", "暑假孩子没人带，有没有托管"])
def test_an_inactive_resource_is_never_suggested(world: World, text: str) -> None:
    world.resource("暑期托管班", Category.family, description="暑期爱心托管", active=False)
    got = world.suggest(world.wish(text, Category.family))
    assert got == []


@pytest.mark.parametrize("text", ["想学直播带货", "开网店卖土特产，想学学直播怎么做"])
def test_a_full_resource_ranks_below_a_free_one(world: World, text: str) -> None:
    # The full one matches better on words; being full still puts it last.
    full = world.resource("直播带货培训", Category.career, description="直播带货入门", capacity=1)
    free = world.resource("电商技能课", Category.career, capacity=5)
    world.match(world.wish("别人的心愿", Category.career, status=WishStatus.claimed), full)
    got = world.suggest(world.wish(text, Category.career))
    assert [s.resource_id for s in got] == [free.id, full.id]
    assert got[0].score < got[1].score
    assert "capacity:full" in got[1].reasons
    assert "capacity:full" not in got[0].reasons


def test_only_open_wishes_fill_a_resource(world: World) -> None:
    courses = world.resource("直播带货培训", Category.career, capacity=1)
    world.match(world.wish("以前的心愿", Category.career, status=WishStatus.fulfilled), courses)
    world.match(world.wish("关掉的心愿", Category.career, status=WishStatus.closed), courses)
    got = world.suggest(world.wish("想学直播带货", Category.career))
    assert [s.resource_id for s in got] == [courses.id]
    assert "capacity:full" not in got[0].reasons


def test_a_resource_already_matched_to_the_wish_is_not_suggested_again(world: World) -> None:
    matched = world.resource("两癌筛查", Category.health)
    other = world.resource("健康讲座", Category.health)
    wish = world.wish("想做个两癌筛查", Category.health, status=WishStatus.matched)
    world.match(wish, matched)
    assert [s.resource_id for s in world.suggest(wish)] == [other.id]


# ---- history --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("最近压力特别大，晚上睡不着，想找人聊聊", Category.health),
        ("送外卖太累了，心里憋得慌，有没有心理老师", Category.health),
    ],
)
def test_history_boosts_resources_that_fulfilled_similar_wishes(
    world: World, text: str, category: Category
) -> None:
    first = world.resource("心理疏导", category)
    proven = world.resource("心理陪伴", category)
    done = world.wish("以前的心愿", category, status=WishStatus.fulfilled)
    world.match(done, proven)
    # An open wish proves nothing yet.
    world.match(world.wish("正在办的心愿", category, status=WishStatus.claimed), first)
    got = world.suggest(world.wish(text, category))
    assert [s.resource_id for s in got] == [proven.id, first.id]
    assert "history:1" in got[0].reasons
    assert not any(r.startswith("history") for r in got[1].reasons)


def test_history_of_another_category_counts_when_the_topic_is_shared(world: World) -> None:
    plain = world.resource("创业沙龙", Category.career)
    proven = world.resource("电商交流会", Category.career)
    offer = {"status": WishStatus.fulfilled, "keywords": ["trigger:想", "career:直播带货"]}
    world.match(world.wish("以前的心愿", Category.volunteer, **offer), proven)
    unrelated = {"status": WishStatus.fulfilled, "keywords": ["career:简历"]}
    world.match(world.wish("另一个心愿", Category.volunteer, **unrelated), plain)
    got = world.suggest(world.wish("想学直播带货", Category.career))
    assert [s.resource_id for s in got] == [proven.id, plain.id]
    assert "history:1" in got[0].reasons


# ---- shape and cost -------------------------------------------------------------------------


def test_nothing_relevant_means_no_suggestion(world: World) -> None:
    world.resource("消防站开放日", Category.family, description="参观消防站")
    assert world.suggest(world.wish("想咨询一下离婚后抚养费的问题", Category.marriage)) == []


def test_limit_and_reasons_carry_no_personal_text(world: World) -> None:
    for n in range(5):
        world.resource(f"法律服务{n}", Category.legal, description="欠薪咨询")
    wish = world.wish("我是王秀英，电话13912345678，被拖欠工资想咨询欠薪", Category.legal)
    got = world.suggest(wish)
    assert len(got) == 3
    for s in got:
        assert all(REASON.match(r) for r in s.reasons), s.reasons
        assert "王秀英" not in "".join(s.reasons) and "139" not in "".join(s.reasons)


def test_queries_do_not_grow_with_the_library(world: World) -> None:
    def statements(n_resources: int) -> list[str]:
        for n in range(n_resources):
            r = world.resource(f"课程{n}", Category.career, description="技能培训", capacity=3)
            world.match(world.wish("以前的心愿", Category.career, status=WishStatus.fulfilled), r)
        wish = world.wish("想参加技能培训", Category.career)
        world.session.commit()
        world.session.expire_all()
        seen: list[str] = []  # SQL sent to the database

        def on_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if not statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE
                seen.append(statement)

        bind = world.session.get_bind()
        sa.event.listen(bind, "before_cursor_execute", on_execute)
        try:
            assert suggest_resources(session=world.session, wish=wish, tokenizer=world.tokenizer)
        finally:
            sa.event.remove(bind, "before_cursor_execute", on_execute)
        world.session.rollback()
        return seen

    small = statements(2)
    assert len(statements(20)) == len(small)
    # The wish and its office (expired above), then the candidates and the history.
    assert len(small) == 4


# ---- the pure part --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "kept"),
    [("直播", True), ("我们", False), ("希望", False), ("想", False), ("2026", False)],
)
def test_meaningful_words(token: str, kept: bool) -> None:
    assert meaningful(token) is kept


def test_rank_on_plain_rows(tokenizer: jieba.Tokenizer) -> None:
    def candidate(rid: int, path: str | None, **kw: Any) -> Candidate:
        base: dict[str, Any] = {
            "name": f"资源{rid}",
            "provider": "",
            "description": "",
            "categories": ("legal",),
            "capacity": None,
            "open_matches": 0,
            "matched_here": False,
        }
        return Candidate(resource_id=rid, office_path=path, **{**base, **kw})

    text = "被拖欠工资"
    wish = WishFacts(text, Category.legal, "/1/2/3/", words(tokenizer, text))
    rows = [
        candidate(1, "/1/2/3/4/"),  # a sub-office: not offered
        candidate(2, "/1/9/"),  # another district: not offered
        candidate(3, None, name="工资纠纷调解", description="欠薪"),
        candidate(4, "/1/2/"),
        candidate(5, "/1/", capacity=2, open_matches=2),
    ]
    history = [PastUse(resource_id=4, category="legal", keywords=())]
    got = rank(
        wish=wish,
        candidates=rows,
        history=history,
        library_terms=lambda text: library_words(tokenizer, text),
    )
    assert [s.resource_id for s in got] == [3, 4, 5]
    assert got[0].reasons == ("category", "keywords:工资")
    assert got[1].reasons == ("category", "history:1")
    assert got[2].reasons == ("category", "capacity:full")
