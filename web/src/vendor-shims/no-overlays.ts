// no-overlays.ts - stands in for react-overlays (and the Popper it brings, about 15 KB
// gzipped), which react-big-calendar uses only for its "+N more" popup, an option the diary
// does not turn on. Rendering it anyway fails loudly rather than silently.
export function Overlay(): never {
  throw new Error("react-big-calendar's popup is not bundled: see vite.config.ts");
}
