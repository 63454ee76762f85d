// DiaryCalendar.tsx - react-big-calendar with drag and drop: a column per practitioner (day) or
// one practitioner's week; working hours shaded, time off blocked, appointments coloured by
// status. Events, resources and getters are memoised so that a poll that changes nothing, or
// a day of 600 appointments, costs little.
import { memo, useCallback, useEffect, useMemo, useRef } from "react";
import { Calendar, type SlotInfo } from "react-big-calendar";
import withDragAndDrop, { type EventInteractionArgs } from "react-big-calendar/lib/addons/dragAndDrop";
import "react-big-calendar/lib/css/react-big-calendar.css";
import "./dnd.css";
import { localizer, formats } from "./localizer";
import { toWall, wallDay, wallNow, dayOfWall } from "./zone";
import { dayHours, isWorking, type DayHours } from "./hours";
import type { Appointment, Hours, Practitioner } from "./queries";
import { t } from "./strings";
import classes from "./Diary.module.css";

export interface DiaryEvent {
  id: string;
  title: string;
  start: Date;
  end: Date;
  resourceId: string;
  appt?: Appointment; // absent for time off
  offReason?: string | null;
  movable: boolean;
  colour?: string;
}

export interface Override {
  start: Date;
  end: Date;
  resourceId: string;
}

interface Props {
  view: "day" | "week";
  day: string;
  days: string[];
  practitioners: Practitioner[]; // the columns (day) or the one practitioner (week)
  appointments: Appointment[];
  hours: Map<string, Hours>;
  showCancelled: boolean;
  overrides: Record<string, Override>;
  mayChange: (a: Appointment) => boolean;
  maySelect: (practitionerId: string) => boolean;
  onSelectSlot: (start: Date, end: Date, practitionerId: string, dragged: boolean) => void;
  onOpen: (a: Appointment) => void;
  onMove: (a: Appointment, start: Date, end: Date, practitionerId: string) => void;
  onDragStart: () => void;
}

