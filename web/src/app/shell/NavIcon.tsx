// NavIcon.tsx - the navigation's icons, drawn as SVG (no icon font, no emoji font needed); a
// module names one by key in its navigation entries.
import type { NavIconName } from "../../modules/types";

const PATHS: Record<NavIconName, string[]> = {
  calendar: ["M4 7a2 2 0 0 1 2-2h12a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2z", "M16 3v4M8 3v4M4 11h16"],
  people: [
    "M9 7m-4 0a4 4 0 1 0 8 0a4 4 0 1 0-8 0",
    "M3 21v-2a4 4 0 0 1 4-4h4a4 4 0 0 1 4 4v2",
    "M16 3.13a4 4 0 0 1 0 7.75M21 21v-2a4 4 0 0 0-3-3.85",
  ],
  sun: [
    "M12 12m-4 0a4 4 0 1 0 8 0a4 4 0 1 0-8 0",
    "M3 12h1m8-9v1m8 8h1m-9 8v1M5.6 5.6l.7.7m12.1-.7-.7.7m0 11.4.7.7m-12.1-.7-.7.7",
  ],
  list: ["M9 6h11M9 12h11M9 18h11M5 6v.01M5 12v.01M5 18v.01"],
};

export default function NavIcon({ name }: { name: NavIconName }) {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2"
      strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      {PATHS[name].map((d) => (
        <path key={d} d={d} />
      ))}
    </svg>
  );
}
