// DiaryPage.tsx - the Clinic's diary: the day (a column per practitioner) or one
// practitioner's week in the clinic's time zone; booking on free time, moving by drag or by
// keyboard, status actions, the free-slot finder, and other users' changes polled in.
// The view lives in the address (?date=&view=&p=&cancelled=) so that a reload keeps it;
// ?book=<patient id> opens the booking dialog for that patient.
import { Suspense, lazy, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import {
  Alert, Button, Center, Checkbox, Group, Loader, NativeSelect, SegmentedControl, Stack, Text, Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { DateTime } from "luxon";
import { useMe } from "../../../app/me";
import { ProblemError, fieldErrors, problemMessage } from "../../../lib/problem";
import { tenantZone, formatDateTime, formatTime, setTenantZone } from "../../../lib/format";
import type { BookingDraft } from "../booking/draft";
import DayField from "./DayField";
import PractitionerFilter from "./PractitionerFilter";
import DiaryCalendar, { type Override } from "./DiaryCalendar";
import type { MoveInit } from "./AppointmentDrawer";
import {
  getAppointment, patchAppointment, useAppointments, useHours, usePractitioners, type Appointment, type AppointmentInput,
} from "./queries";
import { clinicToday, dayOfWall, fromWall, rangeOf } from "./zone";
import { ACTIONS } from "./status";
import { t } from "./strings";
import classes from "./Diary.module.css";

// The dialogs load when first opened (and are fetched while the browser is idle after the
// diary's first paint), so the JavaScript before the diary is usable stays small.
const loadBooking = () => import("../booking/BookingDialog");
const loadDrawer = () => import("./AppointmentDrawer");
const loadFinder = () => import("./SlotFinder");
const BookingDialog = lazy(loadBooking);
const AppointmentDrawer = lazy(loadDrawer);
const SlotFinder = lazy(loadFinder);

type View = "day" | "week";

export default function DiaryPage() {
  const viewer = useMe();
  // the zone before the first render computes any day (the shell sets it in an effect, later)
  setTenantZone(viewer.me.tenant.time_zone);
  if (!viewer.can("clinic.appointments.read"))
    return (
      <Stack>
        <Title order={1}>{t.title}</Title>
        <Text>{t.noAccess}</Text>
      </Stack>
    );
  return <Diary />;
}

function Diary() {
  const viewer = useMe();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const day = params.get("date") && DateTime.fromISO(params.get("date")!).isValid ? params.get("date")! : clinicToday();
  const view: View = params.get("view") === "week" ? "week" : "day";
  const showCancelled = params.get("cancelled") === "1";
  const bookFor = params.get("book");
  const canWrite = viewer.can("clinic.appointments.write");
  const ownOnly = viewer.me.role === "practitioner";

  const setParam = useCallback(
    (changes: Record<string, string | null>) =>
    {
      // from the address as it is now: the router's functional update hands every call of one
      // tick the same old parameters, so a second change in that tick would undo the first
      const next = new URLSearchParams(window.location.search);
      for (const [k, v] of Object.entries(changes)) if (v === null) next.delete(k);
      else next.set(k, v);
      setParams(next, { replace: true });
    },
    [setParams],
  );

  const practitionersQ = usePractitioners();
  const all = useMemo(() => practitionersQ.data ?? [], [practitionersQ.data]);
  // day view: the practitioners picked (all unless narrowed); week view: one of them
  const picked = useMemo(() => {
    const p = params.get("p");
    if (p === null) return all.map((x) => x.id);
    const want = new Set(p.split(",").filter(Boolean));
    return all.filter((x) => want.has(x.id)).map((x) => x.id);
  }, [params, all]);
  const weekOf =
    all.find((x) => x.id === params.get("w"))?.id ??
    (viewer.me.is_practitioner && all.some((x) => x.id === viewer.me.id) ? viewer.me.id : picked[0] ?? all[0]?.id);
  const columns = useMemo(
    () => (view === "day" ? all.filter((x) => picked.includes(x.id)) : all.filter((x) => x.id === weekOf)),
    [view, all, picked, weekOf],
  );
  const columnIds = useMemo(() => columns.map((c) => c.id), [columns]);
  const hours = useHours(columnIds);

  const range = useMemo(() => rangeOf(day, view), [day, view]);
  const from = range.from.toISO()!;
  const to = range.to.toISO()!;

  const [dragging, setDragging] = useState(false);
  const [overrides, setOverrides] = useState<Record<string, Override>>({});
  const held = Object.keys(overrides).length > 0;
  const appointmentsQ = useAppointments(from, to, view === "week" ? weekOf : undefined, dragging || held);
  const frozen = useRef<Appointment[]>([]);
  const live = useMemo(() => appointmentsQ.data ?? [], [appointmentsQ.data]);
  const appointments = dragging ? frozen.current : live;

  const [draft, setDraft] = useState<BookingDraft | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const [openCopy, setOpenCopy] = useState<Appointment | null>(null);
  const [moveInit, setMoveInit] = useState<MoveInit | null>(null);
  const [finding, setFinding] = useState(false);
  const opened = (openId && live.find((a) => a.id === openId)) || (openCopy?.id === openId ? openCopy : null);

  const mayChange = useCallback(
    (a: Appointment) => canWrite && (!ownOnly || a.practitioner_id === viewer.me.id),
    [canWrite, ownOnly, viewer.me.id],
  );
  const maySelect = useCallback((pid: string) => canWrite && (!ownOnly || pid === viewer.me.id), [canWrite, ownOnly, viewer.me.id]);

  // the patient record's "book again": /diary?book=<patient id>
  // a dialog stays mounted once it has been opened, so that it closes with its transition
  const used = useRef({ booking: false, drawer: false, finder: false }).current;
  if (draft) used.booking = true;
  if (opened) used.drawer = true;
  if (finding) used.finder = true;
  useEffect(() => {
    // fetch the dialogs' code once the diary has settled, so that a first click opens at once
    const timer = setTimeout(() => {
      void loadBooking();
      void loadDrawer();
      void loadFinder();
    }, 1500);
    return () => clearTimeout(timer);
  }, []);
  useEffect(() => {
    if (!bookFor || !canWrite || all.length === 0) return;
    setDraft({ day, time: defaultTime(day), practitionerId: ownOnly ? viewer.me.id : columns[0]?.id ?? null, duration: 30, patientId: bookFor });
    setParam({ book: null });
  }, [bookFor, canWrite, all.length, day, columns, ownOnly, viewer.me.id, setParam]);

  const onDragStart = useCallback(() => {
    frozen.current = live;
    setDragging(true);
    const end = () => {
      window.removeEventListener("mouseup", end);
      window.removeEventListener("touchend", end);
      setTimeout(() => setDragging(false), 0);
    };
    window.addEventListener("mouseup", end);
    window.addEventListener("touchend", end);
  }, [live]);

  /** Why a change was refused, said in a notification (and returned for a form to show). */
  const explain = useCallback(
    async (a: Appointment, err: unknown): Promise<string> => {
      let why = problemMessage(err);
      let color = "red";
      if (err instanceof ProblemError && err.status === 412) {
        why = t.changedElsewhere;
        color = "yellow";
        await qc.invalidateQueries({ queryKey: ["appointments"] });
      } else if (err instanceof ProblemError && err.status === 409 && typeof err.problem.conflicting_appointment_id === "string") {
        why = t.clashPlain;
        try {
          const c = await getAppointment(err.problem.conflicting_appointment_id);
          why = t.clash(`${formatDateTime(c.appointment_time)}–${formatTime(c.end_time)}`, c.patient_name ?? c.practitioner_name);
        } catch {
          /* the plain sentence will do */
        }
      } else if (err instanceof ProblemError && err.status === 422) {
        const fields = Object.entries(fieldErrors(err)).map(([f, m]) => `${t.field[f] ?? f} ${m}`);
        why = t.refusedBack(fields.length ? `${fields.join("; ")}.` : why);
      }
      notifications.show({ color, message: why, autoClose: 8000 });
      void a;
      return why;
    },
    [qc],
  );

  const onMove = useCallback(
    async (a: Appointment, start: Date, end: Date, practitionerId: string) => {
      const when = fromWall(start);
      const minutes = Math.round((end.getTime() - start.getTime()) / 60_000);
      const body: AppointmentInput = {};
      if (!when.equals(DateTime.fromISO(a.appointment_time).setZone(tenantZone()))) body.appointment_time = when.toISO()!;
      if (minutes !== a.duration_minutes) body.duration_minutes = minutes;
      if (practitionerId !== a.practitioner_id) body.practitioner_id = practitionerId;
      if (Object.keys(body).length === 0) return;
      setOverrides((o) => ({ ...o, [a.id]: { start, end, resourceId: practitionerId } }));
      try {
        const done = await patchAppointment(qc, a, body);
        notifications.show({ color: "green", message: t.moved(`${formatDateTime(done.appointment_time)}, ${done.practitioner_name}`) });
      } catch (err) {
        const why = await explain(a, err);
        // refused for the hours or a clash: the move form can overbook it, for who may
        if (err instanceof ProblemError && (err.status === 409 || err.status === 422) && viewer.can("clinic.overbook")) {
          setMoveInit({ day: when.toISODate()!, time: when.toFormat("HH:mm"), practitionerId, duration: minutes, refusal: why });
          setOpenId(a.id);
        }
      } finally {
        setOverrides(({ [a.id]: _, ...rest }) => rest);
        void qc.invalidateQueries({ queryKey: ["appointments"] });
      }
    },
    [qc, explain, viewer],
  );

  const onSelectSlot = useCallback(
    (start: Date, end: Date, practitionerId: string, dragged: boolean) => {
      const minutes = Math.round((end.getTime() - start.getTime()) / 60_000);
      setDraft({
        day: dayOfWall(start),
        time: `${String(start.getHours()).padStart(2, "0")}:${String(start.getMinutes()).padStart(2, "0")}`,
        practitionerId,
        duration: dragged && minutes >= 5 ? minutes : 30,
      });
    },
    [],
  );

  const onOpen = useCallback((a: Appointment) => {
    setMoveInit(null);
    setOpenCopy(a);
    setOpenId(a.id);
  }, []);

  const step = (n: number) => {
    const d = DateTime.fromISO(day).plus(view === "day" ? { days: n } : { weeks: n });
    setParam({ date: d.toISODate()! });
  };

  if (practitionersQ.isLoading)
    return (
      <Center h="50vh" role="status">
        <Loader role="status" aria-label={t.loading} />
      </Center>
    );
  if (practitionersQ.error)
    return (
      <Stack align="flex-start">
        <Title order={1}>{t.title}</Title>
        <Alert color="red" role="alert" title={t.loadFailed}>
          {problemMessage(practitionersQ.error)}
        </Alert>
        <Button onClick={() => void practitionersQ.refetch()}>{t.retry}</Button>
      </Stack>
    );

  const heading =
    view === "day"
      ? DateTime.fromISO(day).setLocale("en-GB").toFormat("cccc dd/MM/yyyy")
      : `${range.from.toFormat("dd/MM")} – ${range.from.plus({ days: 6 }).toFormat("dd/MM/yyyy")}`;

  return (
    <Stack gap="sm" className={classes.page}>
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Group gap="sm" wrap="wrap" align="baseline">
          <Title order={1} className={classes.title}>
            {t.title}
          </Title>
          <Text fw={600} data-testid="diary-heading" aria-live="polite">
            {heading}
          </Text>
          {appointmentsQ.isFetching && <Loader size="xs" role="status" aria-label={t.refreshing} />}
        </Group>
        <Group gap="xs">
          <Button variant="default" onClick={() => setFinding(true)} disabled={all.length === 0}>
            {t.findSlot}
          </Button>
          {canWrite && (
            <Button
              onClick={() =>
                setDraft({
                  day,
                  time: defaultTime(day),
                  practitionerId: ownOnly ? viewer.me.id : columns[0]?.id ?? null,
                  duration: 30,
                })
              }
              disabled={all.length === 0}
            >
              {t.newAppointment}
            </Button>
          )}
        </Group>
      </Group>
      <Group gap="xs" wrap="wrap" align="flex-end" className={classes.toolbar}>
        <Group gap={4} wrap="nowrap">
          <Button variant="default" onClick={() => setParam({ date: null })}>
            {t.today}
          </Button>
          <Button variant="default" onClick={() => step(-1)} aria-label={t.previous(view)}>
            ‹
          </Button>
          <Button variant="default" onClick={() => step(1)} aria-label={t.next(view)}>
            ›
          </Button>
        </Group>
        <DayField day={day} onChange={(d) => setParam({ date: d })} className={classes.dateInput} />
        <SegmentedControl
          aria-label={t.view}
          value={view}
          onChange={(v) => setParam({ view: v === "week" ? "week" : null })}
          data={[
            { value: "day", label: t.dayView },
            { value: "week", label: t.weekView },
          ]}
        />
        {view === "day" ? (
          <PractitionerFilter
            all={all}
            picked={picked}
            me={all.some((x) => x.id === viewer.me.id) ? viewer.me.id : undefined}
            onChange={(ids) => setParam({ p: ids.length === all.length ? null : ids.join(",") })}
          />
        ) : (
          <NativeSelect
            aria-label={t.practitioner}
            data={all.map((p) => ({ value: p.id, label: p.full_name }))}
            value={weekOf ?? ""}
            onChange={(e) => setParam({ w: e.currentTarget.value })}
            className={classes.filter}
          />
        )}
        <Checkbox
          label={t.showCancelled}
          checked={showCancelled}
          onChange={(e) => setParam({ cancelled: e.currentTarget.checked ? "1" : null })}
          className={classes.switch}
        />
      </Group>
      <ul className={classes.legend} aria-label={t.legend}>
        {ACTIONS.filter((s) => s !== "cancelled" || showCancelled).map((s) => (
          <li key={s} className={`${classes.legendItem} ${classes[`s-${s}`] ?? ""}`}>
            {t.status[s]}
          </li>
        ))}
        <li className={`${classes.legendItem} ${classes.legendClosed}`}>{t.outsideHours}</li>
      </ul>
      {appointmentsQ.error && (
        <Alert color="red" role="alert">
          {problemMessage(appointmentsQ.error)}
        </Alert>
      )}
      {all.length === 0 ? (
        <Alert color="blue">{t.noPractitioners}</Alert>
      ) : columns.length === 0 ? (
        <Alert color="blue">{t.nonePicked}</Alert>
      ) : (
        <div className={classes.scroller} tabIndex={0} role="region" aria-label={t.gridScroll}>
          <div className={classes.inner} style={view === "day" ? { minWidth: `calc(60px + ${columns.length} * 150px)` } : undefined}>
            <DiaryCalendar
              view={view}
              day={day}
              days={range.days}
              practitioners={columns}
              appointments={appointments}
              hours={hours}
              showCancelled={showCancelled}
              overrides={overrides}
              mayChange={mayChange}
              maySelect={maySelect}
              onSelectSlot={onSelectSlot}
              onOpen={onOpen}
              onMove={onMove}
              onDragStart={onDragStart}
            />
          </div>
        </div>
      )}
      <Suspense fallback={null}>
        {used.booking && <BookingDialog draft={draft} practitioners={all} onClose={() => setDraft(null)} />}
        {used.drawer && (
          <AppointmentDrawer
            appointment={opened || null}
            practitioners={all}
            moveInit={moveInit}
            mayChange={mayChange}
            onClose={() => {
              setOpenId(null);
              setMoveInit(null);
            }}
            onRefused={explain}
          />
        )}
        {used.finder && (
          <SlotFinder
            opened={finding}
            practitioners={all}
            initial={{ day: day < clinicToday() ? clinicToday() : day, practitionerIds: columnIds }}
            onClose={() => setFinding(false)}
            onPick={(d) => {
              setFinding(false);
              setDraft(d);
            }}
          />
        )}
      </Suspense>
    </Stack>
  );
}

/** The time a new booking starts at: the next quarter hour today, else 09:00. */
function defaultTime(day: string): string {
  const now = DateTime.now().setZone(tenantZone());
  if (day !== now.toISODate()) return "09:00";
  const q = now.plus({ minutes: 15 - (now.minute % 15) });
  return q.hour >= 20 || q.day !== now.day ? "09:00" : q.toFormat("HH:mm");
}