const DnDCalendar = withDragAndDrop<DiaryEvent, Practitioner>(Calendar);
const ACTIVE = new Set(["proposed", "pending", "booked", "arrived", "checked-in"]);
const HIDDEN_UNLESS_ASKED = new Set(["cancelled", "entered-in-error"]);
const noop = () => {};
const hm = (d: Date) => `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;

// each appointment's wall-clock start and end, parsed once per answer from the server rather
// than on every redraw (an unchanged appointment keeps its object across polls and moves)
const wallTimes = new WeakMap<Appointment, [Date, Date]>();
function wallOf(a: Appointment): [Date, Date] {
  let w = wallTimes.get(a);
  if (!w) wallTimes.set(a, (w = [toWall(a.appointment_time), toWall(a.end_time)]));
  return w;
}

function label(a: Appointment): string {
  return a.patient_name ?? a.appointment_type ?? t.appointment;
}

function EventBody({ event }: { event: DiaryEvent }) {
  const a = event.appt;
  if (!a) return <span className={classes.offLabel}>{event.title}</span>;
  return (
    <span className={classes.eventBody}>
      <span className={classes.eventName}>{label(a)}</span>
      <span className={classes.eventMeta}>
        {hm(event.start)}–{hm(event.end)} · {t.status[a.status]}
        {a.appointment_type && a.patient_name ? ` · ${a.appointment_type}` : ""}
        {a.room ? ` · ${a.room}` : ""}
        {a.overbooked ? ` · ${t.overbooked}` : ""}
      </span>
    </span>
  );
}

function ResourceHeader({ resource }: { resource: Practitioner }) {
  return (
    <span className={classes.resource}>
      <span className={classes.swatch} style={{ background: resource.colour }} aria-hidden="true" />
      <span className={classes.resourceName}>{resource.full_name}</span>
    </span>
  );
}

/** A day's heading in the week view: plain text (the library's own is a "columnheader"
 * outside any grid, which axe refuses). */
function DayHeader({ label }: { label: string }) {
  return <span>{label}</span>;
}

const components = { event: EventBody, resourceHeader: ResourceHeader, header: DayHeader };

/** Wall-clock time of a day (minutes from midnight) as the calendar's Date. */
function at(day: string, minutes: number): Date {
  const d = wallDay(day);
  d.setHours(0, minutes, 0, 0);
  return d;
}

function DiaryCalendar(props: Props) {
  const { view, day, days, practitioners, appointments, hours, showCancelled, overrides, mayChange } = props;
  const single = view === "week" ? practitioners[0]?.id : undefined;
  const colourOf = useMemo(() => new Map(practitioners.map((p) => [p.id, p.colour])), [practitioners]);

  // each practitioner's day, computed once per data change rather than per slot drawn
  const byDay = useMemo(() => {
    const m = new Map<string, DayHours>();
    for (const p of practitioners) for (const d of days) m.set(`${p.id}|${d}`, dayHours(hours.get(p.id), d));
    return m;
  }, [practitioners, days, hours]);

  const events = useMemo(() => {
    const shown = new Set(practitioners.map((p) => p.id));
    const out: DiaryEvent[] = [];
    for (const a of appointments) {
      if (!showCancelled && HIDDEN_UNLESS_ASKED.has(a.status)) continue;
      const o = overrides[a.id];
      const resourceId = o?.resourceId ?? a.practitioner_id;
      if (!shown.has(resourceId)) continue;
      const [start, end] = wallOf(a);
      out.push({
        id: a.id,
        title: label(a),
        start: o?.start ?? start,
        end: o?.end ?? end,
        resourceId,
        appt: a,
        movable: ACTIVE.has(a.status) && mayChange(a),
        colour: colourOf.get(a.practitioner_id),
      });
    }
    return out;
  }, [appointments, showCancelled, overrides, practitioners, mayChange, colourOf]);

  const timeOff = useMemo(() => {
    const out: DiaryEvent[] = [];
    byDay.forEach((dh, key) => {
      const [pid, d] = key.split("|") as [string, string];
      dh.off.forEach((o, i) =>
        out.push({
          id: `off-${key}-${i}`,
          title: o.reason ? `${t.timeOff}: ${o.reason}` : t.timeOff,
          start: at(d, o.span[0]),
          end: at(d, Math.min(o.span[1], 24 * 60 - 1)),
          resourceId: pid,
          offReason: o.reason,
          movable: false,
        }),
      );
    });
    return out;
  }, [byDay]);

  // the hours shown: the working day with an hour either side, widened for any appointment
  const [min, max] = useMemo(() => {
    let lo = 8 * 60,
      hi = 18 * 60;
    byDay.forEach((dh) =>
      dh.working?.forEach(([a, b]) => {
        lo = Math.min(lo, a - 60);
        hi = Math.max(hi, b + 60);
      }),
    );
    for (const e of events) {
      lo = Math.min(lo, e.start.getHours() * 60);
      hi = Math.max(hi, e.end.getHours() * 60 + e.end.getMinutes() + 30);
    }
    lo = Math.max(0, Math.floor(lo / 60) * 60);
    hi = Math.min(24 * 60 - 1, Math.ceil(hi / 60) * 60);
    return [new Date(1970, 0, 1, 0, lo), new Date(1970, 0, 1, 0, hi)];
  }, [byDay, events]);

  const slotPropGetter = useCallback(
    (date: Date, resourceId?: string | number) => {
      const pid = (resourceId as string | undefined) ?? single;
      const dh = pid ? byDay.get(`${pid}|${dayOfWall(date)}`) : undefined;
      if (dh && !isWorking(dh, date.getHours() * 60 + date.getMinutes())) return { className: classes.closed };
      return {};
    },
    [byDay, single],
  );

  const eventPropGetter = useCallback((e: DiaryEvent) => {
    if (!e.appt) return { className: classes.off };
    return {
      className: `${classes.event} ${classes[`s-${e.appt.status}`] ?? ""}`,
      style: { borderLeftColor: e.colour },
    };
  }, []);

  const tooltip = useCallback(
    (e: DiaryEvent) =>
      e.appt ? `${label(e.appt)}, ${t.status[e.appt.status]}, ${e.appt.practitioner_name}` : e.title,
    [],
  );

  const { onSelectSlot, onOpen, onMove, maySelect, onDragStart } = props;
  const selectSlot = useCallback(
    (s: SlotInfo) => {
      const pid = (s.resourceId as string | undefined) ?? single;
      if (!pid || !maySelect(pid)) return;
      onSelectSlot(s.start, s.end, pid, s.action === "select");
    },
    [onSelectSlot, single, maySelect],
  );
  const drop = useCallback(
    ({ event, start, end, resourceId }: EventInteractionArgs<DiaryEvent>) => {
      if (!event.appt) return;
      onMove(event.appt, new Date(start), new Date(end), (resourceId as string | undefined) ?? event.resourceId);
    },
    [onMove],
  );
  const open = useCallback((e: DiaryEvent) => e.appt && onOpen(e.appt), [onOpen]);
  const key = useCallback(
    (e: DiaryEvent, ev: React.SyntheticEvent<HTMLElement>) => {
      const k = "key" in ev ? (ev as { key: string }).key : "";
      if (e.appt && (k === "Enter" || k === " ")) {
        ev.preventDefault();
        onOpen(e.appt);
      }
    },
    [onOpen],
  );

  const date = useMemo(() => wallDay(day), [day]);
  const scrollTo = useMemo(() => new Date(1970, 0, 1, 0, Math.max(min.getHours() * 60, 7 * 60)), [min]);
  const canSelectAny = practitioners.some((p) => maySelect(p.id));

  // the time grid scrolls: reachable by keyboard, and named, even on a day with nothing in it
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const grid = box.current?.querySelector(".rbc-time-content");
    grid?.setAttribute("tabindex", "0");
    grid?.setAttribute("role", "region");
    grid?.setAttribute("aria-label", t.grid);
  });

  return (
    <div ref={box} className={classes.calendar} data-view={view} data-columns={view === "day" ? practitioners.length : 7}>
      <DnDCalendar
        localizer={localizer}
        formats={formats}
        culture="en-GB"
        date={date}
        onNavigate={noop}
        view={view}
        onView={noop}
        views={["day", "week"]}
        drilldownView={null}
        toolbar={false}
        events={events}
        backgroundEvents={timeOff}
        resources={view === "day" ? practitioners : undefined}
        resourceIdAccessor="id"
        resourceTitleAccessor="full_name"
        components={components}
        step={15}
        timeslots={4}
        min={min}
        max={max}
        scrollToTime={scrollTo}
        getNow={wallNow}
        selectable={canSelectAny}
        onSelectSlot={selectSlot}
        onSelectEvent={open}
        onKeyPressEvent={key}
        onEventDrop={drop}
        onEventResize={drop}
        onDragStart={onDragStart}
        draggableAccessor="movable"
        resizableAccessor="movable"
        resizable
        eventPropGetter={eventPropGetter}
        slotPropGetter={slotPropGetter}
        tooltipAccessor={tooltip}
        dayLayoutAlgorithm="no-overlap"
        showMultiDayTimes
      />
    </div>
  );
}

export default memo(DiaryCalendar);
