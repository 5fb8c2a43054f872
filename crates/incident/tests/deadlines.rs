//! Reporting clocks with the controllable clock: initial reports by operator kind, the
//! escalation step at 重大 and above, close-out, overdue and escalation.

use chrono::Duration;
use shuan_incident::clock::shanghai_time;
use shuan_incident::{
    Clock, Grade, OperatorKind, Progress, ReportKind, Rules, Status, TestClock, agenda,
};

fn discovered_at_nine() -> (TestClock, Progress) {
    let clock = TestClock::at(2026, 3, 1, 9, 0);
    let progress = Progress {
        discovered_at: Some(clock.now()),
        ..Progress::default()
    };
    (clock, progress)
}

#[test]
fn initial_report_deadline_by_operator_kind() {
    let rules = Rules::builtin();
    for (kind, hours) in [
        (OperatorKind::Cii, 1),
        (OperatorKind::CentralOrgan, 2),
        (OperatorKind::Other, 4),
    ] {
        let (clock, progress) = discovered_at_nine();
        let start = clock.now();
        let at = |now| agenda(&rules, Grade::Larger, kind, &progress, now);
        let initial = &at(start).deadlines[0];
        assert_eq!(initial.kind, ReportKind::Initial);
        assert_eq!(initial.due_at, start + Duration::hours(hours));
        assert_eq!(initial.due_at.offset().local_minus_utc(), 8 * 3600);
        // One second before the deadline it is due; at the deadline it is overdue.
        clock.advance(Duration::hours(hours) - Duration::seconds(1));
        let before = at(clock.now());
        assert_eq!(before.due().count(), 1, "{kind:?}");
        assert_eq!(before.to_escalate().count(), 0);
        clock.advance(Duration::seconds(1));
        let after = at(clock.now());
        assert_eq!(after.deadlines[0].status, Status::Overdue, "{kind:?}");
        assert_eq!(after.to_escalate().count(), 1);
        // Only 较大 and above have a larger-grade escalation step: none here.
        assert!(
            after
                .deadlines
                .iter()
                .all(|d| d.kind != ReportKind::Escalation)
        );
    }
}

#[test]
fn general_incidents_have_no_statutory_clock() {
    let rules = Rules::builtin();
    let (clock, progress) = discovered_at_nine();
    clock.advance(Duration::days(60));
    let agenda = agenda(
        &rules,
        Grade::General,
        OperatorKind::Cii,
        &progress,
        clock.now(),
    );
    assert!(agenda.deadlines.is_empty());
}

#[test]
fn reports_made_on_time_and_late() {
    let rules = Rules::builtin();
    let (clock, mut progress) = discovered_at_nine();
    progress.initial_reported_at = Some(clock.now() + Duration::minutes(240));
    let on_time = agenda(
        &rules,
        Grade::Larger,
        OperatorKind::Other,
        &progress,
        clock.now() + Duration::days(1),
    );
    assert_eq!(on_time.deadlines[0].status, Status::Done { late: false });
    progress.initial_reported_at = Some(clock.now() + Duration::minutes(241));
    let late = agenda(
        &rules,
        Grade::Larger,
        OperatorKind::Other,
        &progress,
        clock.now() + Duration::days(1),
    );
    assert_eq!(late.deadlines[0].status, Status::Done { late: true });
    assert_eq!(late.to_escalate().count(), 0);
}

