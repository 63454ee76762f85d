// connection.ts - whether the server is reachable: fetch failures raise the banner, the next
// answer lowers it.
import { useSyncExternalStore } from "react";

let lost = false;
const listeners = new Set<() => void>();

export function setConnectionLost(value: boolean) {
  if (value === lost) return;
  lost = value;
  listeners.forEach((l) => l());
}

export function useConnectionLost(): boolean {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => lost,
  );
}
