// localizer.ts - react-big-calendar's localizer, made once for the app (weeks start on Monday)
// with en-GB formats: 24-hour clock, day/month/year. Dates it sees are wall-clock Dates of the
// clinic's zone (zone.ts), so the browser's own zone never shows.
import { DateTime } from "luxon";
import { DateLocalizer, luxonLocalizer, type Formats } from "react-big-calendar";

// Formats are luxon's; the date arithmetic is the library's own native-Date default. Its luxon
// localizer builds two DateTimes for every comparison, and on a day of 600 appointments that
// was about half of each redraw (docs/performance.md). The arithmetic needs no zone: the
// Dates already hold the clinic's wall clock.
const luxonFormats = luxonLocalizer(DateTime, { firstDayOfWeek: 1 }).formats;

export const localizer = new DateLocalizer({
  formats: luxonFormats,
  firstOfWeek: () => 1,
  format: (value, format, culture) => {
    const d = DateTime.fromJSDate(new Date(value as Date));
    return (culture ? d.setLocale(culture) : d).toFormat(format);
  },
});

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
