"""When each revision was live (core/timeline.py): known starts, renumbered revisions whose
later start is only bounded, numbers whose revision is gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kubectl_rollback.core.model import Revision
from kubectl_rollback.core.timeline import timeline

T0 = datetime(2026, 3, 1, tzinfo=UTC)
NOW = T0 + timedelta(hours=10)


def rev(number: int, hour: float, *, former: tuple[int, ...] = (), name: str = "") -> Revision:
    return Revision(
        number=number,
        former_numbers=former,
        object_name=name or f"web-{number}",
        pod_template_hash=f"h{number}",
        images=(),
        change_cause=None,
        created=T0 + timedelta(hours=hour),
        desired=0,
        ready=0,
        available=0,
        current=False,
        template={},
        annotations={},
        uid=f"u{number}",
    )


def at(hour: float) -> datetime:
    return T0 + timedelta(hours=hour)


def test_each_number_is_live_from_its_start_to_the_next() -> None:
    revisions = [rev(3, 6), rev(2, 3), rev(1, 0)]
    line = timeline(revisions, NOW)
    assert (line.start, line.end) == (T0, NOW)
    (one,) = line.of(revisions[2])
    assert (one.start_lo, one.start_hi, one.end_lo, one.end_hi) == (at(0), at(0), at(3), at(3))
    assert one.live_at(at(1)) and not one.live_at(at(3)) and not one.maybe_at(at(1))
    (three,) = line.of(revisions[0])
    assert (three.start_hi, three.end_lo) == (at(6), NOW) and three.live_at(at(9.9))


def test_a_renumbered_revision_has_its_first_period_known_and_its_later_start_bounded() -> None:
    # web-1 was revision 1 (created at 0), rolled back to as revision 4 at an unknown time
    # after revision 3 started (6): a Deployment keeps its former number 1.
    again = rev(4, 0, former=(1,), name="web-1")
    revisions = [again, rev(3, 6), rev(2, 3)]
    line = timeline(revisions, NOW)
    first, later = line.of(again)
    assert (first.number, first.start_hi, first.end_lo) == (1, at(0), at(3))
    assert (later.number, later.start_lo, later.start_hi, later.end_lo) == (4, at(6), NOW, NOW)
    assert later.maybe_at(at(8)) and not later.live_at(at(8))
    # Revision 3's end is the same unknown moment: certain from 6 on, perhaps until now.
    (three,) = line.of(revisions[1])
    assert (three.start_hi, three.end_lo, three.end_hi) == (at(6), at(6), NOW)
    assert three.maybe_at(at(8))


def test_a_renumbered_controllerrevision_keeps_its_creation_time_but_not_its_old_number() -> None:
    # A StatefulSet's revision 1 rolled back to becomes 4, same object, no former numbers:
    # its creation time (0) is not when 4 started.
    again = rev(4, 0, name="db-1")
    line = timeline([again, rev(3, 6), rev(2, 3)], NOW)
    (four,) = line.of(again)
    assert (four.start_lo, four.start_hi) == (at(6), NOW)
    gone = [p for p in line.periods if p.revision is None]
    assert [p.number for p in gone] == []  # numbers 2..4 all held; 1 is not known any more
    assert line.start == at(3)


def test_numbers_whose_revision_is_gone_bound_their_neighbours() -> None:
    # Revision 2 was deleted (history limit): revision 1 ended when 2 started, unknown.
    revisions = [rev(3, 6), rev(1, 0)]
    line = timeline(revisions, NOW)
    (one,) = line.of(revisions[1])
    assert (one.end_lo, one.end_hi) == (at(0), at(6))
    assert [p.number for p in line.periods if p.revision is None] == [2]
