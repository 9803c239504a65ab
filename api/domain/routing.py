"""Who is responsible for a group's new wish or triage item (分片联系).

Order: the organisation's liaison; else the office's staff whose zones cover the organisation's
zone or the group; else the office's on-duty staff. `choose_responsible` is the rule on rows
already in memory, so the follow-up engine's Directory (api/followup/overdue.py), which holds the
small tables for a whole run, calls it after its assignee check; `responsible_staff` loads just
the rows one decision needs.

An administrator puts a group in a staff member's zones by its room id or its topic: groups have
no zone of their own, and a member group is usually one 片区's group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlmodel import Session, col, select

from models import Group, Office, Organisation, Staff


def choose_responsible(
    *,
    office: Office | None,
    office_staff: Iterable[Staff],
    organisation: Organisation | None = None,
    group: Group | None = None,
    staff_by_id: Callable[[int], Staff | None],
) -> list[Staff]:
    """The rule itself. `office_staff` are the office's staff (inactive ones are skipped);
    `staff_by_id` finds the liaison and the on-duty person, who may sit in another office."""

    def active(staff_id: int | None) -> Staff | None:
        member = staff_by_id(staff_id) if staff_id is not None else None
        return member if member is not None and member.active else None

    if organisation is not None:
        liaison = active(organisation.liaison_staff_id)
        if liaison is not None:
            return [liaison]
    zones = set()
    if organisation is not None and organisation.zone:
        zones.add(organisation.zone)
    if group is not None:
        zones.update(z for z in (group.room_id, group.topic) if z)
    if zones:
        zone_staff = [s for s in office_staff if s.active and zones & set(s.zones or [])]
        if zone_staff:
            return sorted(zone_staff, key=lambda s: s.id or 0)
    on_duty = active(office.on_duty_staff_id if office else None)
    return [on_duty] if on_duty is not None else []


def responsible_staff(
    *,
    session: Session,
    office_id: int,
    group_id: int | None = None,
    organisation_id: int | None = None,
) -> list[Staff]:
    """Who hears of a new wish or triage item of this office (empty: nobody is configured,
    the caller falls back to the office's staff group)."""
    office = session.get(Office, office_id)
    organisation = session.get(Organisation, organisation_id) if organisation_id else None
    group = session.get(Group, group_id) if group_id else None
    office_staff = session.exec(
        select(Staff).where(Staff.office_id == office_id, col(Staff.active).is_(True))
    ).all()
    return choose_responsible(
        office=office,
        office_staff=office_staff,
        organisation=organisation,
        group=group,
        staff_by_id=lambda staff_id: session.get(Staff, staff_id),
    )