#[test]
fn escalation_step_at_major_and_above() {
    let rules = Rules::builtin();
    let (clock, mut progress) = discovered_at_nine();
    let start = clock.now();
    // CII: reported after 40 minutes; the protection department forwards within 30 minutes.
    progress.initial_reported_at = Some(start + Duration::minutes(40));
    for grade in [Grade::Major, Grade::ParticularlyMajor] {
        let now = start + Duration::minutes(50);
        let a = agenda(&rules, grade, OperatorKind::Cii, &progress, now);
        let step = a
            .deadlines
            .iter()
            .find(|d| d.kind == ReportKind::Escalation)
            .unwrap();
        assert_eq!(step.due_at, start + Duration::minutes(70));
        assert_eq!(step.status, Status::Due);
        let a = agenda(
            &rules,
            grade,
            OperatorKind::Cii,
            &progress,
            start + Duration::minutes(70),
        );
        assert_eq!(
            a.to_escalate().map(|d| d.kind).collect::<Vec<_>>(),
            [ReportKind::Escalation]
        );
    }
    // Other operators: the provincial office forwards within 1 hour.
    let a = agenda(&rules, Grade::Major, OperatorKind::Other, &progress, start);
    let step = a
        .deadlines
        .iter()
        .find(|d| d.kind == ReportKind::Escalation)
        .unwrap();
    assert_eq!(step.due_at, start + Duration::minutes(100));
    // Not yet reported: counted from the initial deadline, so it is never out of sight.
    progress.initial_reported_at = None;
    let a = agenda(
        &rules,
        Grade::Major,
        OperatorKind::CentralOrgan,
        &progress,
        start,
    );
    let due: Vec<_> = a
        .deadlines
        .iter()
        .map(|d| (d.kind, d.due_at - start))
        .collect();
    assert_eq!(
        due,
        [
            (ReportKind::Initial, Duration::hours(2)),
            (ReportKind::Escalation, Duration::hours(3)),
        ]
    );
    // Done.
    progress.initial_reported_at = Some(start + Duration::minutes(10));
    progress.escalated_at = Some(start + Duration::minutes(30));
    let a = agenda(
        &rules,
        Grade::Major,
        OperatorKind::CentralOrgan,
        &progress,
        start + Duration::days(1),
    );
    assert_eq!(a.overdue().count(), 0);
    // Below 重大 there is no escalation step.
    let a = agenda(&rules, Grade::Larger, OperatorKind::Cii, &progress, start);
    assert!(a.deadlines.iter().all(|d| d.kind != ReportKind::Escalation));
}

#[test]
fn close_out_thirty_days_after_handling_ends() {
    let rules = Rules::builtin();
    let (clock, mut progress) = discovered_at_nine();
    progress.initial_reported_at = Some(clock.now());
    let resolved = shanghai_time(2026, 3, 10, 18, 0);
    progress.resolved_at = Some(resolved);
    let a = agenda(
        &rules,
        Grade::Larger,
        OperatorKind::Other,
        &progress,
        resolved,
    );
    let close_out = a
        .deadlines
        .iter()
        .find(|d| d.kind == ReportKind::CloseOut)
        .unwrap();
    assert_eq!(close_out.due_at, shanghai_time(2026, 4, 9, 18, 0));
    assert!(close_out.clause.contains("30日"));
    clock.set(shanghai_time(2026, 4, 9, 17, 59));
    assert_eq!(
        agenda(
            &rules,
            Grade::Larger,
            OperatorKind::Other,
            &progress,
            clock.now()
        )
        .overdue()
        .count(),
        0
    );
    clock.advance(Duration::minutes(1));
    let late = agenda(
        &rules,
        Grade::Larger,
        OperatorKind::Other,
        &progress,
        clock.now(),
    );
    assert_eq!(
        late.to_escalate().map(|d| d.kind).collect::<Vec<_>>(),
        [ReportKind::CloseOut]
    );
    progress.closed_out_at = Some(clock.now());
    let done = agenda(
        &rules,
        Grade::Larger,
        OperatorKind::Other,
        &progress,
        clock.now(),
    );
    assert_eq!(done.overdue().count(), 0);
}

#[test]
fn deadlines_are_listed_in_the_order_they_fall_due() {
    let rules = Rules::builtin();
    let (clock, mut progress) = discovered_at_nine();
    progress.resolved_at = Some(clock.now() + Duration::hours(1));
    let a = agenda(
        &rules,
        Grade::ParticularlyMajor,
        OperatorKind::Other,
        &progress,
        clock.now(),
    );
    let kinds: Vec<_> = a.deadlines.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        [
            ReportKind::Initial,
            ReportKind::Escalation,
            ReportKind::CloseOut
        ]
    );
    assert!(a.deadlines.windows(2).all(|w| w[0].due_at <= w[1].due_at));
}
