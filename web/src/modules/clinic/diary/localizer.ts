// localizer.ts - react-big-calendar's luxon localizer, made once for the app (weeks start on
// Monday) with en-GB formats: 24-hour clock, day/month/year. Dates it sees are wall-clock
// Dates of the clinic's zone (zone.ts), so the browser's own zone never shows.
import { DateTime } from "luxon";
import { luxonLocalizer, type Formats } from "react-big-calendar";

export const localizer = luxonLocalizer(DateTime, { firstDayOfWeek: 1 });

const hm = (d: Date) => DateTime.fromJSDate(d).toFormat("HH:mm");
const range = ({ start, end }: { start: Date; end: Date }) => `${hm(start)}–${hm(end)}`;

export const formats: Formats = {
  timeGutterFormat: "HH:mm",
  eventTimeRangeFormat: range,
  eventTimeRangeStartFormat: ({ start }) => `${hm(start)} –`,
  eventTimeRangeEndFormat: ({ end }) => `– ${hm(end)}`,
  selectRangeFormat: range,
  dayFormat: "EEE dd/MM",
  dayHeaderFormat: "EEEE dd/MM/yyyy",
  dayRangeHeaderFormat: ({ start, end }) =>
    `${DateTime.fromJSDate(start).toFormat("dd/MM")} – ${DateTime.fromJSDate(end).toFormat("dd/MM/yyyy")}`,
  agendaTimeFormat: "HH:mm",
  agendaTimeRangeFormat: range,
};
