// session.ts - the browser session: the access token in memory only, the refresh token in an
// HttpOnly cookie the server sets; refreshes before expiry, and signs every tab out together.
import { useSyncExternalStore } from "react";

export type SessionState =
  | { status: "unknown" } // before the first refresh attempt on load
  | { status: "signed-out"; reason?: "expired" | "signed-out-elsewhere" | "signed-out" }
  | { status: "signed-in"; accessToken: string; expiresAt: number; userId: string };

const CHANNEL = "crm-session";
const REFRESH_LEAD_MS = 60_000; // refresh this long before the access token expires
const CSRF = { "X-CRM-CSRF": "1" };

let state: SessionState = { status: "unknown" };
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setTimeout> | undefined;
let inflight: Promise<boolean> | undefined;
const channel = typeof BroadcastChannel === "undefined" ? undefined : new BroadcastChannel(CHANNEL);

function set(next: SessionState) {
  state = next;
  listeners.forEach((l) => l());
}

export function getSession(): SessionState {
  return state;
}

export function accessToken(): string | undefined {
  return state.status === "signed-in" ? state.accessToken : undefined;
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): SessionState {
  return useSyncExternalStore(subscribe, getSession);
}

interface TokenAnswer {
  access_token: string;
  expires_in: number;
  user_id?: string;
}

function userOf(token: string): string {
  try {
    const part = token.split(".")[1] ?? "";
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    return (JSON.parse(json) as { sub?: string }).sub ?? "";
  } catch {
    return "";
  }
}

function adopt(answer: TokenAnswer) {
  const expiresAt = Date.now() + answer.expires_in * 1000;
  set({ status: "signed-in", accessToken: answer.access_token, expiresAt, userId: userOf(answer.access_token) });
  clearTimeout(timer);
  const lead = Math.min(REFRESH_LEAD_MS, (answer.expires_in * 1000) / 5);
  timer = setTimeout(() => void refresh(), Math.max(1_000, expiresAt - Date.now() - lead));
}

/** Signs in; the refresh token stays in the cookie. Returns the raw response for the caller to
 * read errors from (problem+json). */
export async function signIn(tenant: string, email: string, password: string): Promise<Response> {
  const res = await fetch("/api/v1/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify({ tenant, email, password, session: "cookie" }),
  });
  if (res.ok) {
    adopt((await res.clone().json()) as TokenAnswer);
    channel?.postMessage("signed-in");
  }
  return res;
}

const RETRY_MS = 10_000; // after a refresh the network or the server could not answer

function retryLater() {
  clearTimeout(timer);
  timer = setTimeout(() => void refresh(), RETRY_MS);
}

async function refreshOnce(): Promise<boolean> {
  let res: Response;
  try {
    res = await fetch("/api/v1/auth/refresh", { method: "POST", headers: CSRF, credentials: "same-origin" });
  } catch {
    // offline: a signed-in tab keeps its token (the banner says so) and tries again; a tab
    // that was loading has no session to keep
    if (state.status === "signed-in") retryLater();
    else end();
    return state.status === "signed-in";
  }
  if (res.status >= 500 || res.status === 429) {
    // the server could not answer now: that says nothing about the session
    if (state.status === "signed-in") {
      retryLater();
      return true;
    }
    end();
    return false;
  }
  if (!res.ok) {
    // refused (expired, revoked, reused): the session is over
    end(state.status === "unknown" ? undefined : "expired");
    return false;
  }
  adopt((await res.json()) as TokenAnswer);
  return true;
}

/** Rotates the refresh cookie for a new access token. One at a time across tabs (Web Locks):
 * two tabs presenting the same cookie at once would look like token reuse and end the session. */
export function refresh(): Promise<boolean> {
  if (!inflight) {
    const run = async (): Promise<boolean> => await refreshOnce();
    const locked: Promise<boolean> =
      typeof navigator !== "undefined" && navigator.locks
        ? navigator.locks.request("crm-refresh", run).then((ok) => ok)
        : run();
    inflight = locked.finally(() => {
      inflight = undefined;
    });
  }
  return inflight;
}

function end(reason?: "expired" | "signed-out-elsewhere" | "signed-out") {
  clearTimeout(timer);
  set(reason ? { status: "signed-out", reason } : { status: "signed-out" });
}

/** Signs out here and in every other tab of this browser. */
export async function signOut(): Promise<void> {
  try {
    await fetch("/api/v1/auth/logout", { method: "POST", headers: CSRF, credentials: "same-origin" });
  } catch {
    // the cookie is revoked server-side when the network returns; locally we are out now
  }
  channel?.postMessage("signed-out");
  end("signed-out");
}

// another tab signed out: so are we; another tab signed in: its cookie is ours too
channel?.addEventListener("message", (e: MessageEvent) => {
  if (e.data === "signed-out" && state.status === "signed-in") end("signed-out-elsewhere");
  else if (e.data === "signed-in" && state.status === "signed-out") void refresh();
});
